import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Store } from '../db/database.ts';
import { failRunIfRunning } from '../db/runs-repo.ts';
import { InputError, messageOf } from '../errors.ts';
import { type Logger, logger } from '../logger.ts';
import type { StageName } from '../stages/params.ts';
import { failDeadInlineRuns, runStages } from '../stages/run.ts';
import { UnrecoverableError, Worker } from './bullmq.ts';
import { isJobName, type JobName, type JobPayload, jobCatalog, parsePayload, type QueueName, type RetryTuning } from './catalog.ts';
import { derivedRunId, enqueueRun, releasePending, stageJobId } from './flow.ts';
import { connectionErrorLogger, openQueues, type Queues, redisConnection, requireService } from './queues.ts';

export interface WorkerOptions {
  /** Jobs one process works on at once (stages are still one at a time across all workers). */
  concurrency?: number;
  /** How long a job's lock lives without renewal; a killed worker's job is taken over after it. */
  lockDuration?: number;
  /** How often to look for jobs whose worker died (BullMQ default 30 s). */
  stalledInterval?: number;
  /** Times a job may be taken over from a dead worker before it fails. */
  maxStalledCount?: number;
  /** Retry policy of the flows this worker adds (scheduler ticks). */
  retry?: RetryTuning;
  /** An existing connection to share; otherwise one is opened from REDIS_URL. */
  connection?: Redis;
  log?: Logger;
}

interface JobEnv {
  config: Config;
  store: Store;
  queues: Queues;
  retry: RetryTuning;
}

type Handler<N extends JobName> = (payload: JobPayload<N>, job: Job, env: JobEnv, log: Logger) => Promise<unknown>;

const stageHandler =
  (stage: StageName): Handler<StageName> =>
  async (payload, job, env, log) => {
    // From here on the run reads the inbox: later requests must not join it.
    if (payload.pendingKey && stage === payload.stages[0]) await releasePending(env.queues, payload.pendingKey, payload.runId);
    const deps = { store: env.store, config: env.config, log, clock: () => new Date(payload.requestedAt), runId: payload.runId };
    try {
      const outcomes = await runStages(deps, payload, { only: [stage], isFinal: (e) => isFinalAttempt(job, e) });
      const outcome = outcomes[stage]!;
      return { rows: outcome.rows, skipped: outcome.skipped };
    } catch (e) {
      // No retry can fix bad input: fail the job now instead of after every attempt.
      if (e instanceof InputError) throw new UnrecoverableError(e.message);
      throw e;
    }
  };

export const jobHandlers: { [N in JobName]: Handler<N> } = {
  // A scheduler tick becomes a run. The run id comes from the tick's job id, so a retried
  // tick finds its flow already queued instead of starting a second run.
  async 'start-run'(payload, job, env, log) {
    const runId = derivedRunId(`${env.queues.prefix}/${job.id}`);
    const root = stageJobId(runId, payload.stages.at(-1)!);
    // Each tick is its own run (no coalescing): one run per tick, exactly.
    if (!(await env.queues.pipeline.getJob(root))) await enqueueRun(env.store.db, env.queues, payload, { runId, tuning: env.retry });
    log.info({ runId, stages: payload.stages }, 'run queued');
    return { runId };
  },
  ingest: stageHandler('ingest'),
  kpis: stageHandler('kpis'),
  alerts: stageHandler('alerts'),
  models: stageHandler('models'),
  clusters: stageHandler('clusters'),
  digest: stageHandler('digest'),
};

function isFinalAttempt(job: Job, e: unknown): boolean {
  return e instanceof UnrecoverableError || e instanceof InputError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

async function processJob(job: Job, env: JobEnv, log: Logger): Promise<unknown> {
  if (!isJobName(job.name)) {
    throw new UnrecoverableError(`unknown job "${job.name}"; known jobs are ${Object.keys(jobCatalog).join(', ')}`);
  }
  const name = job.name;
  const runId = typeof job.data?.runId === 'string' ? job.data.runId : undefined;
  const jobLog = log.child({ job: name, jobId: job.id, runId, attempt: job.attemptsMade + 1 });
  let payload: JobPayload<typeof name>;
  try {
    payload = parsePayload(name, job.data);
  } catch (e) {
    jobLog.error({ err: e }, 'job payload rejected');
    if (runId)
      await failRunIfRunning(env.store.db, runId, messageOf(e)).catch((bookkeeping) =>
        jobLog.warn({ err: bookkeeping }, 'run failure not recorded'),
      );
    throw e;
  }
  return (jobHandlers[name] as Handler<typeof name>)(payload as never, job, env, jobLog);
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export interface Workers {
  workers: Worker[];
  queues: Queues;
  /** Stops taking jobs, lets the current ones finish, closes the connections. */
  close(): Promise<void>;
}

/** Starts one worker per queue in this process. The store stays the caller's to close. */
export async function startWorkers(config: Config, store: Store, opts: WorkerOptions = {}): Promise<Workers> {
  const { REDIS_URL } = requireService(config);
  const log = opts.log ?? logger;
  const connection = opts.connection ?? redisConnection(REDIS_URL, 'worker');
  const queues = await openQueues(config, { connection, log });
  const onConnectionError = connectionErrorLogger(log, 'worker');
  const env: JobEnv = { config, store, queues, retry: opts.retry ?? {} };
  const make = (name: QueueName) => {
    const worker = new Worker(name, (job) => processJob(job, env, log), {
      connection,
      prefix: config.PULSE_QUEUE_PREFIX,
      concurrency: opts.concurrency ?? 1,
      // BullMQ takes an explicit undefined as a value, not as "use the default".
      ...definedOnly({ lockDuration: opts.lockDuration, stalledInterval: opts.stalledInterval, maxStalledCount: opts.maxStalledCount }),
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = Boolean(job.finishedOn);
      log.warn(
        { queue: name, job: job.name, jobId: job.id, runId: job.data?.runId, attempt: job.attemptsMade, final, err },
        final ? 'job failed' : 'job failed, will retry',
      );
      // Covers failures the processor never saw, e.g. a job that stalled too often.
      if (final && typeof job.data?.runId === 'string') {
        failRunIfRunning(store.db, job.data.runId, `${job.name}: ${err.message}`).catch((bookkeeping) =>
          log.warn({ err: bookkeeping }, 'run failure not recorded'),
        );
      }
    });
    worker.on('stalled', (jobId) => log.warn({ queue: name, jobId }, 'job stalled: its worker died or hung; handed to another worker'));
    // Connection errors are retried by ioredis; log them instead of crashing.
    worker.on('error', onConnectionError);
    return worker;
  };
  // Inline runs of processes that died on this host are ended here too, as by `pulse status`.
  await failDeadInlineRuns(store).catch((e) => log.warn({ err: e }, 'could not check for dead inline runs'));
  const workers = [make('pipeline'), make('control')];
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info({ prefix: config.PULSE_QUEUE_PREFIX, concurrency: opts.concurrency ?? 1 }, 'workers started');
  let closing: Promise<void> | undefined;
  return {
    workers,
    queues,
    close() {
      closing ??= (async () => {
        await Promise.allSettled(workers.map((w) => w.close()));
        await queues.close();
        if (!opts.connection) connection.disconnect();
      })();
      return closing;
    },
  };
}
