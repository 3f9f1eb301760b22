import { type CsvRecord, csvRecords, type ReadStats } from './csv-records.ts';
import type { Recognised } from './file-kinds.ts';
import { OrdersBatcher } from './orders-batch.ts';
import type { CleanContext, Reject } from './row-cleaner.ts';
import { RowsBatcher } from './rows-batch.ts';
import { Utf8Text } from './utf8-text.ts';

/**
 * A file's records after its header, in batches, from its bytes: decoded without altering any
 * byte (see Utf8Text), read by csvRecords. `stats` is filled as the file is read.
 */
export async function* fileRecords(
  buffers: AsyncIterable<Buffer>,
  stats?: ReadStats,
  maxRecordChars?: number,
): AsyncGenerator<CsvRecord[]> {
  const text = new Utf8Text();
  async function* chunks() {
    for await (const b of buffers) {
      const t = text.write(b);
      if (t) yield t;
    }
    const tail = text.end();
    if (tail) yield tail;
  }
  for await (const batch of csvRecords(chunks(), { bytes: text, stats, maxRecordChars })) {
    yield batch[0]?.line === 1 ? batch.slice(1) : batch;
  }
}

/** What a load makes of a file, before the database: the rows to write (COPY text) and the rejects. */
export interface FileAccount {
  /** records after the header */
  total: number;
  /** records cleaned into rows (loaded, or found to repeat a stored row) */
  written: number;
  rejects: { line: number; lines?: number; reject: Reject }[];
  /** the rows in COPY text, one a line, each ending with its line number */
  copy: string;
  stats: ReadStats;
}

/**
 * The loader's record accounting without a database: every record after the header is either
 * a row or a reject. src/stages/ingest.ts reads files with the same parts (fileRecords and the
 * batchers); this runs them alone, for checks and tests.
 */
export async function accountFile(
  buffers: AsyncIterable<Buffer>,
  file: Recognised,
  ctx: CleanContext,
  opts: { maxRecordChars?: number } = {},
): Promise<FileAccount> {
  const stats: ReadStats = { lines: 0, records: 0 };
  const batcher = file.kind === 'orders' ? new OrdersBatcher(file, ctx, 1024) : new RowsBatcher(file, ctx, 0);
  let copy = '';
  for await (const records of fileRecords(buffers, stats, opts.maxRecordChars)) copy += batcher.batch(records);
  return { total: batcher.total, written: batcher.written, rejects: batcher.rejects, copy, stats };
}

/**
 * Why a file's counts cannot be recorded as a load, or undefined: every record is loaded, a
 * repeat or a reject, and a file with records after its header never loads as nothing.
 */
export function accountingProblem(
  c: { total: number; loaded: number; duplicate: number; rejected: number },
  stats: ReadStats,
): string | undefined {
  if (c.loaded + c.duplicate + c.rejected !== c.total) {
    return `the loader lost count: ${c.total} records, but ${c.loaded} loaded + ${c.duplicate} repeats + ${c.rejected} rejected; nothing was loaded (please report this file)`;
  }
  if (c.total !== stats.records - 1 && stats.records > 0) {
    return `the loader lost count: ${stats.records - 1} records read after the header, ${c.total} accounted for; nothing was loaded (please report this file)`;
  }
  return undefined;
}
