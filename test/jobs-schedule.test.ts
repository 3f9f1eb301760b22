// Schedules and the CLI: `pulse schedule` is idempotent, a cron a few seconds ahead fires
// one run per tick, `pulse trigger` queues runs (a backfill is one run per week) and --wait
// exits non-zero when a run fails.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { readRun, waitForRuns } from '../src/db/runs-repo.ts';
import { openQueues, type Queues } from '../src/jobs/queues.ts';
import { listSchedules, removeSchedules, upsertSchedules } from '../src/jobs/scheduler.ts';
import { startWorkers, type Workers } from '../src/jobs/worker.ts';
import { freshDatabase } from './support/db.ts';
import { inboxWith } from './support/inbox.ts';
import { configEnv, dropQueueKeys, fastRetry, fastWorker, repoRoot, serviceConfig, waitFor } from './support/jobs.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

/** A port nothing listens on: one the OS handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function pulse(config: Config, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['src/cli/main.js', ...args],
      { cwd: repoRoot, env: { ...process.env, ...configEnv(config), LOG_LEVEL: 'warn' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('schedules', () => {
  let db: Db;
  let queues: Queues;
  let workers: Workers[] = [];
  let cfg: Config;
  const inbox = inboxWith({});

  beforeAll(async () => {
    db = await freshDatabase();
    cfg = serviceConfig(db.url, {
      INBOX_DIR: inbox.inbox,
      ARCHIVE_DIR: inbox.archive,
      PULSE_TIMEZONE: 'Europe/Berlin',
      ETL_CRON: '30 2 * * *',
      DIGEST_CRON: '0 7 * * 1',
      ALERT_CRON: '15 6 * * *',
    });
    queues = await openQueues(cfg);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await queues?.close();
    await dropQueueKeys(cfg.REDIS_URL!, cfg.PULSE_QUEUE_PREFIX);
    await db?.drop();
  });

  it('`pulse schedule` twice leaves one schedule each, in PULSE_TIMEZONE', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await pulse(cfg, ['schedule']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/nightly-etl\s+30 2 \* \* \*\s+Europe\/Berlin\s+next \d{4}-/);
    }
    const list = await listSchedules(queues);
    // listed by next run: sorted by key here, since which of ETL and alerts comes next depends on the hour
    expect(
      list
        .map((s) => [s.key, s.pattern, s.tz, s.template?.data?.trigger, s.template?.data?.stages])
        .sort((a, b) => a[0].localeCompare(b[0])),
    ).toEqual([
      ['alerts', '15 6 * * *', 'Europe/Berlin', 'schedule:alerts', ['alerts']],
      ['nightly-etl', '30 2 * * *', 'Europe/Berlin', 'schedule:etl', ['ingest', 'kpis', 'models', 'clusters']],
      ['weekly-digest', '0 7 * * 1', 'Europe/Berlin', 'schedule:digest', ['digest']],
    ]);
    // The digest fires on a Monday at 07:00 Berlin time.
    const next = new Date(list.find((s) => s.key === 'weekly-digest')!.next!);
    const berlin = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(next);
    expect(berlin).toBe('Mon 07:00');
    // Exactly one waiting tick per schedule.
    expect(await queues.control.getJobCountByTypes('delayed')).toBe(3);
    await removeSchedules(queues);
    expect(await listSchedules(queues)).toEqual([]);
  });

  it('a cron with a seconds field fires one run per tick, however many workers listen', async () => {
    workers = await Promise.all([startWorkers(cfg, db.store, fastWorker), startWorkers(cfg, db.store, fastWorker)]);
    const started = Date.now();
    await upsertSchedules(queues, cfg, {
      patterns: { 'nightly-etl': '*/2 * * * * *', 'weekly-digest': '0 0 1 1 *', alerts: '0 0 1 1 *' },
      retry: fastRetry,
    });
    await new Promise((r) => setTimeout(r, 7_000));
    await removeSchedules(queues);
    const stopped = Date.now();

    const ticks = await waitFor(
      async () => {
        const [completed, waiting] = await Promise.all([
          queues.control.getJobs(['completed']),
          queues.control.getJobCountByTypes('active', 'wait', 'delayed'),
        ]);
        return waiting === 0 ? completed : undefined;
      },
      'the scheduled start-run jobs to finish',
      15_000,
    );
    const tickTimes = ticks.map((j) => Number(j.id!.split(':').at(-1))).sort((a, b) => a - b);
    // Every tick is a 2 s boundary inside the window, none repeated, none skipped.
    expect(tickTimes.length).toBeGreaterThanOrEqual(3);
    expect(tickTimes.length).toBeLessThanOrEqual(4);
    expect(new Set(tickTimes).size).toBe(tickTimes.length);
    for (const t of tickTimes) {
      expect(t % 2_000).toBe(0);
      expect(t).toBeGreaterThan(started - 2_000);
      expect(t).toBeLessThanOrEqual(stopped);
    }
    for (let i = 1; i < tickTimes.length; i++) expect(tickTimes[i]! - tickTimes[i - 1]!).toBe(2_000);

    const runIds = ticks.map((j) => (j.returnvalue as { runId: string }).runId);
    expect(new Set(runIds).size).toBe(ticks.length);
    const runs = await waitForRuns(db.store.db, runIds, { pollMs: 100, timeoutMs: 30_000 });
    expect(runs.map((r) => [r.trigger, r.state, r.stages.map((s) => s.stage).join(',')])).toEqual(
      runs.map(() => ['schedule:etl', 'succeeded', 'ingest,kpis,models,clusters']),
    );
    const all = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ops.pipeline_runs WHERE trigger = 'schedule:etl'`.execute(
      db.store.db,
    );
    expect(all.rows[0]!.n).toBe(ticks.length);
    console.info(`scheduler: ${ticks.length} ticks in ${stopped - started} ms → ${runs.length} runs, all succeeded`);
  });

  it('`pulse trigger digest --period A..B --wait` backfills one run per week; a failing run exits non-zero', async () => {
    const r = await pulse(cfg, ['trigger', 'digest', '--period', '2026-W40..2026-W42', '--wait']);
    expect(r.code, r.stderr).toBe(0);
    const runIds = r.stdout.split('\n').filter((l) => /^[0-9a-f-]{36}$/.test(l));
    expect(runIds).toHaveLength(3);
    expect(r.stdout).toMatch(new RegExp(`run ${runIds[2]} succeeded`));
    const periods = await Promise.all(runIds.map(async (id) => (await readRun(db.store.db, id))!));
    expect(periods.map((p) => [p.period, p.state, p.stages.map((s) => `${s.stage}:${s.state}`).join()])).toEqual([
      ['2026-W40', 'succeeded', 'digest:succeeded'],
      ['2026-W41', 'succeeded', 'digest:succeeded'],
      ['2026-W42', 'succeeded', 'digest:succeeded'],
    ]);

    // An archive dir that cannot be created: ingest fails on every attempt.
    await Promise.all(workers.map((w) => w.close()));
    const blocker = join(mkdtempSync(join(tmpdir(), 'pulse-block-')), 'file');
    writeFileSync(blocker, '');
    const bad = {
      ...cfg,
      INBOX_DIR: inboxWith({ 'influencers.csv': 'id,name,category,gender,follower_count,platform\n1,@ann,Fitness,Female,1000,IG\n' }).inbox,
      ARCHIVE_DIR: join(blocker, 'archive'),
    };
    workers = [await startWorkers(bad, db.store, fastWorker)];
    const failed = await pulse(bad, ['trigger', 'ingest,kpis', '--wait', '--attempts', '1']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/failed: ingest: ENOTDIR/);

    const usage = await pulse(cfg, ['trigger', 'digest', '--period', '2026-W60']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/2026-W60/);
    const noRedis = await pulse({ ...cfg, REDIS_URL: undefined }, ['trigger', 'pipeline']);
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr.trim()).toMatch(
      /^pulse: set REDIS_URL \(e\.g\. redis:\/\/127\.0\.0\.1:6379\): queues and workers need Redis and Postgres$/,
    );
    // A store that is down: one line naming it, within seconds, not a wait forever or a stack.
    const closed = await closedPort();
    const redisDown = await pulse({ ...cfg, REDIS_URL: `redis://127.0.0.1:${closed}` }, ['trigger', 'kpis']);
    expect(redisDown.code).toBe(1);
    expect(redisDown.stderr.trim().split('\n').at(-1)).toBe(
      `pulse: Redis at redis://127.0.0.1:${closed} cannot be reached (connect ECONNREFUSED 127.0.0.1:${closed}; gave up after 4 tries)`,
    );
    const pgDown = await pulse({ ...cfg, DATABASE_URL: `postgres://pulse:secret@127.0.0.1:${closed}/x` }, ['trigger', 'kpis']);
    expect(pgDown.code).toBe(1);
    expect(pgDown.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^pulse: Postgres at postgres://pulse:\\*\\*\\*@127\\.0\\.0\\.1:${closed}/x cannot be reached \\(connect ECONNREFUSED [^)]+\\)$`,
      ),
    );
    const bothDown = await pulse({ ...cfg, DATABASE_URL: `postgres://127.0.0.1:${closed}/x`, REDIS_URL: `redis://127.0.0.1:${closed}` }, [
      'trigger',
      'kpis',
    ]);
    expect(bothDown.code).toBe(1);
    expect(bothDown.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^pulse: Postgres at postgres://127\\.0\\.0\\.1:${closed}/x cannot be reached \\(.+\\); and Redis at redis://127\\.0\\.0\\.1:${closed} cannot be reached \\(.+; gave up after 4 tries\\)$`,
      ),
    );
  });
});
