import { addDays, utcDay } from '../shared/calendar.ts';
import type { Recognised } from './file-kinds.ts';

/** Why a record was not loaded: the column (as the file names it), the value, and what is allowed. */
export interface Reject {
  column: string | null;
  value: string | null;
  reason: string;
}

export type Value = string | number | boolean | null;

/** Turns one record (fields in file order) into a row of `columns`, or says why it cannot. */
export interface RowCleaner {
  /** the cleaned row's columns, in order, with their SQL types */
  columns: Readonly<Record<string, string>>;
  clean(fields: readonly string[]): Value[] | Reject;
}

export interface CleanContext {
  now: Date;
  /** influencer ids already stored; rows of other kinds must name one of them */
  knownInfluencers: ReadonlySet<string>;
  /** value per conversion, to estimate missing ad revenue */
  revenuePerConversion?: number;
}

export const isReject = <T extends object>(r: T | Reject): r is Reject => typeof (r as Reject).reason === 'string';

/**
 * Resolves canonical columns to positions in the file once, so cleaners read cells by index.
 * A column the file lacks reads as undefined; `label` is the file's own name for it.
 */
export function columnsOf(file: Recognised) {
  return {
    at: (canonical: string): number => file.columns[canonical] ?? -1,
    label: (canonical: string): string => {
      const i = file.columns[canonical];
      return i === undefined ? canonical : file.header[i]!.replace(/^\uFEFF/, '').trim();
    },
  };
}

/** A reject that quotes the offending value (shortened: a 10 MB cell is not worth storing). */
export const reject = (column: string | null, value: string | null | undefined, reason: string): Reject => ({
  column,
  value: value === undefined || value === null ? null : value.length > 200 ? `${value.slice(0, 80)}…` : value,
  reason,
});

/** The latest day a row may carry: anything after tomorrow is a typo, not data. */
export const tomorrow = (now: Date): string => addDays(utcDay(now), 1);
export const EARLIEST_DAY = '2000-01-01';

/**
 * One row in PostgreSQL's COPY text format with commas between fields (`COPY_OPTIONS`), \N for
 * NULL, without its newline. Commas in a value are escaped (\,), so a record read from a file
 * without quotes is already a COPY row as it stands.
 */
export function copyFields(values: readonly Value[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += '\\N';
    else if (typeof v === 'string') out += NEEDS_ESCAPE.test(v) ? v.replace(ESCAPES, escapeChar) : v;
    else out += String(v);
  }
  return out;
}

/** The options of every COPY the loader sends (see copyFields). */
export const COPY_OPTIONS = "(DELIMITER ',')";

const NEEDS_ESCAPE = /[\\\n\r,]/;
const ESCAPES = /[\\\n\r,]/g;
const escapeChar = (c: string) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\,');
