// ops.pipeline_runs and ops.stage_runs: the run history every entry point writes through
// src/stages/run.ts, and the views `pulse status`, the HTTP API and `trigger --wait` read.
import { sql } from 'kysely';
import type { DbOrTrx } from './database.ts';

export interface RunOwner {
  host: string;
  pid: number;
}

export async function startRun(db: DbOrTrx, run: { runId: string; trigger: string; period?: string; owner?: RunOwner }) {
  const host = run.owner?.host ?? null;
  const pid = run.owner?.pid ?? null;
  await sql`INSERT INTO ops.pipeline_runs (run_id, trigger, state, period, owner_host, owner_pid, heartbeat_at)
            VALUES (${run.runId}, ${run.trigger}, 'running', ${run.period ?? null}, ${host}, ${pid}, CASE WHEN ${host}::text IS NULL THEN NULL ELSE now() END)
            ON CONFLICT (run_id) DO UPDATE SET state = 'running', error = NULL, finished_at = NULL`.execute(db);
}

export async function finishRun(db: DbOrTrx, runId: string, state: 'succeeded' | 'failed', error?: string) {
  await sql`UPDATE ops.pipeline_runs SET state = ${state}, finished_at = now(), error = ${error ?? null} WHERE run_id = ${runId}`.execute(db);
}

/** Marks a run failed unless it already ended (several processes may report the same failure). */
export async function failRunIfRunning(db: DbOrTrx, runId: string, error: string): Promise<void> {
  await sql`UPDATE ops.pipeline_runs SET state = 'failed', finished_at = now(), error = ${error}
            WHERE run_id = ${runId} AND state = 'running'`.execute(db);
}

export async function heartbeat(db: DbOrTrx, runId: string): Promise<void> {
  await sql`UPDATE ops.pipeline_runs SET heartbeat_at = now() WHERE run_id = ${runId} AND state = 'running'`.execute(db);
}

/** How long an inline run may be silent before it is taken for dead. */
export const HEARTBEAT_TIMEOUT_SECONDS = 120;

/**
 * Marks failed the inline runs whose process is gone: on this host, a pid that no longer
 * lives; on any host, no heartbeat for HEARTBEAT_TIMEOUT_SECONDS. Their running stages fail
 * with them. Returns the runs it ended.
 */
export async function failDeadRuns(db: DbOrTrx, self: { host: string; alive: (pid: number) => boolean }): Promise<string[]> {
  const candidates = await sql<{ run_id: string; owner_host: string; owner_pid: number; heartbeat_at: Date; silent: boolean }>`
    SELECT run_id, owner_host, owner_pid, heartbeat_at,
           heartbeat_at < now() - make_interval(secs => ${HEARTBEAT_TIMEOUT_SECONDS}) AS silent
    FROM ops.pipeline_runs WHERE state = 'running' AND owner_host IS NOT NULL`.execute(db);
  const ended: string[] = [];
  for (const r of candidates.rows) {
    const gone = r.owner_host === self.host && !self.alive(r.owner_pid);
    if (!gone && !r.silent) continue;
    const since = new Date(r.heartbeat_at).toISOString().slice(0, 19);
    const reason = gone
      ? `the process running it (pid ${r.owner_pid} on ${r.owner_host}) ended without finishing the run (killed or crashed); last heartbeat ${since}Z`
      : `no heartbeat from its process (pid ${r.owner_pid} on ${r.owner_host}) since ${since}Z: taken for dead`;
    await failRunIfRunning(db, r.run_id, reason);
    await sql`UPDATE ops.stage_runs SET state = 'failed', finished_at = now(), error = ${reason} WHERE run_id = ${r.run_id} AND state = 'running'`.execute(db);
    ended.push(r.run_id);
  }
  return ended;
}

export async function startStage(db: DbOrTrx, runId: string, stage: string) {
  await sql`INSERT INTO ops.stage_runs (run_id, stage, state) VALUES (${runId}, ${stage}, 'running')
            ON CONFLICT (run_id, stage) DO UPDATE SET state = 'running', started_at = now(), finished_at = NULL, error = NULL`.execute(db);
}

