// What `pulse status` shows of the loads: files loaded, files set aside, rejects.
import { sql } from 'kysely';
import type { DbOrTrx } from './database.ts';

export interface LoadedFile { file_name: string; kind: string; rows_total: number; rows_loaded: number; rows_duplicate: number; rows_rejected: number; loaded_at: Date }
export interface SkippedFile { file_name: string; reason: string }
export interface RejectRow { file_name: string; line: number; column_name: string | null; value: string | null; reason: string }

export async function recentFiles(db: DbOrTrx, limit: number): Promise<LoadedFile[]> {
  return (await sql<LoadedFile>`
    SELECT file_name, kind, rows_total, rows_loaded, rows_duplicate, rows_rejected, loaded_at
    FROM ops.ingest_files ORDER BY file_id DESC LIMIT ${limit}`.execute(db)).rows;
}

export async function recentSkippedFiles(db: DbOrTrx, limit: number): Promise<SkippedFile[]> {
  return (await sql<SkippedFile>`SELECT file_name, reason FROM ops.skipped_files ORDER BY seen_at DESC LIMIT ${limit}`.execute(db)).rows;
}

export async function recentRejects(db: DbOrTrx, limit: number): Promise<RejectRow[]> {
  return (await sql<RejectRow>`
    SELECT f.file_name, r.line, r.column_name, r.value, r.reason FROM ops.rejects r JOIN ops.ingest_files f USING (file_id)
    ORDER BY r.file_id DESC, r.line LIMIT ${limit}`.execute(db)).rows;
}
