import { createHash, randomUUID } from 'node:crypto';
import type { FlowJob } from 'bullmq';
import { discardRun, finishRun, runState, startRun } from '../db/runs-repo.ts';
import type { SqlTarget } from '../db/sql-files.ts';
import { InputError, messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { describeIssues } from '../stages/params.ts';
import { jobOptions, type RetryTuning, type RunRequest, runRequest, type StagePayload } from './catalog.ts';
import type { Queues } from './queues.ts';

/** The BullMQ id of a run's stage job: a re-added flow (a retried start-run) is not added twice. */
export const stageJobId = (runId: string, stage: string) => `run-${runId}-${stage}`;

/** A run id derived from another id (a scheduler tick's job id), stable across retries. */
export function derivedRunId(source: string): string {
  const h = createHash('sha256').update(source).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The run as a flow: a parent starts only once its child completed, so the last stage is
 * the root and the first (ingest) the deepest child. A child failing with no attempts left
 * fails its parent, and that parent's parent: the later stages never run.
 */
export function buildRunFlow(payload: StagePayload, tuning: RetryTuning = {}): FlowJob {
  let node: FlowJob | undefined;
  for (const stage of payload.stages) {
    const job: FlowJob = {
      name: stage,
      queueName: 'pipeline',
      data: payload,
      opts: {
        jobId: stageJobId(payload.runId, stage),
        ...jobOptions(stage, tuning),
        failParentOnFailure: true,
        // Completed stage jobs are history (ops.stage_runs has it); keep Redis small.
        removeOnComplete: { age: 7 * 86_400, count: 5_000 },
        removeOnFail: { age: 30 * 86_400 },
      },
      ...(node ? { children: [node] } : {}),
    } as FlowJob;
    node = job;
  }
  return node!;
}

// How long a queued run stays open for identical requests to join: a safety net for a
// run whose first stage never starts (its flow removed by hand).
const PENDING_TTL_SECONDS = 3_600;

/** The Redis key naming the queued, not yet started run for one kind of request. */
export const pendingKey = (prefix: string, stages: readonly string[], period?: string, rebuild?: boolean) =>
  `${prefix}:pending-run:${stages.join(',')}|${period ?? ''}${rebuild ? '|rebuild' : ''}`;

export interface EnqueueOptions {
  runId?: string;
  now?: Date;
  tuning?: RetryTuning;
  /**
   * Join an identical run (same stages, period and rebuild) that is queued but not started yet
   * instead of queueing another. It will read the inbox after this request, so it does
   * all the work this request asks for; 200 clicks make one run, not 200.
   */
  coalesce?: boolean;
  log?: Logger;
}

export interface Enqueued {
  runId: string;
  /** True when the request joined a queued run instead of starting its own. */
  coalesced: boolean;
}

/**
 * Opens a run in ops.pipeline_runs (so it can be followed at once) and adds its flow.
 * If the flow cannot be added the run is marked failed with the reason.
 */
export async function enqueueRun(db: SqlTarget, queues: Queues, request: RunRequest, opts: EnqueueOptions = {}): Promise<Enqueued> {
  const result = runRequest.safeParse(request);
  if (!result.success) throw new InputError(`invalid run request: ${describeIssues(result.error)}`);
  const parsed = result.data;
  const runId = opts.runId ?? randomUUID();
  // The row comes first: a request that joins this run can follow it at once.
  await startRun(db, { runId, trigger: parsed.trigger, period: parsed.period });
  let key: string | undefined;
  try {
    if (opts.coalesce) {
      key = pendingKey(queues.prefix, parsed.stages, parsed.period, parsed.rebuild);
      for (;;) {
        if (await queues.connection.set(key, runId, 'EX', PENDING_TTL_SECONDS, 'NX')) break;
        const pending = await queues.connection.get(key);
        if (pending && (await runState(db, pending)) === 'running') {
          await discardRun(db, runId);
          return { runId: pending, coalesced: true };
        }
        // The queued run started (or ended) meanwhile: this request becomes the queued one.
        if (pending) await releasePending(queues, key, pending);
      }
    }
    const payload: StagePayload = {
      ...parsed,
      runId,
      requestedAt: (opts.now ?? new Date()).toISOString(),
      ...(key ? { pendingKey: key } : {}),
    };
    await queues.flow.add(buildRunFlow(payload, opts.tuning));
  } catch (e) {
    // The queueing error is the one to report; clean-up failures on top of it are only logged.
    if (key) await releasePending(queues, key, runId).catch((cleanup) => opts.log?.debug({ err: cleanup }, 'pending key not released'));
    await finishRun(db, runId, 'failed', `could not queue the run: ${messageOf(e)}`).catch((cleanup) =>
      opts.log?.warn({ err: cleanup }, 'run failure not recorded'),
    );
    throw e;
  }
  return { runId, coalesced: false };
}

/** Closes a queued run to new requests (called as its first stage starts); only if it is still the named one. */
export async function releasePending(queues: Queues, key: string, runId: string): Promise<void> {
  await queues.connection.eval(
    `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
    1,
    key,
    runId,
  );
}
