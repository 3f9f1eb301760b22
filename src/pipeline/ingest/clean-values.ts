/**
 * Value cleaners for exported CSV cells. Each returns null for a blank cell and undefined
 * for a cell it cannot read, so a row cleaner can tell "missing" from "wrong" and say which.
 * The common, already-clean forms are tested first: these run once per cell of every load.
 */

// As in PostgreSQL: btrim() takes off spaces only, and \s (glibc UTF-8 locales) is ASCII
// whitespace and the Unicode spaces but not the no-break ones. So the text a cleaner keeps,
// and the keys hashed from it, are what earlier loads stored.
const SPACES = String.raw`\t\n\v\f\r \u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000`;
const btrim = (t: string): string => {
  let a = 0;
  let b = t.length;
  while (a < b && t.charCodeAt(a) === 32) a++;
  while (b > a && t.charCodeAt(b - 1) === 32) b--;
  return a === 0 && b === t.length ? t : t.slice(a, b);
};
const SPACE_RUN = new RegExp(`[${SPACES}]+`, 'g');
const OUTER_SPACE = new RegExp(`^[${SPACES}]+|[${SPACES}]+$`, 'g');

export const isBlank = (t: string | undefined): boolean => t === undefined || btrim(t) === '';

export function cleanText(t: string | undefined): string | null {
  if (t === undefined) return null;
  const s = btrim(t);
  return s === '' ? null : s;
}

const PLAIN_NUMBER = /^-?\d{1,15}(\.\d{1,12})?$/;
// '₹1,200.50', '$102.82', ' 22.0 ', '1 200', 'Rs. 40', '(12.5)' (accounting negative)
const CURRENCY = new RegExp(
  String.raw`(^[${SPACES}]*(₹|Rs\.?|INR|\$|USD|€|EUR|£|GBP)[${SPACES}]*)|([${SPACES}]*(₹|INR|USD|EUR|GBP)[${SPACES}]*$)|[,_${SPACES}]`,
  'gi',
);
const NUMBER = /^[-+]?(\d{1,30}\.?\d{0,30}|\.\d{1,30})([eE][-+]?\d{1,3})?$/;

/**
 * The number as decimal text, as written once currency and separators are gone ('₹1,200.50'
 * → '1200.50'): the text a numeric column is loaded from, so it holds the value as written,
 * scale included, with no trip through a double. Beyond a double ('1e999'): unreadable.
 */
export function cleanDecimal(t: string | undefined): string | null | undefined {
  if (t === undefined) return null;
  if (PLAIN_NUMBER.test(t)) return t;
  if (isBlank(t)) return null;
  const s = t.replace(CURRENCY, '').replace(/^\(([\s\S]*)\)$/, '-$1');
  return NUMBER.test(s) && Number.isFinite(Number(s)) ? s : undefined;
}

export function cleanNumber(t: string | undefined): number | null | undefined {
  if (t !== undefined && PLAIN_NUMBER.test(t)) return Number(t);
  const s = cleanDecimal(t);
  return s === null || s === undefined ? s : Number(s);
}

const PLAIN_INT = /^-?\d{1,15}$/;

/** Whole numbers; '22.0' is accepted (exports write counts as floats), '22.5' is not. */
export function cleanInt(t: string | undefined): number | null | undefined {
  if (t !== undefined && PLAIN_INT.test(t)) return Number(t);
  const s = cleanDecimal(t);
  if (s === null || s === undefined) return s;
  const n = Number(s);
  return isWhole(s) && Math.abs(n) < 9e15 ? n : undefined;
}

const ZEROS_AFTER_POINT = /^[-+]?\d*\.?0*$/;

/** Judged on the digits: '2.00000000000000001' is not whole, though it reads as the double 2. */
function isWhole(decimal: string): boolean {
  if (ZEROS_AFTER_POINT.test(decimal)) return true;
  const e = decimal.search(/[eE]/);
  if (e < 0) return false;
  const [int = '', fraction = ''] = decimal.slice(0, e).replace(/^[-+]/, '').split('.');
  const point = int.length + Number(decimal.slice(e + 1));
  return !/[1-9]/.test((int + fraction).slice(Math.max(0, point)));
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})(?:[ T][0-9:.]*(?:Z|[+-][0-9:]+)?)?$/;
// What may follow the day differs by form: a time after YYYY-MM-DD
// (after a space or a T), after M/D/YYYY (after a space only), nothing after D.M.YYYY.
const YMD = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T][\s\S]*)?$/;
const MDY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: [\s\S]*)?$/;
const DMY_DOTS = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;

/**
 * A calendar day as 'YYYY-MM-DD': ISO dates and timestamps (the time is dropped), M/D/YYYY
 * (US exports), D.M.YYYY and YYYY/MM/DD. A day that does not exist (2025-02-30) is unreadable.
 */
