// A worker killed in the middle of ingest: another worker takes the job over and the
// core tables hold exactly one clean load. A worker told to stop finishes its job first.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun, waitForRuns } from '../src/db/runs-repo.ts';
import { enqueueRun, stageJobId } from '../src/jobs/flow.ts';
import { openQueues, type Queues } from '../src/jobs/queues.ts';
import { startWorkers } from '../src/jobs/worker.ts';
import { ingest } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { type GeneratedInbox, generatedInbox } from './support/generated.ts';
import { inboxWith } from './support/inbox.ts';
import {
  coreSnapshot,
  dropQueueKeys,
  fastRetry,
  fastWorker,
  fileLoaded,
  loadStarted,
  serviceConfig,
  spawnWorker,
  type WorkerChild,
  waitFor,
  writeOrders,
} from './support/jobs.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

// Big enough that its load takes seconds, so the kill lands inside it.
const BIG_ORDERS = 150_000;

describe('a worker killed with SIGKILL in the middle of ingest', () => {
  let db: Db;
  let reference: Db;
  let queues: Queues;
  const children: WorkerChild[] = [];
  // 2,500 generated orders of influencers 1..50 (the ids writeOrders uses).
  const dataset = { orders: 2500, seed: 1, influencers: 50 };
  let inbox: GeneratedInbox;
  let cfg: ReturnType<typeof serviceConfig>;

  beforeAll(async () => {
    [db, reference] = await Promise.all([freshDatabase(), freshDatabase()]);
    inbox = await generatedInbox(dataset);
    cfg = serviceConfig(db.url, { INBOX_DIR: inbox.inbox, ARCHIVE_DIR: inbox.archive });
    queues = await openQueues(cfg);
  });
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await queues?.close();
    await dropQueueKeys(cfg.REDIS_URL!, cfg.PULSE_QUEUE_PREFIX);
    await Promise.all([db?.drop(), reference?.drop()]);
  });

  it('another worker finishes the run; one clean load', async () => {
    const big = await writeOrders(join(inbox.inbox, 'big-orders.csv'), BIG_ORDERS);
    // What one inline load of the generated files gives, plus the big file's rows.
    await ingest(reference.store, await generatedInbox(dataset));
    const base = await coreSnapshot(reference.store);

    const first = spawnWorker(cfg);
    children.push(first);
    await first.ready;
    const { runId } = await enqueueRun(db.store.db, queues, { stages: ['ingest', 'kpis'], trigger: 'test' }, { tuning: fastRetry });
    await waitFor(() => loadStarted(db.store, 'big-orders.csv'), 'the big file load to start', 30_000, 20);
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    // The kill landed inside the load: nothing of the big file was committed.
    expect(await fileLoaded(db.store, big.sha256)).toBe(false);
    expect((await readRun(db.store.db, runId))!.state).toBe('running');

    const killedAt = Date.now();
    const second = await startWorkers(cfg, db.store, fastWorker);
    try {
      const [run] = await waitForRuns(db.store.db, [runId], { pollMs: 100, timeoutMs: 60_000 });
      const tookOverMs = Date.now() - killedAt;
      expect(run!.state).toBe('succeeded');
      expect(run!.stages.map((s) => [s.stage, s.state])).toEqual([
        ['ingest', 'succeeded'],
        ['kpis', 'succeeded'],
      ]);
      const job = await queues.pipeline.getJob(stageJobId(runId, 'ingest'));
      // Started twice (killed, then taken over), stalled once, and the stall cost no retry.
      expect(job!.attemptsStarted).toBe(2);
      expect(job!.stalledCounter).toBe(1);
      expect(job!.attemptsMade).toBe(1);

      const snapshot = await coreSnapshot(db.store);
      expect(snapshot).toEqual({
        ...base,
        orders: base.orders + BIG_ORDERS,
        revenue: expect.closeTo(base.revenue + big.revenue, 2),
        day_rows: base.day_rows + BIG_ORDERS,
        users: expect.any(Number),
        files: base.files + 1,
        distinct_files: base.distinct_files + 1,
      });
      console.info(
        `SIGKILL test: ${BIG_ORDERS} rows, run finished ${tookOverMs} ms after the kill; orders ${snapshot.orders}, files ${snapshot.files}`,
      );
    } finally {
      await second.close();
    }
  });

  it('`pulse worker` on SIGTERM lets the current job finish, then exits 0', async () => {
    const next = inboxWith({});
    const big = await writeOrders(join(next.inbox, 'more-orders.csv'), 20_000);
    const local = { ...cfg, INBOX_DIR: next.inbox, ARCHIVE_DIR: next.archive };
    const worker = spawnWorker(local, { cli: true });
    children.push(worker);
    await worker.ready;
    const { runId } = await enqueueRun(db.store.db, queues, { stages: ['ingest', 'kpis'], trigger: 'test' }, { tuning: fastRetry });
    await waitFor(() => loadStarted(db.store, 'more-orders.csv'), 'the load to start', 30_000, 20);
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code, worker.output()).toBe(0);
    // The job in hand was finished and recorded; the next stage waits for another worker.
    expect(await fileLoaded(db.store, big.sha256)).toBe(true);
    const run = (await readRun(db.store.db, runId))!;
    expect(run.stages.map((s) => [s.stage, s.state])).toEqual([['ingest', 'succeeded']]);
    expect(await queues.pipeline.getJobState(stageJobId(runId, 'ingest'))).toBe('completed');
    const other = await startWorkers(local, db.store, fastWorker);
    try {
      const [done] = await waitForRuns(db.store.db, [runId], { pollMs: 100, timeoutMs: 30_000 });
      expect(done!.state).toBe('succeeded');
    } finally {
      await other.close();
    }
  });
});
