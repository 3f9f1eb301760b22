import { centsText } from '../shared/cents.ts';
import { cleanDay, cleanInt, cleanNumber, cleanPlatform, cleanText, isBlank, isDay, PLATFORMS, toCents } from './clean-values.ts';
import type { Recognised } from './file-kinds.ts';
import { type CleanContext, columnsOf, copyFields, EARLIEST_DAY, type Reject, reject, tomorrow } from './row-cleaner.ts';

/** A cleaned tracking row. Revenue is in whole cents, as numeric(14, 2) stores it. */
export interface OrderRow {
  influencer: string;
  source: string | null;
  campaign: string | null;
  user: string | null;
  product: string | null;
  day: string;
  orders: number;
  cents: number;
  /** 0 control, 1 exposed, null: the file has no group */
  grp: 0 | 1 | null;
}

type Field = keyof OrderRow;

// file column (canonical name) → core.orders column and OrderRow field
const COLUMNS: Record<string, [column: string, field: Field]> = {
  influencer_id: ['influencer_id', 'influencer'],
  source: ['source', 'source'],
  campaign: ['campaign', 'campaign'],
  user_id: ['user_id', 'user'],
  product: ['product', 'product'],
  date: ['order_date', 'day'],
  orders: ['orders', 'orders'],
  revenue: ['revenue', 'cents'],
  group: ['grp', 'grp'],
};

const EXPOSED = new Set(['1', '1.0', 'exposed', 'treatment', 'test', 'true', 'yes', 'y']);
const CONTROL = new Set(['0', '0.0', 'control', 'holdout', 'false', 'no', 'n']);

/** 0 = control, 1 = exposed, null = the file has no group; undefined when unreadable. */
export function cleanGroup(t: string | undefined): 0 | 1 | null | undefined {
  if (t === '1') return 1;
  if (t === '0') return 0;
  if (isBlank(t)) return null;
  const s = t!.trim().toLowerCase();
  return EXPOSED.has(s) ? 1 : CONTROL.has(s) ? 0 : undefined;
}

const EARLIEST = dayNumber(EARLIEST_DAY);

/**
 * Cleans tracking rows. `clean` applies every rule; `canonical` is its fast path for a
 * record whose cells are already exactly what `clean` would write (an ISO date, a canonical
 * platform name, revenue with two decimals, ...). A row is described by its `text` (cells
 * joined by commas in the file's order, as a canonical record reads): what finds repeated rows.
 */
export function ordersCleaner(file: Recognised, ctx: CleanContext) {
  const { at, label } = columnsOf(file);
  const latest = tomorrow(ctx.now);
  const known = ctx.knownInfluencers;
  // the file's known columns in file order; other columns are not loaded
  const present = Object.keys(COLUMNS)
    .filter((c) => at(c) >= 0)
    .sort((a, b) => at(a) - at(b));
  const fields = present.map((c) => COLUMNS[c]![1]);
  const onlyKnownColumns = present.length === file.header.length;
  const [iInfluencer, iSource, iCampaign, iUser, iProduct, iDate, iOrders, iRevenue, iGroup] = [
    'influencer_id',
    'source',
    'campaign',
    'user_id',
    'product',
    'date',
    'orders',
    'revenue',
    'group',
  ].map(at) as number[];
  const ends = new Int32Array(file.header.length);
  const latestDay = dayNumber(latest);

  return {
    /** core.orders columns of `copyText`, in order */
    copyColumns: present.map((c) => COLUMNS[c]![0]),

    clean(f: readonly string[]): OrderRow | Reject {
      const influencer = cleanText(f[iInfluencer!]);
      if (influencer === null) return reject(label('influencer_id'), f[iInfluencer!], 'is empty');
      if (!known.has(influencer))
        return reject(label('influencer_id'), influencer, 'is not a known influencer; load the influencers file first');
      const day = cleanDay(f[iDate!]);
      if (!day) return reject(label('date'), f[iDate!], 'is not a date (use YYYY-MM-DD, M/D/YYYY or an ISO timestamp)');
      if (day < EARLIEST_DAY || day > latest) return reject(label('date'), f[iDate!], `is out of range (${EARLIEST_DAY} to tomorrow)`);
      const orders = cleanInt(f[iOrders!]);
      if (orders === null || orders === undefined) return reject(label('orders'), f[iOrders!], 'is not a whole number');
      if (orders < 0 || orders > 1_000_000) return reject(label('orders'), f[iOrders!], 'must be between 0 and 1,000,000');
      const revenue = cleanNumber(f[iRevenue!]);
      if (revenue === null || revenue === undefined) return reject(label('revenue'), f[iRevenue!], 'is not a number');
      if (revenue < 0 || revenue >= 1e12) return reject(label('revenue'), f[iRevenue!], 'must be 0 or more (and below 10^12)');
      const grp = cleanGroup(f[iGroup!]);
      if (grp === undefined) return reject(label('group'), f[iGroup!], 'is not a group: use 0/control or 1/exposed');
      const user = cleanText(f[iUser!]);
      const product = cleanText(f[iProduct!]);
      const campaign = cleanText(f[iCampaign!]);
      // the column that is too long, and its value (not another column's)
      if ((user?.length ?? 0) > 200) return reject(label('user_id'), user, 'is longer than 200 characters');
      if ((product?.length ?? 0) > 200) return reject(label('product'), product, 'is longer than 200 characters');
      if ((campaign?.length ?? 0) > 200) return reject(label('campaign'), campaign, 'is longer than 200 characters');
      return { influencer, source: cleanPlatform(f[iSource!]), campaign, user, product, day, orders, cents: toCents(revenue), grp };
    },

    /**
     * The record's day as YYYYMMDD when its text is already exactly what `clean` would write
     * (then the text is also its COPY row), else undefined. Reads the text in place, by the
     * positions of its commas: a clean record costs no per-field strings.
     */
    canonical(text: string): number | undefined {
      if (!onlyKnownColumns || text.includes('\\') || text.includes('\r')) return undefined;
      let n = 0;
      for (let i = text.indexOf(','); i >= 0; i = text.indexOf(',', i + 1)) {
        if (n === ends.length - 1) return undefined;
        ends[n++] = i;
      }
      if (n !== ends.length - 1) return undefined;
      ends[n] = text.length;
      if (!plainAt(text, ends, iInfluencer!) || !known.has(text.slice(startAt(ends, iInfluencer!), ends[iInfluencer!]))) return undefined;
      if (iSource! >= 0 && !PLATFORMS.has(text.slice(startAt(ends, iSource!), ends[iSource!]))) return undefined;
      if (!plainAt(text, ends, iCampaign!) || !plainAt(text, ends, iUser!) || !plainAt(text, ends, iProduct!)) return undefined;
      const day = isoDayAt(text, startAt(ends, iDate!), ends[iDate!]!);
      if (day === undefined || day < EARLIEST || day > latestDay) return undefined;
      const orders = wholeAt(text, startAt(ends, iOrders!), ends[iOrders!]!, 7);
      if (orders < 0 || orders > 1_000_000) return undefined;
      if (!centsAt(text, startAt(ends, iRevenue!), ends[iRevenue!]!)) return undefined;
      if (iGroup! >= 0) {
        const g = startAt(ends, iGroup!);
        if (ends[iGroup!]! - g !== 1 || (text.charCodeAt(g) !== 0x30 && text.charCodeAt(g) !== 0x31)) return undefined;
      }
      return day;
    },

    /** The row as a canonical record reads: its cells in file order, joined by commas. */
    text(row: OrderRow): string {
      return fields.map((k) => cell(row, k) ?? '').join(',');
    },

    /** The row in COPY text format, columns as `copyColumns`. */
    copyText(row: OrderRow): string {
      return copyFields(fields.map((k) => cell(row, k)));
    },
  };
}

