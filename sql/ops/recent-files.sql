-- The newest loaded files, newest first.
-- @param $1 limit: how many
SELECT file_name, kind, rows_total, rows_loaded, rows_duplicate, rows_rejected, loaded_at
FROM ops.ingest_files
ORDER BY file_id DESC
LIMIT $1;
