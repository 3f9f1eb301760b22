/** ISO weeks as periods ("2026-W46"), computed from calendar dates in a time zone. */
export interface Period { label: string; start: string; end: string }

const DAY = 86_400_000;

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

export function weekOf(date: string): Period {
  const d = new Date(`${date}T00:00:00Z`);
  const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY);
  const thursday = new Date(monday.getTime() + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return { label: `${year}-W${String(week).padStart(2, '0')}`, start: iso(monday), end: iso(new Date(monday.getTime() + 6 * DAY)) };
}

export function parsePeriod(label: string): Period {
  const m = /^(\d{4})-W(\d{2})$/.exec(label.trim());
  if (!m) throw new RangeError(`period "${label}" is not an ISO week; use the form 2026-W46`);
  const year = Number(m[1]);
  const week = Number(m[2]);
  // ISO week 1 is the week with January 4th in it.
  const jan4 = weekOf(`${year}-01-04`);
  const start = new Date(new Date(`${jan4.start}T00:00:00Z`).getTime() + (week - 1) * 7 * DAY);
  const p = weekOf(iso(start));
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

function addDays(date: string, days: number): string {
  return iso(new Date(new Date(`${date}T00:00:00Z`).getTime() + days * DAY));
}

const iso = (d: Date) => d.toISOString().slice(0, 10);
