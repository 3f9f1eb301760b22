/**
 * Calendar days and ISO weeks. Days are 'YYYY-MM-DD' text (or YYYYMMDD numbers where a loop
 * over rows should not build strings) with arithmetic in UTC, so no time zone or daylight-saving
 * change moves a day; weeks are ISO weeks as periods ("2026-W46"), Monday to Sunday. Every other
 * module does its day and week arithmetic through these.
 */
export interface Period {
  label: string;
  start: string;
  end: string;
}

const DAY = 86_400_000;

/** Midnight UTC of a 'YYYY-MM-DD' day, in milliseconds (NaN for text that is not a date). */
export const dayStart = (date: string): number => Date.parse(`${date}T00:00:00Z`);

/** The UTC calendar day of an instant. */
export const utcDay = (instant: Date): string => iso(instant);

/** The day `days` days after (or, negative, before) `date`. */
export function addDays(date: string, days: number): string {
  return iso(new Date(dayStart(date) + days * DAY));
}

/** 0 for Monday up to 6 for Sunday: the day's place in its ISO week. */
export const daysSinceMonday = (date: string): number => (new Date(dayStart(date)).getUTCDay() + 6) % 7;

/** The Monday starting the ISO week of `day`. */
export const mondayOf = (day: string): string => addDays(day, -daysSinceMonday(day));

/** YYYYMMDD (a number) → 'YYYY-MM-DD'. */
export const isoDay = (n: number) =>
  `${Math.floor(n / 10_000)}-${String(Math.floor(n / 100) % 100).padStart(2, '0')}-${String(n % 100).padStart(2, '0')}`;

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** The ISO week `date` falls in. */
export function weekOf(date: string): Period {
  const monday = mondayOf(date);
  // an ISO week belongs to the year of its Thursday
  const thursday = dayStart(monday) + 3 * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return { label: `${year}-W${String(week).padStart(2, '0')}`, start: monday, end: addDays(monday, 6) };
}

export function parsePeriod(label: string): Period {
  const m = /^(\d{4})-W(\d{2})$/.exec(label.trim());
  if (!m) throw new RangeError(`period "${label}" is not an ISO week; use the form 2026-W46`);
  const year = Number(m[1]);
  const week = Number(m[2]);
  // ISO week 1 is the week with January 4th in it.
  const jan4 = weekOf(`${year}-01-04`);
  const p = weekOf(addDays(jan4.start, (week - 1) * 7));
  if (p.label !== label.trim()) throw new RangeError(`period "${label}" does not exist (${year} has no week ${week})`);
  return p;
}

/** "2026-W40..2026-W46" → every week from the first to the last, inclusive. */
export function parsePeriodRange(text: string): Period[] {
  const [from, to = from] = text.split('..');
  const first = parsePeriod(from!);
  const last = parsePeriod(to!);
  if (first.start > last.start) throw new RangeError(`period range "${text}" runs backwards`);
  const out: Period[] = [];
  for (let p = first; p.start <= last.start; p = weekOf(addDays(p.start, 7))) out.push(p);
  return out;
}

/** The last full week before `now` in the time zone: what a Monday digest reports. */
export function lastCompleteWeek(now: Date, timeZone: string): Period {
  return weekOf(addDays(weekOf(localDate(now, timeZone)).start, -7));
}

export const previousWeek = (p: Period) => weekOf(addDays(p.start, -7));

const iso = (d: Date) => d.toISOString().slice(0, 10);
