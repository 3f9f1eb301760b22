// One run lifecycle: parameters checked before anything touches data, and a run whose process
// was killed does not stay "running": the next `pulse status` (or run, or worker) fails it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun, startRun } from '../src/db/runs-repo.ts';
import { failDeadInlineRuns } from '../src/stages/run.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox } from './support/generated.ts';

const root = join(import.meta.dirname, '..');
const env = (over: Record<string, string>) => ({ PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: 'warn', ...over });
const pulse = (args: string[], over: Record<string, string>) =>
  spawnSync(process.execPath, ['src/cli/main.js', ...args], { cwd: root, env: env(over), encoding: 'utf8', timeout: 120_000 });

describe('run parameters are checked before any stage touches data', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db?.drop());

  it('pulse run --period 2026-W60 --inbox DIR exits non-zero with one line and leaves DIR as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-badperiod-'));
    writeFileSync(join(dir, 'influencers.csv'), 'ID,name,category,gender,follower_count,platform\n1,Ana,Fitness,Female,1200,Instagram\n');
    const r = pulse(['run', '--period', '2026-W60', '--inbox', dir], { DATABASE_URL: db.url, ARCHIVE_DIR: join(dir, '..', 'archive') });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'pulse: invalid run: period: period "2026-W60" does not exist (2026 has no week 60), or "latest"',
    ]);
    expect(readdirSync(dir)).toEqual(['influencers.csv']);
  });

  it('an unknown stage, an inbox that does not exist, or a bad recipient: one line each, nothing run', async () => {
    const missing = join(tmpdir(), 'pulse-no-such-inbox');
    const cases: [string[], RegExp][] = [
      [
        ['run', '--stages', 'ingest,cook'],
        /^pulse: stages "ingest,cook": 1: must be one of ingest, kpis, alerts, models, clusters, digest; or "pipeline" for all$/,
      ],
      [['run', '--inbox', missing], /^pulse: --inbox \/tmp\/pulse-no-such-inbox does not exist$/],
      [['digest', '--to', 'not-an-address'], /^pulse: invalid run: to\.0: must be an e-mail address$/],
    ];
    for (const [args, message] of cases) {
      const r = pulse(args, { DATABASE_URL: db.url });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(message)]);
    }
    const runs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ops.pipeline_runs`.execute(db.store.db);
    expect(runs.rows[0]!.n).toBe(0);
  });
});

describe('a run that fails before its digest', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db?.drop());

  it('exits with the failure at once: the renderer it started for the digest ends with it', async () => {
    const inbox = await generatedInbox({ orders: 5_000, seed: 6 });
    // a table the kpis stage writes, gone: the run fails in its second stage, the renderer already started
    await sql`DROP TABLE core.holdout_stats`.execute(db.store.db);
    const started = Date.now();
    const r = pulse(['run', '--inbox', inbox.inbox], {
      DATABASE_URL: db.url,
      ARCHIVE_DIR: inbox.archive,
      OUT_DIR: join(inbox.inbox, 'out'),
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/holdout_stats/);
    expect(Date.now() - started).toBeLessThan(60_000);
    const run = await sql<{ state: string; error: string }>`SELECT state, error FROM ops.pipeline_runs`.execute(db.store.db);
    expect(run.rows).toEqual([{ state: 'failed', error: expect.stringMatching(/^kpis: .*holdout_stats/) }]);
  });
});

describe('a killed inline run', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db?.drop());

  it('kill -9 during ingest: pulse status shows the run failed, with the reason', async () => {
    const inbox = await generatedInbox({ orders: 300_000, seed: 5 });
    const child = spawn(process.execPath, ['src/cli/main.js', 'run', '--inbox', inbox.inbox, '--stages', 'ingest,kpis'], {
      cwd: root,
      env: env({ DATABASE_URL: db.url, ARCHIVE_DIR: inbox.archive }),
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const running = async () =>
      (await sql`SELECT 1 FROM ops.stage_runs WHERE stage = 'ingest' AND state = 'running'`.execute(db.store.db)).rows.length > 0;
    while (!(await running())) {
      if (child.exitCode !== null) throw new Error('the run ended before it could be killed');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const [before] = (await sql<{ run_id: string; state: string }>`SELECT run_id, state FROM ops.pipeline_runs`.execute(db.store.db)).rows;
    expect(before!.state).toBe('running');

    const status = pulse(['status'], { DATABASE_URL: db.url });
    expect(status.status, status.stderr).toBe(0);
    const line = status.stdout.split('\n').find((l) => l.includes(before!.run_id))!;
    expect(line).toMatch(
      new RegExp(
        `failed .*error: the process running it \\(pid ${child.pid} on ${hostname()} pid:\\[\\d+\\]\\) ended without finishing the run`,
      ),
    );
    expect(status.stdout).toMatch(/ingest\s+failed .*ended without finishing the run/);
    expect(await readRun(db.store.db, before!.run_id)).toMatchObject({ state: 'failed', stages: [{ stage: 'ingest', state: 'failed' }] });
  });

  it('a run on another host that stopped beating is failed after the timeout; a live one is left alone', async () => {
    await startRun(db.store.db, { runId: 'silent-run', trigger: 'cli', owner: { host: 'elsewhere', pid: 1 } });
    await startRun(db.store.db, { runId: 'live-run', trigger: 'cli', owner: { host: 'elsewhere', pid: 2 } });
    await startRun(db.store.db, { runId: 'queued-run', trigger: 'http' });
    await sql`UPDATE ops.pipeline_runs SET heartbeat_at = now() - interval '10 minutes' WHERE run_id = 'silent-run'`.execute(db.store.db);
    expect(await failDeadInlineRuns(db.store)).toEqual(['silent-run']);
    expect((await readRun(db.store.db, 'silent-run'))!.error).toMatch(
      /^no heartbeat from its process \(pid 1 on elsewhere\) since .*: taken for dead$/,
    );
    expect((await readRun(db.store.db, 'live-run'))!.state).toBe('running');
    // queued runs belong to the queue (a dead worker's job is taken over): never failed here
    expect((await readRun(db.store.db, 'queued-run'))!.state).toBe('running');
  });
});