function cell(row: OrderRow, field: Field): string | null {
  const v = row[field];
  if (v === null) return null;
  if (field === 'cents') return centsText(v as number);
  return String(v);
}

/** 'YYYY-MM-DD' → YYYYMMDD, a number that sorts and compares as the day does. */
export function dayNumber(day: string): number {
  return Number(day.slice(0, 4)) * 10_000 + Number(day.slice(5, 7)) * 100 + Number(day.slice(8, 10));
}

const digit = (c: number) => c >= 0x30 && c <= 0x39;

// Field k of a record runs from just after comma k - 1 to `ends[k]` (module functions, not
// closures: the fast path runs once per row).
const startAt = (ends: Int32Array, k: number) => (k === 0 ? 0 : ends[k - 1]! + 1);

/** Field k is absent, or text of 1–200 characters with no space or control character at either end. */
function plainAt(t: string, ends: Int32Array, k: number): boolean {
  if (k < 0) return true;
  const s = startAt(ends, k);
  const e = ends[k]!;
  return e > s && e - s <= 200 && t.charCodeAt(s) > 32 && t.charCodeAt(e - 1) > 32;
}

/** A valid 'YYYY-MM-DD' as YYYYMMDD, else undefined. */
function isoDayAt(t: string, s: number, e: number): number | undefined {
  if (e - s !== 10 || t.charCodeAt(s + 4) !== 0x2d || t.charCodeAt(s + 7) !== 0x2d) return undefined;
  let y = 0;
  for (let i = s; i < s + 4; i++) {
    const c = t.charCodeAt(i);
    if (!digit(c)) return undefined;
    y = y * 10 + c - 0x30;
  }
  const m1 = t.charCodeAt(s + 5);
  const m2 = t.charCodeAt(s + 6);
  const d1 = t.charCodeAt(s + 8);
  const d2 = t.charCodeAt(s + 9);
  if (!digit(m1) || !digit(m2) || !digit(d1) || !digit(d2)) return undefined;
  const m = (m1 - 0x30) * 10 + m2 - 0x30;
  const d = (d1 - 0x30) * 10 + d2 - 0x30;
  return isDay(y, m, d) ? y * 10_000 + m * 100 + d : undefined;
}

/** A whole number of at most `digits` digits written without a leading zero, or -1. */
function wholeAt(t: string, s: number, e: number, digits: number): number {
  if (e <= s || e - s > digits || (e - s > 1 && t.charCodeAt(s) === 0x30)) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (!digit(c)) return -1;
    n = n * 10 + c - 0x30;
  }
  return n;
}

/** An amount written as clean() writes it: whole units (no leading zero), a point, two decimals. */
function centsAt(t: string, s: number, e: number): boolean {
  return (
    e - s >= 4 && t.charCodeAt(e - 3) === 0x2e && digit(t.charCodeAt(e - 2)) && digit(t.charCodeAt(e - 1)) && wholeAt(t, s, e - 3, 12) >= 0
  );
}
