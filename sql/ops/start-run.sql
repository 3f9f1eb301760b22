-- Opens a run as running; a run id seen before (a retried start) starts over. An inline run
-- names its process and starts its heartbeat; a queued one (no owner) has neither.
-- @param $1 run_id: the run
-- @param $2 trigger: what asked for it (cli, http, schedule:etl, ...)
-- @param $3 period: the digest period asked for, or null
-- @param $4 owner_host: host of the inline process running it, or null
-- @param $5 owner_pid: its process id, or null
INSERT INTO ops.pipeline_runs (run_id, trigger, state, period, owner_host, owner_pid, heartbeat_at)
VALUES ($1, $2, 'running', $3, $4, $5, CASE WHEN $4::text IS NULL THEN NULL ELSE now() END)
ON CONFLICT (run_id) DO UPDATE SET state = 'running', error = NULL, finished_at = NULL;
