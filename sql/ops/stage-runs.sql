-- The stages of runs, each run's in the order they started.
-- @param $1 run_ids: the runs (text[])
SELECT run_id, stage, state, started_at, finished_at, rows, error,
       extract(epoch FROM finished_at - started_at)::float8 AS seconds
FROM ops.stage_runs
WHERE run_id = ANY($1::text[])
ORDER BY started_at;
