-- The newest runs, newest first.
-- @param $1 limit: how many
SELECT run_id FROM ops.pipeline_runs ORDER BY started_at DESC LIMIT $1;