export async function finishStage(
  db: DbOrTrx,
  runId: string,
  stage: string,
  outcome: { state: 'succeeded' | 'failed' | 'skipped'; rows?: number; detail?: unknown; error?: string },
) {
  await sql`UPDATE ops.stage_runs SET state = ${outcome.state}, finished_at = now(), rows = ${outcome.rows ?? null},
              detail = ${outcome.detail === undefined ? null : JSON.stringify(outcome.detail)}::jsonb, error = ${outcome.error ?? null}
            WHERE run_id = ${runId} AND stage = ${stage}`.execute(db);
}

export async function runState(db: DbOrTrx, runId: string): Promise<string | undefined> {
  return (await sql<{ state: string }>`SELECT state FROM ops.pipeline_runs WHERE run_id = ${runId}`.execute(db)).rows[0]?.state;
}

/** Deletes a run that was never queued (its request joined another run). */
export async function discardRun(db: DbOrTrx, runId: string): Promise<void> {
  await sql`DELETE FROM ops.pipeline_runs WHERE run_id = ${runId} AND NOT EXISTS (SELECT 1 FROM ops.stage_runs WHERE run_id = ${runId})`.execute(db);
}

export interface RunView {
  runId: string;
  state: 'running' | 'succeeded' | 'failed';
  trigger: string;
  period: string | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  stages: { stage: string; state: string; startedAt: string; finishedAt: string | null; seconds: number | null; rows: number | null; error: string | null }[];
}

/** A run as the ops tables hold it, or undefined. */
export async function readRun(db: DbOrTrx, runId: string): Promise<RunView | undefined> {
  return (await readRuns(db, [runId]))[0];
}

/** The newest runs, newest first. */
export async function recentRunViews(db: DbOrTrx, limit: number): Promise<RunView[]> {
  const ids = await sql<{ run_id: string }>`SELECT run_id FROM ops.pipeline_runs ORDER BY started_at DESC LIMIT ${limit}`.execute(db);
  return readRuns(db, ids.rows.map((r) => r.run_id));
}

async function readRuns(db: DbOrTrx, runIds: string[]): Promise<RunView[]> {
  if (!runIds.length) return [];
  const runs = await sql<{ run_id: string; state: RunView['state']; trigger: string; period: string | null; started_at: Date; finished_at: Date | null; error: string | null }>`
    SELECT run_id, state, trigger, period, started_at, finished_at, error FROM ops.pipeline_runs WHERE run_id = ANY(${runIds}::text[])`.execute(db);
  const stages = await sql<{ run_id: string; stage: string; state: string; started_at: Date; finished_at: Date | null; seconds: number | null; rows: number | null; error: string | null }>`
    SELECT run_id, stage, state, started_at, finished_at, extract(epoch FROM finished_at - started_at)::float8 AS seconds, rows, error
    FROM ops.stage_runs WHERE run_id = ANY(${runIds}::text[]) ORDER BY started_at`.execute(db);
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  const byId = new Map(runs.rows.map((r) => [r.run_id, r]));
  return runIds.flatMap((id) => {
    const run = byId.get(id);
    if (!run) return [];
    return [{
      runId: run.run_id,
      state: run.state,
      trigger: run.trigger,
      period: run.period,
      startedAt: iso(run.started_at)!,
      finishedAt: iso(run.finished_at),
      error: run.error,
      stages: stages.rows
        .filter((s) => s.run_id === id)
        .map((s) => ({ stage: s.stage, state: s.state, startedAt: iso(s.started_at)!, finishedAt: iso(s.finished_at), seconds: s.seconds, rows: s.rows === null ? null : Number(s.rows), error: s.error })),
    }];
  });
}

/** Polls the ops tables until the runs end; resolves with their final views. */
export async function waitForRuns(db: DbOrTrx, runIds: string[], opts: { pollMs?: number; timeoutMs?: number; onChange?: (run: RunView) => void } = {}): Promise<RunView[]> {
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
    if (Date.now() > deadline) throw new Error(`runs still running after ${opts.timeoutMs} ms: ${views.filter((v) => v.state === 'running').map((v) => v.runId).join(', ')}`);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}
