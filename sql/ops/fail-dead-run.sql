-- Ends a run taken for dead and its running stages, failed with the reason; a run that has
-- ended meanwhile stays as it ended.
-- @param $1 run_id: the run
-- @param $2 reason: the error recorded on the run and its running stages
UPDATE ops.pipeline_runs SET state = 'failed', finished_at = now(), error = $2
WHERE run_id = $1 AND state = 'running';
UPDATE ops.stage_runs SET state = 'failed', finished_at = now(), error = $2
WHERE run_id = $1 AND state = 'running';
