// ops.pipeline_runs and ops.stage_runs: the run history every entry point writes through
// src/stages/run.ts, and the views `pulse status`, the HTTP API and `trigger --wait` read.
// Every statement is a file under sql/ops/, run on the database, a transaction or a session:
// `pulse status` and `pulse trigger` work on a connection opened without Kysely, and this
// module imports no Kysely value, so they never load it. Rows are typed from the table types.
import type { Selectable } from 'kysely';
import { runSqlFile, type SqlTarget } from './sql-files.ts';
import type { DB } from './tables.ts';

type PipelineRun = Selectable<DB['ops.pipeline_runs']>;
type StageRun = Selectable<DB['ops.stage_runs']>;

export interface RunOwner {
  host: string;
  pid: number;
}

export async function startRun(db: SqlTarget, run: { runId: string; trigger: string; period?: string; owner?: RunOwner }) {
  await runSqlFile(db, 'ops/start-run.sql', {
    run_id: run.runId,
    trigger: run.trigger,
    period: run.period ?? null,
    owner_host: run.owner?.host ?? null,
    owner_pid: run.owner?.pid ?? null,
  });
}

/** Ends a run unless it already ended (a run failed as dead does not come back as succeeded). */
export async function finishRun(db: SqlTarget, runId: string, state: 'succeeded' | 'failed', error?: string) {
  await runSqlFile(db, 'ops/finish-run.sql', { run_id: runId, state, error: error ?? null });
}

/** Marks a run failed unless it already ended (several processes may report the same failure). */
export async function failRunIfRunning(db: SqlTarget, runId: string, error: string): Promise<void> {
  await finishRun(db, runId, 'failed', error);
}

export async function heartbeat(db: SqlTarget, runId: string): Promise<void> {
  await runSqlFile(db, 'ops/heartbeat.sql', { run_id: runId });
}

/** How long an inline run may be silent before it is taken for dead. */
export const HEARTBEAT_TIMEOUT_SECONDS = 120;

/**
 * Marks failed the inline runs whose process is gone: on this host, a pid that no longer
 * lives; on any host, no heartbeat for HEARTBEAT_TIMEOUT_SECONDS. Their running stages fail
 * with them. Returns the runs it ended.
 */
export async function failDeadRuns(db: SqlTarget, self: { host: string; alive: (pid: number) => boolean }): Promise<string[]> {
  const candidates = await runSqlFile<
    Pick<PipelineRun, 'run_id' | 'owner_host' | 'owner_pid' | 'heartbeat_at'> & { silent: boolean | null }
  >(db, 'ops/running-inline-runs.sql', { timeout_seconds: HEARTBEAT_TIMEOUT_SECONDS });
  const ended: string[] = [];
  for (const r of candidates) {
    const gone = r.owner_host === self.host && r.owner_pid !== null && !self.alive(r.owner_pid);
    if (!gone && !r.silent) continue;
    const since = r.heartbeat_at ? new Date(r.heartbeat_at).toISOString().slice(0, 19) : 'never';
    const reason = gone
      ? `the process running it (pid ${r.owner_pid} on ${r.owner_host}) ended without finishing the run (killed or crashed); last heartbeat ${since}Z`
      : `no heartbeat from its process (pid ${r.owner_pid} on ${r.owner_host}) since ${since}Z: taken for dead`;
    await runSqlFile(db, 'ops/fail-dead-run.sql', { run_id: r.run_id, reason });
    ended.push(r.run_id);
  }
  return ended;
}

export async function startStage(db: SqlTarget, runId: string, stage: string) {
  await runSqlFile(db, 'ops/start-stage.sql', { run_id: runId, stage });
}

export async function finishStage(
  db: SqlTarget,
  runId: string,
  stage: string,
  outcome: { state: 'succeeded' | 'failed' | 'skipped'; rows?: number; detail?: unknown; error?: string },
) {
  await runSqlFile(db, 'ops/finish-stage.sql', {
    run_id: runId,
    stage,
    state: outcome.state,
    rows: outcome.rows ?? null,
    detail: outcome.detail === undefined ? null : JSON.stringify(outcome.detail),
    error: outcome.error ?? null,
  });
}

