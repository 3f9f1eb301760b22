-- Rejected rows of the newest loads: the newest file's first, in line order.
-- @param $1 limit: how many
SELECT f.file_name, r.line, r.column_name, r.value, r.reason
FROM ops.rejects r
JOIN ops.ingest_files f ON f.file_id = r.file_id
ORDER BY r.file_id DESC, r.line
LIMIT $1;
