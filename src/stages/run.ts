// The one run lifecycle. Inline runs (pulse run, pulse digest, the demo), BullMQ stage jobs
// (queued by the scheduler, `pulse trigger` and the HTTP API) all run stages through
// runStages, which records ops.pipeline_runs and ops.stage_runs.
import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Config } from '../config.ts';
import type { Connection } from '../db/connection.ts';
import type { Store } from '../db/database.ts';
import { failDeadRuns, failRunIfRunning, finishRun, finishStage, heartbeat, startRun, startStage } from '../db/runs-repo.ts';
import { messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { paramsOf, parseRunParams, type RunParams, type RunParamsInput, type StageName } from './params.ts';
import { type DetailOf, stageRegistry } from './registry.ts';
import type { StageDeps, StageOutcome } from './stage.ts';

export type Outcomes = { [N in StageName]?: StageOutcome<DetailOf<N>> };

export interface RunDeps {
  store: Store;
  config: Config;
  log: Logger;
  clock: () => Date;
}

/** Runs one stage with its bookkeeping in ops.stage_runs; rethrows the stage's error. */
async function runStage<N extends StageName>(stage: N, deps: StageDeps, params: RunParams): Promise<StageOutcome<DetailOf<N>>> {
  const log = deps.log.child({ stage });
  const { db } = deps.store;
  await startStage(db, deps.runId, stage);
  const started = Date.now();
  log.info('stage started');
  try {
    const impl = await stageRegistry[stage]();
    const outcome = (await impl.run({ ...deps, log }, paramsOf(stage, params) as never)) as StageOutcome<DetailOf<N>>;
    await finishStage(db, deps.runId, stage, {
      state: outcome.skipped ? 'skipped' : 'succeeded',
      rows: outcome.rows,
      detail: outcome.skipped ? { ...outcome.detail, skipped: outcome.skipped } : outcome.detail,
    });
    log.info({ seconds: (Date.now() - started) / 1000, rows: outcome.rows, skipped: outcome.skipped }, 'stage finished');
    return outcome;
  } catch (e) {
    log.error({ err: e }, 'stage failed');
    // The stage's own error is what the caller must see; a bookkeeping failure on top of it
    // (the database is what failed, say) is logged, not thrown over it.
    await finishStage(db, deps.runId, stage, { state: 'failed', error: messageOf(e) }).catch((bookkeeping) =>
      log.warn({ err: bookkeeping }, 'stage failure not recorded'),
    );
    throw e;
  }
}

export interface RunStagesOptions {
  /** Run only these of the run's stages (a BullMQ job runs one); default all of them. */
  only?: readonly StageName[];
  /** Whether a failure ends the run (default yes); a job with retries left does not. */
  isFinal?: (error: unknown) => boolean;
}

/**
 * Runs stages of a run that ops.pipeline_runs already holds (see openRun), in order. The run
 * succeeds when its last stage does, and fails with the first stage failure that is final.
 */
export async function runStages(deps: StageDeps, params: RunParams, opts: RunStagesOptions = {}): Promise<Outcomes> {
  const outcomes: Outcomes = {};
  const only = opts.only ?? params.stages;
  let current: StageName | undefined;
  // the digest's renderer loads its modules while the stages before the digest run
  if (only.length > 1 && only.includes('digest')) (await import('./digest.ts')).digestRenderer();
  try {
    for (const stage of only) {
      current = stage;
      (outcomes as Record<string, unknown>)[stage] = await runStage(stage, deps, params);
    }
    if (only.at(-1) === params.stages.at(-1)) await finishRun(deps.store.db, deps.runId, 'succeeded');
    return outcomes;
  } catch (e) {
    if (opts.isFinal?.(e) ?? true) {
      await failRunIfRunning(deps.store.db, deps.runId, `${current}: ${messageOf(e)}`).catch((bookkeeping) =>
        deps.log.warn({ err: bookkeeping }, 'run failure not recorded'),
      );
    }
    throw e;
  }
}

/** Opens a run in ops.pipeline_runs: for a queue (no owner) or for this process (inline). */
export async function openRun(store: Store, run: { runId: string; trigger: string; params: RunParams; inline: boolean }) {
  await startRun(store.db, { runId: run.runId, trigger: run.trigger, period: run.params.period, owner: run.inline ? self() : undefined });
}

const HEARTBEAT_MS = 10_000;

/**
 * The inline runner: validates the request before anything touches data, opens the run as
 * this process's (with a heartbeat, so a killed process's run does not stay "running"), and
 * runs every stage here.
 */
export async function runInline(deps: RunDeps, request: RunParamsInput, trigger: string): Promise<{ runId: string; outcomes: Outcomes }> {
  const params = parseRunParams(request);
  const runId = randomUUID();
  const log = deps.log.child({ runId });
  await failDeadRuns(deps.store.db, { host: hostKey(), alive: processAlive });
  await openRun(deps.store, { runId, trigger, params, inline: true });
  const beat = setInterval(() => {
    heartbeat(deps.store.db, runId).catch((e) => log.warn({ err: e }, 'heartbeat not recorded'));
  }, HEARTBEAT_MS);
  beat.unref();
  try {
    const outcomes = await runStages({ ...deps, log, runId }, params);
    return { runId, outcomes };
  } finally {
    clearInterval(beat);
  }
}

/**
 * This process's host as runs record it: the host name and the pid namespace, so that two
 * containers sharing a host name (host networking) never judge each other's pids; their runs
 * are judged by the heartbeat alone.
 */
function hostKey(): string {
  try {
    return `${hostname()} ${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    // no /proc (not Linux): the host name alone
    return hostname();
  }
}

const self = () => ({ host: hostKey(), pid: process.pid });

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Ends the inline runs of processes that died (`pulse status`, each new run, each worker start).
 * On a session: `pulse status` has a connection without Kysely.
 */
export const failDeadInlineRuns = (connection: Connection) =>
  connection.session((s) => failDeadRuns(s, { host: hostKey(), alive: processAlive }));
