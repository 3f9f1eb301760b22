// ops.pipeline_runs and ops.stage_runs: the run history every entry point writes through
// src/stages/run.ts, and the views `pulse status`, the HTTP API and `trigger --wait` read.
// What `pulse status` runs (the views, ending dead runs) goes through statement files under
// sql/ops/, on the database or on a session of a connection opened without Kysely; this module
// imports no Kysely value, so that command never loads it.
import type { Selectable } from 'kysely';
import type { Session } from './connection.ts';
import type { DbOrTrx } from './database.ts';
import { runSqlFile } from './sql-files.ts';
import type { DB } from './tables.ts';

type PipelineRun = Selectable<DB['ops.pipeline_runs']>;
type StageRun = Selectable<DB['ops.stage_runs']>;

export interface RunOwner {
  host: string;
  pid: number;
}

export async function startRun(db: DbOrTrx, run: { runId: string; trigger: string; period?: string; owner?: RunOwner }) {
  const host = run.owner?.host ?? null;
  const pid = run.owner?.pid ?? null;
  await db
    .insertInto('ops.pipeline_runs')
    .values((eb) => ({
      run_id: run.runId,
      trigger: run.trigger,
      state: 'running',
      period: run.period ?? null,
      owner_host: host,
      owner_pid: pid,
      heartbeat_at: host === null ? null : eb.fn('now'),
    }))
    .onConflict((oc) => oc.column('run_id').doUpdateSet({ state: 'running', error: null, finished_at: null }))
    .execute();
}

export async function finishRun(db: DbOrTrx, runId: string, state: 'succeeded' | 'failed', error?: string) {
  // a run already ended stays as it ended (a run failed as dead does not come back as succeeded)
  await db
    .updateTable('ops.pipeline_runs')
    .set((eb) => ({ state, finished_at: eb.fn('now'), error: error ?? null }))
    .where('run_id', '=', runId)
    .where('state', '=', 'running')
    .execute();
}

/** Marks a run failed unless it already ended (several processes may report the same failure). */
export async function failRunIfRunning(db: DbOrTrx, runId: string, error: string): Promise<void> {
  await db
    .updateTable('ops.pipeline_runs')
    .set((eb) => ({ state: 'failed', finished_at: eb.fn('now'), error }))
    .where('run_id', '=', runId)
    .where('state', '=', 'running')
    .execute();
}

export async function heartbeat(db: DbOrTrx, runId: string): Promise<void> {
  await db
    .updateTable('ops.pipeline_runs')
    .set((eb) => ({ heartbeat_at: eb.fn('now') }))
    .where('run_id', '=', runId)
    .where('state', '=', 'running')
    .execute();
}

/** How long an inline run may be silent before it is taken for dead. */
export const HEARTBEAT_TIMEOUT_SECONDS = 120;

/**
 * Marks failed the inline runs whose process is gone: on this host, a pid that no longer
 * lives; on any host, no heartbeat for HEARTBEAT_TIMEOUT_SECONDS. Their running stages fail
 * with them. Returns the runs it ended.
 */
export async function failDeadRuns(db: DbOrTrx | Session, self: { host: string; alive: (pid: number) => boolean }): Promise<string[]> {
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

export async function startStage(db: DbOrTrx, runId: string, stage: string) {
  await db
    .insertInto('ops.stage_runs')
    .values({ run_id: runId, stage, state: 'running' })
    .onConflict((oc) =>
      oc.columns(['run_id', 'stage']).doUpdateSet((eb) => ({ state: 'running', started_at: eb.fn('now'), finished_at: null, error: null })),
    )
    .execute();
}

export async function finishStage(
  db: DbOrTrx,
  runId: string,
  stage: string,
  outcome: { state: 'succeeded' | 'failed' | 'skipped'; rows?: number; detail?: unknown; error?: string },
) {
  await db
    .updateTable('ops.stage_runs')
    .set((eb) => ({
      state: outcome.state,
      finished_at: eb.fn('now'),
      rows: outcome.rows ?? null,
      detail: outcome.detail === undefined ? null : eb.cast(eb.val(JSON.stringify(outcome.detail)), 'jsonb'),
      error: outcome.error ?? null,
    }))
    .where('run_id', '=', runId)
    .where('stage', '=', stage)
    .execute();
}

export async function runState(db: DbOrTrx, runId: string): Promise<string | undefined> {
  return (await db.selectFrom('ops.pipeline_runs').select('state').where('run_id', '=', runId).executeTakeFirst())?.state;
}

/** Deletes a run that was never queued (its request joined another run). */
export async function discardRun(db: DbOrTrx, runId: string): Promise<void> {
  await db
    .deleteFrom('ops.pipeline_runs')
    .where('run_id', '=', runId)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('ops.stage_runs').select('stage').where('run_id', '=', runId))))
    .execute();
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
export async function readRun(db: DbOrTrx | Session, runId: string): Promise<RunView | undefined> {
  return (await readRuns(db, [runId]))[0];
}

/** The newest runs, newest first. */
export async function recentRunViews(db: DbOrTrx | Session, limit: number): Promise<RunView[]> {
  const ids = await runSqlFile<Pick<PipelineRun, 'run_id'>>(db, 'ops/recent-runs.sql', { limit });
  return readRuns(
    db,
    ids.map((r) => r.run_id),
  );
}

async function readRuns(db: DbOrTrx | Session, runIds: string[]): Promise<RunView[]> {
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
  db: DbOrTrx,
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
