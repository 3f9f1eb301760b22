-- An inline run's sign of life (every 10 s while it runs).
-- @param $1 run_id: the run
UPDATE ops.pipeline_runs SET heartbeat_at = now() WHERE run_id = $1 AND state = 'running';
