// Runs on BullMQ: overlapping triggers load once; failures end the run and show in status.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readRun, waitForRuns } from '../src/db/runs-repo.ts';
import { parsePayload } from '../src/jobs/catalog.ts';
import { enqueueRun, stageJobId } from '../src/jobs/flow.ts';
import { openQueues, type Queues } from '../src/jobs/queues.ts';
import { startWorkers, type Workers } from '../src/jobs/worker.ts';
import { ingest, kpis } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { dataRows, type GeneratedInbox, generatedInbox } from './support/generated.ts';
import { coreSnapshot, dropQueueKeys, fastRetry, fastWorker, repoRoot, serviceConfig } from './support/jobs.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

describe('runs on BullMQ', () => {
  let db: Db;
  let reference: Db;
  let queues: Queues;
  let workers: Workers[] = [];
  // 2,500 generated orders of 50 influencers: four files.
  const dataset = { orders: 2500, seed: 1, influencers: 50 };
  let inbox: GeneratedInbox;
  const config = () => serviceConfig(db.url, { INBOX_DIR: inbox.inbox, ARCHIVE_DIR: inbox.archive });
  let cfg: ReturnType<typeof config>;

  beforeAll(async () => {
    [db, reference] = await Promise.all([freshDatabase(), freshDatabase()]);
    inbox = await generatedInbox(dataset);
    cfg = config();
    queues = await openQueues(cfg);
    // Two worker "machines", each willing to run two jobs at once.
    workers = await Promise.all([
      startWorkers(cfg, db.store, { ...fastWorker, concurrency: 2 }),
      startWorkers(cfg, db.store, { ...fastWorker, concurrency: 2 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await queues?.close();
    await dropQueueKeys(cfg.REDIS_URL!, cfg.PULSE_QUEUE_PREFIX);
    await Promise.all([db?.drop(), reference?.drop()]);
  });

  it('two triggers of the same pipeline at once load the inbox once: core tables equal one inline load', async () => {
    await ingest(reference.store, await generatedInbox(dataset));
    await kpis(reference.store);
    const expected = await coreSnapshot(reference.store);

    const request = { stages: ['ingest', 'kpis'] as const, trigger: 'test' };
    // Not coalesced: two separate runs racing for the same inbox.
    const trigger = () => enqueueRun(db.store.db, queues, { ...request, stages: [...request.stages] }, { tuning: fastRetry });
    const runIds = (await Promise.all([trigger(), trigger()])).map((r) => r.runId);
    const runs = await waitForRuns(db.store.db, runIds, { pollMs: 100, timeoutMs: 60_000 });

    expect(runs.map((r) => r.state)).toEqual(['succeeded', 'succeeded']);
    const snapshot = await coreSnapshot(db.store);
    expect(snapshot).toEqual(expected);
    expect(snapshot).toMatchObject({ orders: dataRows(`${inbox.source}/orders.csv`), files: 4, distinct_files: 4 });
    // One run loaded the files, the other found nothing new.
    const ingestRows = runs.map((r) => r.stages.find((s) => s.stage === 'ingest')!.rows).sort((a, b) => a! - b!);
    expect(ingestRows).toEqual([0, inbox.names.reduce((n, f) => n + dataRows(`${inbox.source}/${f}`), 0)]);
    // The stages of the two runs never overlapped (the pipeline queue runs one stage at a time).
    const spans = runs
      .flatMap((r) => r.stages.map((s) => [Date.parse(s.startedAt), Date.parse(s.finishedAt!)] as const))
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1] - 5);
  });

  it('200 runs queued at once (no coalescing) all succeed and the queue drains', async () => {
    const before = await queues.pipeline.getCompletedCount();
    const started = Date.now();
    const runIds: string[] = [];
    for (let i = 0; i < 200; i += 25) {
      const batch = Array.from({ length: 25 }, () =>
        enqueueRun(db.store.db, queues, { stages: ['ingest', 'clusters'], trigger: 'load' }, { tuning: fastRetry }),
      );
      runIds.push(...(await Promise.all(batch)).map((r) => r.runId));
    }
    const runs = await waitForRuns(db.store.db, runIds, { pollMs: 250, timeoutMs: 90_000 });
    expect(runs.filter((r) => r.state === 'succeeded' && r.stages.length === 2)).toHaveLength(200);
    expect(await queues.pipeline.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed', 'waiting-children')).toEqual({
      completed: before + 400,
      failed: 0,
      active: 0,
      wait: 0,
      delayed: 0,
      'waiting-children': 0,
    });
    console.info(`200 separate runs (ingest → clusters) on 2 workers: ${Date.now() - started} ms`);
  });

  it('a run whose stage keeps failing ends failed, with its error, and later stages never start', async () => {
    // An archive path under a regular file: every attempt loads (or finds loaded) and then cannot move the file.
    const blocker = join(mkdtempSync(join(tmpdir(), 'pulse-block-')), 'not-a-dir');
    writeFileSync(blocker, '');
    const badInbox = await generatedInbox(dataset);
    const bad = { ...cfg, INBOX_DIR: badInbox.inbox, ARCHIVE_DIR: join(blocker, 'archive') };
    const w = await startWorkers(bad, db.store, { ...fastWorker, concurrency: 1 });
    // Workers of the first test are paused so only the misconfigured one takes this run.
    await Promise.all(workers.flatMap((x) => x.workers.map((wk) => wk.pause())));
    try {
      const { runId } = await enqueueRun(
        db.store.db,
        queues,
        { stages: ['ingest', 'kpis'], trigger: 'test' },
        { tuning: { attempts: 3, backoffMs: 100 } },
      );
      const [run] = await waitForRuns(db.store.db, [runId], { pollMs: 100, timeoutMs: 30_000 });
      expect(run!.state).toBe('failed');
      expect(run!.error).toMatch(/^ingest: .*ENOTDIR/);
      expect(run!.stages.map((s) => [s.stage, s.state])).toEqual([['ingest', 'failed']]);
      const job = await queues.pipeline.getJob(stageJobId(runId, 'ingest'));
      expect(job!.attemptsMade).toBe(3);
      expect(await queues.pipeline.getJobState(stageJobId(runId, 'kpis'))).toBe('failed');

      // `pulse status` (reading the ops tables) shows it.
      const { stdout } = await promisify(execFile)(process.execPath, ['src/cli/main.js', 'status', '--limit', '3'], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: inject('redisUrl'), LOG_LEVEL: 'warn' },
      });
      expect(stdout).toContain(`failed    ${runId}`);
      expect(stdout).toMatch(/error: ingest: .*ENOTDIR/);
      expect(await readRun(db.store.db, runId)).toMatchObject({ state: 'failed' });
    } finally {
      await w.close();
      await Promise.all(workers.flatMap((x) => x.workers.map((wk) => wk.resume())));
    }
  });

  it('input no retry can fix fails at once (UnrecoverableError) and ends the run', async () => {
    expect(() =>
      parsePayload('digest', { runId: 'x', trigger: 't', stages: ['digest'], period: '2026-W60', requestedAt: new Date().toISOString() }),
    ).toThrow(/invalid payload: period: period "2026-W60" does not exist \(2026 has no week 60\)/);
    // A job with a bad period and one with an unknown name, added behind the producer's back.
    const runId = 'bad-input-run';
    await db.store.db.insertInto('ops.pipeline_runs').values({ run_id: runId, trigger: 'test', state: 'running' }).execute();
    const data = { runId, trigger: 'test', stages: ['digest'], period: '2026-W60', requestedAt: new Date().toISOString() };
    const badPeriod = await queues.pipeline.add('digest', data, { attempts: 5, backoff: { type: 'exponential', delay: 100 } });
    const unknown = await queues.pipeline.add('explode', { runId: 'other' }, { attempts: 5 });
    for (const job of [badPeriod, unknown]) {
      const state = await waitForState(queues, job.id!, 'failed');
      expect(state).toBe('failed');
    }
    const failedBadPeriod = (await queues.pipeline.getJob(badPeriod.id!))!;
    expect(failedBadPeriod.attemptsMade).toBe(1);
    expect(failedBadPeriod.failedReason).toMatch(/2026 has no week 60/);
    expect((await queues.pipeline.getJob(unknown.id!))!.failedReason).toMatch(/unknown job "explode"; known jobs are start-run, ingest/);
    expect(await readRun(db.store.db, runId)).toMatchObject({ state: 'failed', error: expect.stringMatching(/2026 has no week 60/) });
  });
});

async function waitForState(queues: Queues, jobId: string, wanted: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < deadline) {
    state = await queues.pipeline.getJobState(jobId);
    if (state === wanted) return state;
    await new Promise((r) => setTimeout(r, 50));
  }
  return state;
}
