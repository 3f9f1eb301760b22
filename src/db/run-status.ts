import { sql } from 'kysely';
import type { DbOrTrx } from './database.ts';

export async function runState(db: DbOrTrx, runId: string): Promise<string | undefined> {
  return (await sql<{ state: string }>`SELECT state FROM ops.pipeline_runs WHERE run_id = ${runId}`.execute(db)).rows[0]?.state;
}

/** Deletes a run that was never queued (its request joined another run). */
export async function discardRun(db: DbOrTrx, runId: string): Promise<void> {
  await sql`DELETE FROM ops.pipeline_runs WHERE run_id = ${runId} AND NOT EXISTS (SELECT 1 FROM ops.stage_runs WHERE run_id = ${runId})`.execute(db);
}

/** Marks a run failed unless it already ended (several processes may report the same failure). */
export async function failRunIfRunning(db: DbOrTrx, runId: string, error: string): Promise<void> {
  await sql`UPDATE ops.pipeline_runs SET state = 'failed', finished_at = now(), error = ${error}
            WHERE run_id = ${runId} AND state = 'running'`.execute(db);
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
  const run = (
    await sql<{ run_id: string; state: RunView['state']; trigger: string; period: string | null; started_at: Date; finished_at: Date | null; error: string | null }>`
      SELECT run_id, state, trigger, period, started_at, finished_at, error FROM ops.pipeline_runs WHERE run_id = ${runId}`.execute(db)
  ).rows[0];
  if (!run) return undefined;
  const stages = await sql<{ stage: string; state: string; started_at: Date; finished_at: Date | null; seconds: number | null; rows: number | null; error: string | null }>`
    SELECT stage, state, started_at, finished_at, extract(epoch FROM finished_at - started_at)::float8 AS seconds, rows, error
    FROM ops.stage_runs WHERE run_id = ${runId} ORDER BY started_at`.execute(db);
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    runId: run.run_id,
    state: run.state,
    trigger: run.trigger,
    period: run.period,
    startedAt: iso(run.started_at)!,
    finishedAt: iso(run.finished_at),
    error: run.error,
    stages: stages.rows.map((s) => ({ stage: s.stage, state: s.state, startedAt: iso(s.started_at)!, finishedAt: iso(s.finished_at), seconds: s.seconds, rows: s.rows === null ? null : Number(s.rows), error: s.error })),
  };
}

/** The newest runs, newest first. */
export async function recentRunViews(db: DbOrTrx, limit: number): Promise<RunView[]> {
  const ids = await sql<{ run_id: string }>`SELECT run_id FROM ops.pipeline_runs ORDER BY started_at DESC LIMIT ${limit}`.execute(db);
  return (await Promise.all(ids.rows.map((r) => readRun(db, r.run_id)))).filter((v): v is RunView => v !== undefined);
}

/** Polls the ops tables until the runs end; resolves with their final views. */
export async function waitForRuns(db: DbOrTrx, runIds: string[], opts: { pollMs?: number; timeoutMs?: number; onChange?: (run: RunView) => void } = {}): Promise<RunView[]> {
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  const seen = new Map<string, string>();
  for (;;) {
    const views = await Promise.all(runIds.map((id) => readRun(db, id)));
    for (const v of views) {
      if (!v) continue;
      const key = `${v.state}|${v.stages.map((s) => `${s.stage}:${s.state}`).join(',')}`;
      if (seen.get(v.runId) !== key) {
        seen.set(v.runId, key);
        opts.onChange?.(v);
      }
    }
    if (views.every((v) => v && v.state !== 'running')) return views as RunView[];
    if (Date.now() > deadline) throw new Error(`runs still running after ${opts.timeoutMs} ms: ${views.filter((v) => v?.state === 'running').map((v) => v!.runId).join(', ')}`);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}
