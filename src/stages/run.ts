import { randomUUID } from 'node:crypto';
import { finishRun, finishStage, startRun, startStage } from '../db/runs-repo.ts';
import type { StageContext, StageName, StageOutcome } from './stage.ts';
import { stageHandlers } from './registry.ts';

/** Runs one stage with its bookkeeping in ops.stage_runs; rethrows the stage's error. */
export async function runStage(stage: StageName, ctx: StageContext): Promise<StageOutcome> {
  const log = ctx.log.child({ stage });
  await startStage(ctx.store.db, ctx.runId, stage);
  const started = Date.now();
  log.info('stage started');
  try {
    const outcome = await stageHandlers[stage]({ ...ctx, log });
    await finishStage(ctx.store.db, ctx.runId, stage, {
      state: outcome.skipped ? 'skipped' : 'succeeded',
      rows: outcome.rows,
      detail: outcome.skipped ? { ...outcome.detail, skipped: outcome.skipped } : outcome.detail,
    });
    log.info({ seconds: (Date.now() - started) / 1000, rows: outcome.rows, skipped: outcome.skipped }, 'stage finished');
    return outcome;
  } catch (e) {
    const message = (e as Error).message;
    await finishStage(ctx.store.db, ctx.runId, stage, { state: 'failed', error: message }).catch(() => {});
    log.error({ err: message }, 'stage failed');
    throw e;
  }
}

/** The inline runner: every stage in order in this process (the embedded mode). */
export async function runPipeline(
  ctx: Omit<StageContext, 'runId'> & { runId?: string },
  stages: readonly StageName[],
  trigger = 'cli',
): Promise<{ runId: string; outcomes: Partial<Record<StageName, StageOutcome>> }> {
  const runId = ctx.runId ?? randomUUID();
  const full: StageContext = { ...ctx, runId, log: ctx.log.child({ runId }) };
  await startRun(ctx.store.db, runId, trigger, ctx.period);
  const outcomes: Partial<Record<StageName, StageOutcome>> = {};
  try {
    for (const stage of stages) outcomes[stage] = await runStage(stage, full);
    await finishRun(ctx.store.db, runId, 'succeeded');
    return { runId, outcomes };
  } catch (e) {
    await finishRun(ctx.store.db, runId, 'failed', (e as Error).message).catch(() => {});
    throw e;
  }
}
