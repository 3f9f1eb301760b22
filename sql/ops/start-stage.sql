-- Opens a stage of a run as running; a stage run again (a retry) starts over.
-- @param $1 run_id: the run
-- @param $2 stage: the stage
INSERT INTO ops.stage_runs (run_id, stage, state) VALUES ($1, $2, 'running')
ON CONFLICT (run_id, stage) DO UPDATE SET state = 'running', started_at = now(), finished_at = NULL, error = NULL;
