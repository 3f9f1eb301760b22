-- Runs by id, in no particular order.
-- @param $1 run_ids: the runs (text[])
SELECT run_id, state, trigger, period, started_at, finished_at, error
FROM ops.pipeline_runs
WHERE run_id = ANY($1::text[]);
