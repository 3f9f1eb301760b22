// Outages during a run: Postgres unreachable in the middle of ingest (a TCP proxy cut),
// Redis restarted in the middle of ingest (a redis-server of this test's own).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/db/database.ts';
import { readRun, waitForRuns } from '../src/db/runs-repo.ts';
import { enqueueRun, stageJobId } from '../src/jobs/flow.ts';
import { openQueues, type Queues } from '../src/jobs/queues.ts';
import { startWorkers, type Workers } from '../src/jobs/worker.ts';
import { ingest } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { type GeneratedInbox, generatedInbox } from './support/generated.ts';
import {
  type CoreSnapshot,
  coreSnapshot,
  dropQueueKeys,
  fastRetry,
  fastWorker,
  fileLoaded,
  loadStarted,
  serviceConfig,
  type TcpProxy,
  tcpProxy,
  waitFor,
  writeOrders,
} from './support/jobs.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const BIG_ORDERS = 100_000;

// 2,500 generated orders of influencers 1..50 (the ids writeOrders uses).
const dataset = { orders: 2500, seed: 1, influencers: 50 };

/** What the run must leave: the generated files loaded once plus the big file's rows. */
function expectedAfter(base: CoreSnapshot, bigRevenue: number) {
  return {
    ...base,
    orders: base.orders + BIG_ORDERS,
    revenue: expect.closeTo(base.revenue + bigRevenue, 2),
    day_rows: base.day_rows + BIG_ORDERS,
    users: expect.any(Number),
    files: base.files + 1,
    distinct_files: base.distinct_files + 1,
  };
}

let reference: Db;
let base: CoreSnapshot;
beforeAll(async () => {
  reference = await freshDatabase();
  await ingest(reference.store, await generatedInbox(dataset));
  base = await coreSnapshot(reference.store);
});
afterAll(() => reference?.drop());

