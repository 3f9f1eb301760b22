-- The runs an inline process (pulse run) still has marked running, and whether its heartbeat
-- has been silent too long. Queued runs (no owner) are the workers' to end.
-- @param $1 timeout_seconds: how long an inline run may be silent before it is taken for dead
SELECT run_id, owner_host, owner_pid, heartbeat_at, heartbeat_at < now() - make_interval(secs => $1) AS silent
FROM ops.pipeline_runs
WHERE state = 'running' AND owner_host IS NOT NULL;
