// What `pulse status` shows of the loads: files loaded, files set aside, rejects.
import type { DbOrTrx } from './database.ts';

export async function recentFiles(db: DbOrTrx, limit: number) {
  return db
    .selectFrom('ops.ingest_files')
    .select(['file_name', 'kind', 'rows_total', 'rows_loaded', 'rows_duplicate', 'rows_rejected', 'loaded_at'])
    .orderBy('file_id', 'desc')
    .limit(limit)
    .execute();
}

export async function recentSkippedFiles(db: DbOrTrx, limit: number) {
  return db.selectFrom('ops.skipped_files').select(['file_name', 'reason']).orderBy('seen_at', 'desc').limit(limit).execute();
}

export async function recentRejects(db: DbOrTrx, limit: number) {
  return db
    .selectFrom('ops.rejects as r')
    .innerJoin('ops.ingest_files as f', 'f.file_id', 'r.file_id')
    .select(['f.file_name', 'r.line', 'r.column_name', 'r.value', 'r.reason'])
    .orderBy('r.file_id', 'desc')
    .orderBy('r.line')
    .limit(limit)
    .execute();
}
