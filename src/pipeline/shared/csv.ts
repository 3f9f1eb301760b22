/**
 * Writing CSV (RFC 4180): the generator's files and the digest's leaderboard attachment.
 * Reading CSV is pipeline/ingest's business (csv-records.ts).
 */

export interface CsvOptions {
  /**
   * Prefix a cell that a spreadsheet would run as a formula (=, +, -, @, tab or CR first, and not
   * a plain number such as -12.5) with a single quote: for files people open in Excel or Sheets.
   */
  escapeFormulas?: boolean;
  /** Line ending of csvLine: '\n' (default), or '\r\n' as RFC 4180 and mail attachments have it. */
  newline?: string;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null and undefined are empty, an array's items are joined with ';', quoted when needed. */
export function csvField(value: unknown, opts: CsvOptions = {}): string {
  if (value === null || value === undefined) return '';
  let s = Array.isArray(value) ? value.join(';') : String(value);
  if (opts.escapeFormulas && FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One line, line ending included. */
export function csvLine(fields: readonly unknown[], opts: CsvOptions = {}): string {
  return fields.map((f) => csvField(f, opts)).join(',') + (opts.newline ?? '\n');
}
