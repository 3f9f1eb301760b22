import { cleaners } from './cleaners.ts';
import { type CsvRecord, fieldsOf, recordReject } from './csv-records.ts';
import type { FileKind, Recognised } from './file-kinds.ts';
import { type CleanContext, copyFields, isReject, type Reject } from './row-cleaner.ts';

/**
 * Turns batches of records of a small file kind (influencers, posts, payouts, ad campaigns)
 * into COPY text for the load's temporary table: each row's values, the file and the line.
 * Keeps the rejects; every record is either written or rejected.
 */
export class RowsBatcher {
  /** the records not loaded: first line, lines covered (when more than one), and why */
  readonly rejects: { line: number; lines?: number; reject: Reject }[] = [];
  total = 0;
  written = 0;
  private readonly cleaner;
  private readonly header: readonly string[];
  private readonly fileId: number;

  constructor(file: Recognised, ctx: CleanContext, fileId: number) {
    this.cleaner = cleaners[file.kind as Exclude<FileKind, 'orders'>](file, ctx);
    this.header = file.header;
    this.fileId = fileId;
  }

  /** The cleaned rows' columns and their SQL types. */
  get columns(): Readonly<Record<string, string>> {
    return this.cleaner.columns;
  }

  /** COPY text of a batch of records (columns, then file_id and line). */
  batch(records: readonly CsvRecord[]): string {
    let out = '';
    for (const r of records) {
      this.total++;
      const row = recordReject(r, this.header) ?? this.cleaner.clean(fieldsOf(r));
      if (isReject(row)) this.rejects.push(r.lines ? { line: r.line, lines: r.lines, reject: row } : { line: r.line, reject: row });
      else {
        this.written++;
        out += `${copyFields(row)},${this.fileId},${r.line}\n`;
      }
    }
    return out;
  }
}
