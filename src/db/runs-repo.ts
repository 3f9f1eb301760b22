import { sql } from 'kysely';
import type { DbOrTrx } from './database.ts';

export async function startRun(db: DbOrTrx, runId: string, trigger: string, period?: string) {
  await sql`INSERT INTO ops.pipeline_runs (run_id, trigger, state, period) VALUES (${runId}, ${trigger}, 'running', ${period ?? null})
            ON CONFLICT (run_id) DO UPDATE SET state = 'running', error = NULL, finished_at = NULL`.execute(db);
}

export async function finishRun(db: DbOrTrx, runId: string, state: 'succeeded' | 'failed', error?: string) {
  await sql`UPDATE ops.pipeline_runs SET state = ${state}, finished_at = now(), error = ${error ?? null} WHERE run_id = ${runId}`.execute(db);
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

export interface RunRow {
  run_id: string; trigger: string; state: string; period: string | null; started_at: Date; finished_at: Date | null; error: string | null;
  stages: { stage: string; state: string; seconds: number | null; rows: number | null; error: string | null }[];
}

export async function recentRuns(db: DbOrTrx, limit = 10): Promise<RunRow[]> {
  const runs = await sql<Omit<RunRow, 'stages'>>`SELECT * FROM ops.pipeline_runs ORDER BY started_at DESC LIMIT ${limit}`.execute(db);
  const stages = await sql<{ run_id: string; stage: string; state: string; seconds: number | null; rows: number | null; error: string | null }>`
    SELECT run_id, stage, state, extract(epoch FROM finished_at - started_at)::float8 AS seconds, rows, error
    FROM ops.stage_runs WHERE run_id = ANY(${runs.rows.map((r) => r.run_id)}) ORDER BY started_at`.execute(db);
  return runs.rows.map((r) => ({ ...r, stages: stages.rows.filter((s) => s.run_id === r.run_id) }));
}