export async function runState(db: SqlTarget, runId: string): Promise<string | undefined> {
  return (await runSqlFile<Pick<PipelineRun, 'state'>>(db, 'ops/run-state.sql', { run_id: runId }))[0]?.state;
}

/** Deletes a run that was never queued (its request joined another run). */
export async function discardRun(db: SqlTarget, runId: string): Promise<void> {
  await runSqlFile(db, 'ops/discard-run.sql', { run_id: runId });
}

export interface RunView {
  runId: string;
  state: 'running' | 'succeeded' | 'failed';
  trigger: string;
  period: string | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  stages: {
    stage: string;
    state: string;
    startedAt: string;
    finishedAt: string | null;
    seconds: number | null;
    rows: number | null;
    error: string | null;
  }[];
}

/** A run as the ops tables hold it, or undefined. */
export async function readRun(db: SqlTarget, runId: string): Promise<RunView | undefined> {
  return (await readRuns(db, [runId]))[0];
}

/** The newest runs, newest first. */
export async function recentRunViews(db: SqlTarget, limit: number): Promise<RunView[]> {
  const ids = await runSqlFile<Pick<PipelineRun, 'run_id'>>(db, 'ops/recent-runs.sql', { limit });
  return readRuns(
    db,
    ids.map((r) => r.run_id),
  );
}

async function readRuns(db: SqlTarget, runIds: string[]): Promise<RunView[]> {
  if (!runIds.length) return [];
  const runs = await runSqlFile<Pick<PipelineRun, 'run_id' | 'state' | 'trigger' | 'period' | 'started_at' | 'finished_at' | 'error'>>(
    db,
    'ops/runs.sql',
    { run_ids: runIds },
  );
  const stages = await runSqlFile<
    Pick<StageRun, 'run_id' | 'stage' | 'state' | 'started_at' | 'finished_at' | 'rows' | 'error'> & { seconds: number | null }
  >(db, 'ops/stage-runs.sql', { run_ids: runIds });
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  const byId = new Map(runs.map((r) => [r.run_id, r]));
  return runIds.flatMap((id) => {
    const run = byId.get(id);
    if (!run) return [];
    return [
      {
        runId: run.run_id,
        state: run.state as RunView['state'],
        trigger: run.trigger,
        period: run.period,
        startedAt: iso(run.started_at)!,
        finishedAt: iso(run.finished_at),
        error: run.error,
        stages: stages
          .filter((s) => s.run_id === id)
          .map((s) => ({
            stage: s.stage,
            state: s.state,
            startedAt: iso(s.started_at)!,
            finishedAt: iso(s.finished_at),
            seconds: s.seconds,
            rows: s.rows === null ? null : Number(s.rows),
            error: s.error,
          })),
      },
    ];
  });
}

/** Polls the ops tables until the runs end; resolves with their final views. */
export async function waitForRuns(
  db: SqlTarget,
  runIds: string[],
  opts: { pollMs?: number; timeoutMs?: number; onChange?: (run: RunView) => void } = {},
): Promise<RunView[]> {
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  const seen = new Map<string, string>();
  for (;;) {
    const views = await readRuns(db, runIds);
    for (const v of views) {
      const key = `${v.state}|${v.stages.map((s) => `${s.stage}:${s.state}`).join(',')}`;
      if (seen.get(v.runId) !== key) {
        seen.set(v.runId, key);
        opts.onChange?.(v);
      }
    }
    if (views.length === runIds.length && views.every((v) => v.state !== 'running')) return views;
    if (Date.now() > deadline)
      throw new Error(
        `runs still running after ${opts.timeoutMs} ms: ${views
          .filter((v) => v.state === 'running')
          .map((v) => v.runId)
          .join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}
