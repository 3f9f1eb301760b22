-- An inline run (pulse run, pulse digest, npm run demo) says which process runs it and
-- beats while it lives, so a killed process's run is marked failed instead of "running"
-- forever. Queued runs (BullMQ) keep owner NULL: a dead worker's job is taken over by
-- another worker, and its run is failed by the queue when no attempt is left.
ALTER TABLE ops.pipeline_runs
  ADD COLUMN owner_host   text,
  ADD COLUMN owner_pid    integer,
  ADD COLUMN heartbeat_at timestamptz;

COMMENT ON COLUMN ops.pipeline_runs.owner_host IS 'host name of the process running an inline run; NULL for runs executed by queue workers';
COMMENT ON COLUMN ops.pipeline_runs.owner_pid IS 'process id of the process running an inline run; NULL for queued runs';
COMMENT ON COLUMN ops.pipeline_runs.heartbeat_at IS 'last sign of life of an inline run''s process (every 10 s); a run silent for 2 minutes, or whose process is gone from its host, is marked failed';
