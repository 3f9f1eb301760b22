import { Redis } from 'ioredis';
import { type Config, redactCredentials } from '../config.ts';
import { ServiceConfigError, UnreachableError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { FlowProducer, Queue } from './bullmq.ts';
import type { QueueName } from './catalog.ts';

/** The service mode needs both stores; says which variable is missing, on one line. */
export function requireService(config: Config): Config & { DATABASE_URL: string; REDIS_URL: string } {
  const missing = [
    !config.REDIS_URL && 'REDIS_URL (e.g. redis://127.0.0.1:6379)',
    !config.DATABASE_URL && 'DATABASE_URL (e.g. postgres://user@host:5432/pulse)',
  ].filter(Boolean);
  if (missing.length) throw new ServiceConfigError(`set ${missing.join(' and ')}: queues and workers need Redis and Postgres`);
  return config as Config & { DATABASE_URL: string; REDIS_URL: string };
}

/**
 * Workers block on Redis and must ride out restarts, so their commands wait for the
 * connection instead of failing (`maxRetriesPerRequest: null`). Producers (CLI, HTTP)
 * fail after a few retries, so a request answers instead of hanging while Redis is down.
 * A one-shot command (`pulse trigger`, `schedule`, `subscriptions`) also stops reconnecting
 * after those tries (about 1 s): BullMQ waits for a connection until it ends, so without
 * an end the command would wait forever for a Redis that is down.
 */
export type RedisRole = 'worker' | 'producer' | 'command';
const COMMAND_TRIES = 4;

export function redisConnection(url: string, role: RedisRole): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    // Reconnect forever (a command: four times), backing off to 2 s between tries.
    retryStrategy: (times) => (role === 'command' && times >= COMMAND_TRIES ? null : Math.min(times * 200, 2_000)),
    connectionName: `campaign-pulse:${role}`,
  });
}

/**
 * Logs connection errors (ioredis reconnects by itself) at most once per kind every 10 s:
 * an outage should show in the log, not flood it. Without a listener BullMQ prints them raw.
 * Without `log`, the process logger, loaded with the first error: a producer (`pulse trigger`)
 * mostly has none to log, and starts without pino.
 */
export function connectionErrorLogger(log: Logger | undefined, source: string): (err: Error) => void {
  const last = new Map<string, number>();
  return (err) => {
    const now = Date.now();
    if (now - (last.get(err.message) ?? 0) < 10_000) return;
    last.set(err.message, now);
    if (log) log.warn({ source, err }, 'redis connection error; retrying');
    else void import('../logger.ts').then(({ logger }) => logger.warn({ source, err }, 'redis connection error; retrying'));
  };
}

export interface Queues {
  control: Queue;
  pipeline: Queue;
  flow: FlowProducer;
  prefix: string;
  connection: Redis;
  close(): Promise<void>;
}

/**
 * Opens the queues under PULSE_QUEUE_PREFIX. Stages of all runs share the `pipeline` queue
 * with a global concurrency of 1: two runs never load files or rebuild marts at the same
 * time, on any number of workers (ingest also locks in Postgres; this keeps kpis, which
 * clears the dirty-week list, from racing a load).
 */
export async function openQueues(config: Config, opts: { connection?: Redis; role?: RedisRole; log?: Logger } = {}): Promise<Queues> {
  const { REDIS_URL } = requireService(config);
  const connection = opts.connection ?? redisConnection(REDIS_URL, opts.role ?? 'producer');
  const prefix = config.PULSE_QUEUE_PREFIX;
  const make = (name: QueueName) => new Queue(name, { connection, prefix });
  const control = make('control');
  const pipeline = make('pipeline');
  const flow = new FlowProducer({ connection, prefix });
  const logError = connectionErrorLogger(opts.log, 'queue');
  let lastError: Error | undefined;
  const onError = (err: Error) => {
    lastError = err;
    logError(err);
  };
  control.on('error', onError);
  pipeline.on('error', onError);
  flow.on('error', onError);
  try {
    await pipeline.setGlobalConcurrency(1);
  } catch (e) {
    await Promise.allSettled([control.close(), pipeline.close(), flow.close()]);
    if (!opts.connection) connection.disconnect();
    // a command's connection ends after its last try: BullMQ then fails with "Connection is closed"
    if (opts.role !== 'command' || connection.status !== 'end') throw e;
    const why = lastError ? `${lastError.message}; ` : '';
    throw new UnreachableError(`Redis at ${redactCredentials(REDIS_URL)} cannot be reached (${why}gave up after ${COMMAND_TRIES} tries)`, {
      cause: lastError ?? e,
    });
  }
  return {
    control,
    pipeline,
    flow,
    prefix,
    connection,
    async close() {
      await Promise.allSettled([control.close(), pipeline.close(), flow.close()]);
      if (!opts.connection) connection.disconnect();
    },
  };
}
