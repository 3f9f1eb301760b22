-- The files most recently set aside (not recognised, refused, a link not followed), newest first.
-- @param $1 limit: how many
SELECT file_name, reason FROM ops.skipped_files ORDER BY seen_at DESC LIMIT $1;
