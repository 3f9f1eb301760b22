-- Ends a run unless it has ended already: a run failed as dead does not come back as
-- succeeded, and several processes may report the same failure.
-- @param $1 run_id: the run
-- @param $2 state: succeeded or failed
-- @param $3 error: why it failed, or null
UPDATE ops.pipeline_runs SET state = $2, finished_at = now(), error = $3
WHERE run_id = $1 AND state = 'running';
