-- Deletes a run that was never queued (its request joined another run): only while it has no stage.
-- @param $1 run_id: the run
DELETE FROM ops.pipeline_runs p
WHERE p.run_id = $1 AND NOT EXISTS (SELECT 1 FROM ops.stage_runs s WHERE s.run_id = p.run_id);
