// The database side of a load (src/stages/ingest.ts streams and cleans the file): a load is
// one transaction on a session of its own, under the load lock; orders go by COPY into a new
// partition of core.orders, the small kinds into a temporary table merged by sql/load/*.sql.
import type { FileKind } from '../pipeline/ingest/file-kinds.ts';
import type { Session } from './connection.ts';
import type { DbOrTrx } from './database.ts';
import { takeLoadLockOn } from './locks.ts';
import { runSqlFileOn } from './sql-files.ts';

export interface LoadCounts {
  total: number;
  loaded: number;
  duplicate: number;
  rejected: number;
  minDate: string | null;
  maxDate: string | null;
}

/** A file set aside (not recognised, refused, or a link not followed), for `pulse status`. */
export async function recordSkippedFile(db: DbOrTrx, f: { name: string; reason: string; movedTo: string }): Promise<void> {
  await db.insertInto('ops.skipped_files').values({ file_name: f.name, reason: f.reason, moved_to: f.movedTo }).execute();
}

/** Whether a file of this name and size was loaded (it is then worth hashing before reading). */
export async function loadedByNameAndSize(db: DbOrTrx, name: string, bytes: number): Promise<boolean> {
  return (
    (await db
      .selectFrom('ops.ingest_files')
      .select('file_id')
      .where('file_name', '=', name)
      .where('bytes', '=', bytes)
      .executeTakeFirst()) !== undefined
  );
}

export async function contentLoaded(db: DbOrTrx, sha256: string): Promise<boolean> {
  return (await db.selectFrom('ops.ingest_files').select('file_id').where('sha256', '=', sha256).executeTakeFirst()) !== undefined;
}

/** Opens a load's transaction: named in pg_stat_activity, under the load lock, with its row in ops.ingest_files. */
export async function openLoad(s: Session, f: { name: string; kind: FileKind; bytes: number; runId: string }): Promise<number> {
  await s.query('BEGIN');
  // Names the load in pg_stat_activity (for operators, and tests that wait for a load to begin).
  await s.query(`SELECT set_config('application_name', $1, true)`, [`pulse load ${f.name}`]);
  await takeLoadLockOn(s);
  const [row] = await s.query<{ file_id: number }>(
    `INSERT INTO ops.ingest_files (sha256, file_name, kind, bytes, rows_total, rows_loaded, rows_duplicate, rows_rejected, run_id)
     VALUES ('pending ' || gen_random_uuid(), $1, $2, $3, 0, 0, 0, 0, $4) RETURNING file_id`,
    [f.name, f.kind, f.bytes, f.runId],
  );
  return Number(row!.file_id);
}

export async function knownInfluencers(s: Session): Promise<Set<string>> {
  return new Set((await s.query<{ influencer_id: string }>('SELECT influencer_id FROM core.influencers')).map((r) => r.influencer_id));
}

/** Whether the content was loaded by another file (seen inside the load's transaction, under the lock). */
export async function contentLoadedOn(s: Session, sha256: string): Promise<boolean> {
  return (await s.query('SELECT 1 FROM ops.ingest_files WHERE sha256 = $1', [sha256])).length > 0;
}

/** Commits a load: its rejects, its counts and hash in ops.ingest_files. */
export async function commitLoad(
  s: Session,
  fileId: number,
  sha256: string,
  c: LoadCounts,
  rejects: { count: number; copyText: () => AsyncIterable<string | Buffer> },
  copyOptions: string,
): Promise<void> {
  if (rejects.count > 0)
    await s.copyFrom(`COPY ops.rejects (file_id, line, column_name, value, reason) FROM STDIN WITH ${copyOptions}`, rejects.copyText());
  await s.query(
    `UPDATE ops.ingest_files SET sha256 = $2, rows_total = $3, rows_loaded = $4, rows_duplicate = $5, rows_rejected = $6, min_date = $7, max_date = $8
     WHERE file_id = $1`,
    [fileId, sha256, c.total, c.loaded, c.duplicate, c.rejected, c.minDate, c.maxDate],
  );
  await s.query('COMMIT');
}

export async function rollbackLoad(s: Session): Promise<void> {
  await s.query('ROLLBACK');
}

// Orders: a partition per load, so the rows stream in with no index to keep up
// (sql/migrations/0005_orders_by_load.sql). file_id is a number from ops.ingest_files.
const partitionOf = (fileId: number) => `core.orders_load_${Math.trunc(fileId)}`;

export async function copyOrdersIntoPartition(
  s: Session,
  fileId: number,
  columns: readonly string[],
  copyOptions: string,
  text: AsyncIterable<string>,
): Promise<void> {
  const id = Math.trunc(fileId);
  await s.query(`CREATE TABLE ${partitionOf(id)} PARTITION OF core.orders (file_id DEFAULT ${id}) FOR VALUES FROM (${id}) TO (${id + 1})`);
  await s.copyFrom(`COPY ${partitionOf(id)} (${columns.join(', ')}) FROM STDIN WITH ${copyOptions}`, text);
}

export async function dropOrdersPartition(s: Session, fileId: number): Promise<void> {
  await s.query(`DROP TABLE ${partitionOf(fileId)}`);
}

/** Which of these days earlier loads have rows on. */
export async function storedDays(s: Session, days: string[]): Promise<string[]> {
  return (await s.query<{ d: string }>('SELECT order_date::text AS d FROM core.order_days WHERE order_date = ANY($1::date[])', [days])).map(
    (r) => r.d,
  );
}

/** The earlier orders loads whose recorded days reach [first, last] (or that recorded none). */
export async function overlappingLoads(s: Session, fileId: number, first: string, last: string): Promise<number[]> {
  const rows = await s.query<{ file_id: number }>(
    `SELECT file_id FROM ops.ingest_files
     WHERE kind = 'orders' AND file_id < $1 AND (min_date IS NULL OR min_date <= $3) AND (max_date IS NULL OR max_date >= $2)`,
    [fileId, first, last],
  );
  return rows.map((r) => Number(r.file_id));
}

/** Deletes the load's rows that repeat an earlier row on the days compared; returns their days. */
export async function deleteRepeatedOrders(s: Session, fileId: number, days: string[], files: number[]): Promise<string[]> {
  return (await runSqlFileOn<{ order_date: string }>(s, 'load/orders-repeats.sql', { file_id: fileId, days, files })).map(
    (r) => r.order_date,
  );
}

export async function recordOrderDays(s: Session, days: string[], rows: number[], weeks: string[]): Promise<void> {
  await runSqlFileOn(s, 'load/order-days.sql', { days, rows, weeks });
}

/** The small kinds: COPY into a temporary table load_rows, then sql/load/<kind>.sql merges it into core. */
export async function mergeRows(
  s: Session,
  kind: Exclude<FileKind, 'orders'>,
  fileId: number,
  columns: [string, string][],
  copyOptions: string,
  text: AsyncIterable<string>,
) {
  await s.query(
    `CREATE TEMP TABLE load_rows (${columns.map(([c, type]) => `${c} ${type}`).join(', ')}, file_id bigint, line bigint) ON COMMIT DROP`,
  );
  await s.copyFrom(`COPY load_rows FROM STDIN WITH ${copyOptions}`, text);
  const [merged] = await runSqlFileOn<{ loaded: number; min_date: string | null; max_date: string | null }>(s, `load/${kind}.sql`, {
    file_id: fileId,
  });
  return { loaded: Number(merged!.loaded), minDate: merged!.min_date, maxDate: merged!.max_date };
}
