import type { CsvRecord } from './csv-records.ts';
import { ordersCleaner } from './clean-orders.ts';
import { OrderDays } from './order-days.ts';
import { isReject, type CleanContext, type Reject } from './row-cleaner.ts';
import type { Recognised } from './file-kinds.ts';
import { SeenRows } from './seen-rows.ts';

/**
 * Turns batches of tracking records into COPY text for core.orders, keeping what the load needs
 * afterwards: the rejects, the lines that may repeat an earlier line (`candidates`), and the
 * days. Clean records take the cleaner's fast path: their text is their COPY row.
 */
export class OrdersBatcher {
  readonly days = new OrderDays();
  readonly candidates: number[] = [];
  readonly rejects: { line: number; reject: Reject }[] = [];
  total = 0;
  written = 0;
  private readonly cleaner;
  private readonly seen;

  constructor(file: Recognised, ctx: CleanContext, private readonly fileId: number, expectedRows: number) {
    this.cleaner = ordersCleaner(file, ctx);
    this.seen = new SeenRows(expectedRows);
  }

  get copyColumns(): string[] {
    return [...this.cleaner.copyColumns, 'file_id', 'line'];
  }

  /** COPY text of a batch; `problems[i]` is record i's CSV-level problem, if any. */
  batch(records: readonly CsvRecord[], problems: readonly (Reject | undefined)[]): string {
    const { cleaner, fileId } = this;
    let out = '';
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      this.total++;
      let row = problems[i] ?? (r.text !== undefined ? cleaner.canonical(r.fields, r.text) : undefined);
      let text: string;
      let copy: string;
      if (row !== undefined && !isReject(row)) {
        text = r.text!;
        copy = text;
      } else {
        row ??= cleaner.clean(r.fields);
        if (isReject(row)) {
          this.rejects.push({ line: r.line, reject: row });
          continue;
        }
        text = cleaner.text(row);
        copy = cleaner.copyText(row);
      }
      this.written++;
      if (this.seen.seen(text)) this.candidates.push(r.line);
      this.days.add(row.day);
      out += `${copy},${fileId},${r.line}\n`;
    }
    return out;
  }
}