describe('Postgres unreachable during a stage', () => {
  let db: Db;
  let proxy: TcpProxy;
  let workerStore: Store;
  let queues: Queues;
  let workers: Workers | undefined;
  let cfg: ReturnType<typeof serviceConfig>;
  let inbox: GeneratedInbox;

  beforeAll(async () => {
    db = await freshDatabase();
    inbox = await generatedInbox(dataset);
    proxy = await tcpProxy(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    // The worker reaches Postgres only through the proxy; the test reads it directly.
    cfg = serviceConfig(viaProxy.toString(), { INBOX_DIR: inbox.inbox, ARCHIVE_DIR: inbox.archive });
    workerStore = openStore({ databaseUrl: cfg.DATABASE_URL, dataDir: '' });
    queues = await openQueues(cfg);
  });
  afterAll(async () => {
    await workers?.close();
    await workerStore?.close();
    await proxy?.close();
    await queues?.close();
    await dropQueueKeys(cfg.REDIS_URL!, cfg.PULSE_QUEUE_PREFIX);
    await db?.drop();
  });

  it('the job retries with backoff and succeeds once Postgres is back; nothing half-written', async () => {
    const big = await writeOrders(join(inbox.inbox, 'big-orders.csv'), BIG_ORDERS);
    workers = await startWorkers(cfg, workerStore, fastWorker);
    const { runId } = await enqueueRun(db.store.db, queues, { stages: ['ingest', 'kpis'], trigger: 'test' }, { tuning: fastRetry });
    await waitFor(() => loadStarted(db.store, 'big-orders.csv'), 'the big file load to start', 30_000, 20);
    await proxy.cut();
    const cutAt = Date.now();
    // While it is down the job fails and is retried with growing delays.
    const job = await waitFor(
      async () => {
        const j = await queues.pipeline.getJob(stageJobId(runId, 'ingest'));
        return j && j.attemptsMade >= 2 ? j : undefined;
      },
      'two failed attempts',
      15_000,
    );
    expect(job.failedReason).toMatch(/ECONNREFUSED|Connection terminated|connection|socket|ended/i);
    expect(await fileLoaded(db.store, big.sha256)).toBe(false);
    expect((await readRun(db.store.db, runId))!.state).toBe('running');
    await new Promise((r) => setTimeout(r, Math.max(0, 2_000 - (Date.now() - cutAt))));
    await proxy.restore();

    const [run] = await waitForRuns(db.store.db, [runId], { pollMs: 100, timeoutMs: 60_000 });
    expect(run!.state).toBe('succeeded');
    expect(run!.error).toBeNull();
    expect(run!.stages.map((s) => [s.stage, s.state])).toEqual([
      ['ingest', 'succeeded'],
      ['kpis', 'succeeded'],
    ]);
    const done = (await queues.pipeline.getJob(stageJobId(runId, 'ingest')))!;
    expect(done.attemptsMade).toBeGreaterThanOrEqual(3);
    expect(await coreSnapshot(db.store)).toEqual(expectedAfter(base, big.revenue));
    console.info(`Postgres outage: ingest took ${done.attemptsMade} attempts, down for ${Date.now() - cutAt} ms before the run ended`);
  });
});

describe('Redis restarted during a run', () => {
  let db: Db;
  let redis: OwnRedis;
  let queues: Queues;
  let workers: Workers | undefined;
  let cfg: ReturnType<typeof serviceConfig>;
  let inbox: GeneratedInbox;

  beforeAll(async () => {
    db = await freshDatabase();
    inbox = await generatedInbox(dataset);
    redis = await ownRedis();
    cfg = { ...serviceConfig(db.url, { INBOX_DIR: inbox.inbox, ARCHIVE_DIR: inbox.archive }), REDIS_URL: redis.url };
    queues = await openQueues(cfg);
  });
  afterAll(async () => {
    await workers?.close();
    await queues?.close();
    await redis?.stop();
    await db?.drop();
  });

  it('the worker reconnects and the run completes', async () => {
    const big = await writeOrders(join(inbox.inbox, 'big-orders.csv'), BIG_ORDERS);
    // A production-like lock (10 s) outlives the outage, so the job is not handed over.
    workers = await startWorkers(cfg, db.store, { ...fastWorker, lockDuration: 10_000, stalledInterval: 5_000 });
    const { runId } = await enqueueRun(db.store.db, queues, { stages: ['ingest', 'kpis'], trigger: 'test' }, { tuning: fastRetry });
    await waitFor(() => loadStarted(db.store, 'big-orders.csv'), 'the big file load to start', 30_000, 20);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    await redis.start();

    const [run] = await waitForRuns(db.store.db, [runId], { pollMs: 100, timeoutMs: 60_000 });
    expect(run!.state).toBe('succeeded');
    expect(run!.stages.map((s) => [s.stage, s.state])).toEqual([
      ['ingest', 'succeeded'],
      ['kpis', 'succeeded'],
    ]);
    expect(await coreSnapshot(db.store)).toEqual(expectedAfter(base, big.revenue));
    expect(redis.starts).toBe(2);
    // The queue is healthy after the restart: nothing failed, nothing left behind.
    expect(await queues.pipeline.getJobCounts('failed', 'active', 'wait', 'delayed', 'waiting-children')).toEqual({
      failed: 0,
      active: 0,
      wait: 0,
      delayed: 0,
      'waiting-children': 0,
    });
  });
});

interface OwnRedis {
  url: string;
  starts: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server on a free port with an append-only file, so a restart keeps the queue. */
async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pulse-redis-'));
  let proc: ChildProcess | undefined;
  const self: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    starts: 0,
    async start() {
      proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir],
        { stdio: 'ignore' },
      );
      self.starts++;
      await waitFor(
        async () => {
          const probe = new Redis(self.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
          probe.on('error', () => {});
          try {
            await probe.connect();
            return (await probe.ping()) === 'PONG';
          } catch {
            return false;
          } finally {
            probe.disconnect();
          }
        },
        'redis-server to accept connections',
        10_000,
        50,
      );
    },
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    },
  };
  await self.start();
  return self;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
