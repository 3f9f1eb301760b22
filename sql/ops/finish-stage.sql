-- Ends a stage of a run with its outcome.
-- @param $1 run_id: the run
-- @param $2 stage: the stage
-- @param $3 state: succeeded, failed or skipped
-- @param $4 rows: rows it produced, or null
-- @param $5 detail: what the stage reports, as JSON text, or null
-- @param $6 error: why it failed, or null
UPDATE ops.stage_runs SET state = $3, finished_at = now(), rows = $4, detail = $5::jsonb, error = $6
WHERE run_id = $1 AND stage = $2;