export function cleanDay(t: string | undefined): string | null | undefined {
  if (t === undefined) return null;
  if (t.length === 10 && ISO_DATE.test(t)) return isDay(+t.slice(0, 4), +t.slice(5, 7), +t.slice(8, 10)) ? t : undefined;
  const iso = ISO_DAY.exec(t);
  if (iso) return ymd(+iso[1]!, +iso[2]!, +iso[3]!);
  if (isBlank(t)) return null;
  const s = t.replace(OUTER_SPACE, '');
  let m = YMD.exec(s);
  if (m) return ymd(+m[1]!, +m[2]!, +m[3]!);
  if ((m = MDY.exec(s))) return ymd(+m[3]!, +m[1]!, +m[2]!);
  if ((m = DMY_DOTS.exec(s))) return ymd(+m[3]!, +m[2]!, +m[1]!);
  return undefined;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isDay(y: number, m: number, d: number): boolean {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= DAYS_IN_MONTH[m - 1]! + (leap ? 1 : 0);
}

function ymd(y: number, m: number, d: number): string | undefined {
  if (!isDay(y, m, d)) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export const PLATFORMS = new Set(['Instagram', 'YouTube', 'Twitter', 'Facebook', 'TikTok', 'Google']);

const PLATFORM_NOISE = new RegExp(`[_${SPACES}-]+`, 'g');

/** 'IG', 'insta', 'facebOOK_tier2', 'yt' → canonical platform names; others title-cased. */
export function cleanPlatform(t: string | undefined): string | null {
  if (t === undefined) return null;
  if (PLATFORMS.has(t)) return t;
  const s = lower(t.replace(PLATFORM_NOISE, ''));
  if (s === '') return null;
  if (s === 'ig' || s === 'insta' || s.startsWith('instagram')) return 'Instagram';
  if (s === 'yt' || s.startsWith('youtube')) return 'YouTube';
  if (s === 'tw' || s === 'x' || s.startsWith('twitter')) return 'Twitter';
  if (s === 'fb' || s === 'meta' || s.startsWith('facebook')) return 'Facebook';
  if (s === 'tt' || s.startsWith('tiktok')) return 'TikTok';
  if (s === 'adwords' || s.startsWith('google')) return 'Google';
  return titleCase(s);
}

/** 'fitness ', 'FITNESS' → 'Fitness'; inner runs of spaces become one. */
export function cleanLabel(t: string | undefined): string | null {
  if (t === undefined) return null;
  const s = btrim(t).replace(SPACE_RUN, ' ');
  return s === '' ? null : titleCase(s);
}

/** Upper-cases the first letter of each word (a run of letters and digits), lower-cases the rest. */
const titleCase = (s: string) => {
  if (ASCII.test(s)) return s.toLowerCase().replace(/(^|[^a-z0-9])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
  let out = '';
  let inWord = false;
  for (const c of s) {
    out += inWord ? lowerChar(c) : upperChar(c);
    inWord = ALNUM.test(c);
  }
  return out;
};

// PostgreSQL (lower, initcap) maps case one character at a time, where JS maps 'ß' to 'SS'
// and 'İ' to 'i' plus a combining dot (which then starts a new word).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at U+0000
const ASCII = /^[\x00-\x7f]*$/;
const ALNUM = /^[\p{L}\p{N}]$/u;
const lowerChar = (c: string) => (c === '\u0130' ? 'i' : c.toLowerCase());
const upperChar = (c: string) => {
  const u = c.toUpperCase();
  return u.length === c.length ? u : c;
};
const lower = (s: string) => (ASCII.test(s) ? s.toLowerCase() : Array.from(s, lowerChar).join(''));

/**
 * Whole cents, rounded half away from zero as numeric(14,2) rounds, so sums kept in JS
 * equal sums over the stored values (10.555 is 10.554999… as a double, yet stores as 10.56).
 * Read at 15 significant digits, all a double holds of a decimal: at 12 fixed decimals the
 * double's error shows from about 8,192 up (8255.255 read as 8255.2549999999…).
 */
export function toCents(n: number): number {
  // a value with at most two decimals is within rounding noise of a whole number of cents
  const c = n * 100;
  const r = Math.round(c);
  if (Math.abs(c - r) < 1e-6) return r;
  const a = Math.abs(n);
  if (a < 0.001) return 0;
  if (a >= 1e15) return r; // far beyond numeric(14, 2) anyway
  const [whole, fraction = ''] = a.toPrecision(15).split('.');
  const digits = fraction.padEnd(3, '0');
  const cents = Number(whole) * 100 + Number(digits.slice(0, 2)) + (digits.charCodeAt(2) >= 0x35 ? 1 : 0);
  return n < 0 ? -cents : cents;
}
