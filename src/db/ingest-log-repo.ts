// What `pulse status` shows of the loads: files loaded, files set aside, rejects. Read through
// statement files (sql/ops/), on the database or on a session of a connection opened without
// Kysely, as that command does.
import type { Selectable } from 'kysely';
import { runSqlFile, type SqlTarget } from './sql-files.ts';
import type { DB } from './tables.ts';

type IngestFile = Selectable<DB['ops.ingest_files']>;

export async function recentFiles(db: SqlTarget, limit: number) {
  return runSqlFile<
    Pick<IngestFile, 'file_name' | 'kind' | 'rows_total' | 'rows_loaded' | 'rows_duplicate' | 'rows_rejected' | 'loaded_at'>
  >(db, 'ops/recent-files.sql', { limit });
}

export async function recentSkippedFiles(db: SqlTarget, limit: number) {
  return runSqlFile<Pick<Selectable<DB['ops.skipped_files']>, 'file_name' | 'reason'>>(db, 'ops/skipped-files.sql', { limit });
}

export async function recentRejects(db: SqlTarget, limit: number) {
  return runSqlFile<Pick<IngestFile, 'file_name'> & Pick<Selectable<DB['ops.rejects']>, 'line' | 'column_name' | 'value' | 'reason'>>(
    db,
    'ops/recent-rejects.sql',
    { limit },
  );
}
