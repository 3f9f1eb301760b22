import { dayNumber, ordersCleaner } from './clean-orders.ts';
import { type CsvRecord, fieldsOf, recordReject } from './csv-records.ts';
import type { Recognised } from './file-kinds.ts';
import { OrderDays } from './order-days.ts';
import { type CleanContext, isReject, type Reject } from './row-cleaner.ts';
import { RowFingerprints } from './row-fingerprints.ts';

/**
 * Turns batches of tracking records into COPY text for core.orders, keeping what the load needs
 * afterwards: the rejects, the rows' fingerprints (on which days may rows repeat?), and the
 * days. Clean records take the cleaner's fast path: their text is their COPY row.
 */
export class OrdersBatcher {
  readonly days = new OrderDays();
  /** the records not loaded: first line, lines covered (when more than one), and why */
  readonly rejects: { line: number; lines?: number; reject: Reject }[] = [];
  total = 0;
  written = 0;
  private readonly cleaner;
  private readonly fingerprints;
  private readonly header: readonly string[];

  constructor(file: Recognised, ctx: CleanContext, expectedRows: number, maxFingerprints?: number) {
    this.cleaner = ordersCleaner(file, ctx);
    this.header = file.header;
    this.fingerprints = new RowFingerprints(expectedRows, maxFingerprints);
  }

  /** Days (YYYYMMDD) on which two rows of the file may be equal (their values decide), or null for any day. Call once, at the end. */
  repeatDays(): number[] | null {
    return this.fingerprints.repeatDays();
  }

  /** Columns of the COPY text; the load's partition of core.orders supplies file_id. */
  get copyColumns(): string[] {
    return [...this.cleaner.copyColumns, 'line'];
  }

  /** COPY text of a batch of records. */
  batch(records: readonly CsvRecord[]): string {
    const { cleaner } = this;
    let out = '';
    for (const r of records) {
      this.total++;
      let copy: string;
      let day = r.text === undefined ? undefined : cleaner.canonical(r.text);
      if (day !== undefined) {
        copy = r.text!;
        this.fingerprints.add(day, copy);
      } else {
        const row = recordReject(r, this.header) ?? cleaner.clean(fieldsOf(r));
        if (isReject(row)) {
          this.rejects.push(r.lines ? { line: r.line, lines: r.lines, reject: row } : { line: r.line, reject: row });
          continue;
        }
        copy = cleaner.copyText(row);
        day = dayNumber(row.day);
        this.fingerprints.add(day, cleaner.text(row));
      }
      this.written++;
      this.days.add(day);
      out += `${copy},${r.line}\n`;
    }
    return out;
  }
}
