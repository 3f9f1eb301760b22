-- A run's state (no row: no such run).
-- @param $1 run_id: the run
SELECT state FROM ops.pipeline_runs WHERE run_id = $1;
