// The HTTP API: bearer token on everything but /health, zod-validated run requests, runs
// followed to completion, and a burst of 200 requests that leaves the queue healthy.
import { execFile } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import type { RunView } from '../src/db/runs-repo.ts';
import { buildServer } from '../src/http/server.ts';
import { openQueues, type Queues } from '../src/jobs/queues.ts';
import { startWorkers, type Workers } from '../src/jobs/worker.ts';
import { freshDatabase } from './support/db.ts';
import { dataRows, type GeneratedInbox, generatedInbox } from './support/generated.ts';
import { configEnv, dropQueueKeys, fastRetry, fastWorker, repoRoot, serviceConfig, waitFor } from './support/jobs.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const TOKEN = 'test-token-0123456789abcdef';
const BURST = 200;

describe('HTTP API', () => {
  let db: Db;
  let cfg: Config;
  let queues: Queues;
  let workers: Workers[] = [];
  let app: FastifyInstance;
  let base: string;
  let inbox: GeneratedInbox;
  // What the first run loads: every data row of the generated files.
  let rowsIn: (file: string) => number;

  const call = async (method: string, path: string, opts: { token?: string | null; body?: unknown; raw?: string } = {}) => {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? TOKEN : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('application/json') ? JSON.parse(text) : undefined;
    return { status: res.status, json, text, headers: res.headers };
  };
  const follow = (runId: string, timeoutMs = 60_000) =>
    waitFor(
      async () => {
        const r = await call('GET', `/runs/${runId}`);
        return r.json.state !== 'running' ? (r.json as RunView) : undefined;
      },
      `run ${runId} to end`,
      timeoutMs,
      100,
    );

  beforeAll(async () => {
    db = await freshDatabase();
    inbox = await generatedInbox({ orders: 2500, seed: 1, influencers: 50 });
    rowsIn = (file) => dataRows(`${inbox.source}/${file}`);
    cfg = serviceConfig(db.url, { INBOX_DIR: inbox.inbox, ARCHIVE_DIR: inbox.archive, PULSE_API_TOKEN: TOKEN });
    queues = await openQueues(cfg);
    workers = await Promise.all([
      startWorkers(cfg, db.store, { ...fastWorker, concurrency: 4 }),
      startWorkers(cfg, db.store, { ...fastWorker, concurrency: 4 }),
    ]);
    app = await buildServer({ config: cfg, store: db.store, queues, retry: fastRetry });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all(workers.map((w) => w.close()));
    await queues?.close();
    await dropQueueKeys(cfg.REDIS_URL!, cfg.PULSE_QUEUE_PREFIX);
    await db?.drop();
  });

  it('refuses to start without PULSE_API_TOKEN', async () => {
    await expect(buildServer({ config: { ...cfg, PULSE_API_TOKEN: undefined }, store: db.store, queues })).rejects.toThrow(
      /set PULSE_API_TOKEN/,
    );
    const { PULSE_API_TOKEN: _, ...env } = configEnv(cfg);
    const out = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['src/cli/main.js', 'serve'],
        { cwd: repoRoot, env: { ...process.env, ...env, PULSE_API_TOKEN: '', LOG_LEVEL: 'warn' } },
        (err, _o, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toBe('pulse: set PULSE_API_TOKEN (at least 16 characters): the HTTP API refuses to start without a token');
  });

  it("needs the bearer token everywhere but /health and the board's login", async () => {
    const health = await call('GET', '/health', { token: null });
    expect(health).toMatchObject({ status: 200, json: { status: 'ok', db: 'ok', redis: 'ok' } });
    for (const [method, path] of [
      ['POST', '/runs'],
      ['GET', '/runs/x'],
      ['GET', '/runs'],
      ['GET', '/admin/queues'],
      ['GET', '/nowhere'],
    ] as const) {
      // with no credentials at all the board sends a browser to its login form (test/http-board.test.ts)
      for (const token of path.startsWith('/admin/') ? ['wrong-token-0123456789'] : [null, 'wrong-token-0123456789']) {
        const r = await call(method, path, { token, body: method === 'POST' ? {} : undefined });
        expect([path, r.status, r.json]).toEqual([
          path,
          401,
          { error: 'unauthorized', details: 'send the header "Authorization: Bearer <PULSE_API_TOKEN>"' },
        ]);
      }
    }
    const board = await call('GET', '/admin/queues');
    expect(board.status).toBe(200);
    expect(board.text).toMatch(/<html/i);
    const api = await call('GET', '/admin/queues/api/queues');
    expect(api.status).toBe(200);
    expect(api.json.queues.map((q: { name: string }) => q.name).sort()).toEqual(['control', 'pipeline']);
    expect(await call('GET', '/nowhere')).toMatchObject({ status: 404, json: { error: 'not found', details: 'no route GET /nowhere' } });
    expect(await call('GET', '/runs/no-such-run')).toMatchObject({
      status: 404,
      json: { error: 'not found', details: 'no run with id no-such-run' },
    });
  });

  it('rejects a bad run request with 400 and says what is wrong', async () => {
    const cases: [unknown, RegExp][] = [
      [{ stages: ['ingest', 'bogus'] }, /^stages\.1: must be one of ingest, kpis, alerts, models, clusters, digest$/],
      [{ stages: [] }, /^stages: name at least one stage$/],
      [{ period: '2026-W99' }, /^period: period "2026-W99" does not exist \(2026 has no week 99\), or "latest"$/],
      [{ period: 'last week' }, /^period: period "last week" is not an ISO week; use the form 2026-W46, or "latest"$/],
      [{ stages: 'kpis' }, /^stages: /],
      [{ rebuild: 'yes' }, /^rebuild: .*boolean/],
      [{ inbox: '/etc' }, /Unrecognized key: "inbox"/],
    ];
    for (const [body, details] of cases) {
      const r = await call('POST', '/runs', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toBe('invalid run request');
      expect(r.json.details).toMatch(details);
    }
    const broken = await call('POST', '/runs', { raw: '{"stages": [' });
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({ error: 'bad request', details: expect.stringMatching(/JSON/i) });
    // Nothing was queued for any of them.
    expect(Number((await sql<{ n: number }>`SELECT count(*) AS n FROM ops.pipeline_runs`.execute(db.store.db)).rows[0]!.n)).toBe(0);
  });

  it('queues a run (202 + run id) and GET /runs/:id follows it to completion', async () => {
    const posted = await call('POST', '/runs', { body: { period: 'latest' } });
    expect(posted.status).toBe(202);
    expect(posted.json).toEqual({ runId: expect.stringMatching(/^[0-9a-f-]{36}$/), coalesced: false });
    expect(posted.headers.get('location')).toBe(`/runs/${posted.json.runId}`);
    const run = await follow(posted.json.runId, 90_000);
    expect(run).toMatchObject({ runId: posted.json.runId, state: 'succeeded', trigger: 'http', period: 'latest', error: null });
    expect(run.stages.map((s) => [s.stage, s.state === 'skipped' ? 'succeeded' : s.state])).toEqual(
      ['ingest', 'kpis', 'alerts', 'models', 'clusters', 'digest'].map((s) => [s, 'succeeded']),
    );
    expect(run.stages[0]!.rows).toBe(inbox.names.reduce((n, f) => n + rowsIn(f), 0));
    const listed = await call('GET', '/runs?limit=5');
    expect(listed.json.runs.map((r: RunView) => r.runId)).toContain(posted.json.runId);
  });

  it('queues a KPI rebuild from every order when asked', async () => {
    const posted = await call('POST', '/runs', { body: { stages: ['kpis'], rebuild: true } });
    expect(posted.status).toBe(202);
    expect(await follow(posted.json.runId)).toMatchObject({ state: 'succeeded' });
    const [kpis] = (
      await sql<{
        detail: { folded: string };
      }>`SELECT detail FROM ops.stage_runs WHERE run_id = ${posted.json.runId} AND stage = 'kpis'`.execute(db.store.db)
    ).rows;
    expect(kpis!.detail.folded).toBe('rebuilt');
  });

  it('identical requests join the queued run until its first stage starts', async () => {
    const pipelineWorkers = workers.flatMap((w) => w.workers.filter((wk) => wk.name === 'pipeline'));
    await Promise.all(pipelineWorkers.map((w) => w.pause()));
    const a = await call('POST', '/runs', { body: { stages: ['kpis', 'models'] } });
    const b = await call('POST', '/runs', { body: { stages: ['models', 'kpis'] } });
    const other = await call('POST', '/runs', { body: { stages: ['kpis', 'models'], period: 'latest' } });
    expect([a.status, b.status, other.status]).toEqual([202, 202, 202]);
    expect(a.json.coalesced).toBe(false);
    expect(b.json).toEqual({ runId: a.json.runId, coalesced: true });
    expect(other.json.coalesced).toBe(false);
    expect(other.json.runId).not.toBe(a.json.runId);
    pipelineWorkers.forEach((w) => w.resume());
    // Once the run has started it takes no one else: the next request is a run of its own.
    await waitFor(async () => (await call('GET', `/runs/${a.json.runId}`)).json.stages.length > 0, 'the first stage to start');
    const c = await call('POST', '/runs', { body: { stages: ['kpis', 'models'] } });
    expect(c.json.coalesced).toBe(false);
    expect(c.json.runId).not.toBe(a.json.runId);
    for (const id of [a.json.runId, other.json.runId, c.json.runId]) expect((await follow(id)).state).toBe('succeeded');
  });

  it(`${BURST} POST /runs in a burst: every request accounted for, identical ones coalesced, the queue healthy`, async () => {
    const completedBefore = await queues.pipeline.getCompletedCount();
    const runsBefore = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM ops.pipeline_runs`.execute(db.store.db)).rows[0]!.n);
    const started = Date.now();
    const answers: { status: number; runId?: string; coalesced?: boolean }[] = [];
    // At most 25 requests in flight from this client.
    let next = 0;
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        while (next < BURST) {
          next++;
          const r = await call('POST', '/runs', { body: { stages: ['ingest', 'kpis'] } });
          answers.push({ status: r.status, ...r.json });
        }
      }),
    );
    const acceptedMs = Date.now() - started;
    expect(answers.filter((a) => a.status === 202)).toHaveLength(BURST);
    // The design: each request either started a run or joined one that had not started.
    const created = answers.filter((a) => !a.coalesced).map((a) => a.runId!);
    const ids = new Set(answers.map((a) => a.runId!));
    expect(new Set(created).size).toBe(created.length);
    expect(ids).toEqual(new Set(created));

    await waitFor(
      async () => {
        const r = await sql<{
          n: number;
        }>`SELECT count(*) AS n FROM ops.pipeline_runs WHERE run_id = ANY(${[...ids]}) AND state = 'running'`.execute(db.store.db);
        return Number(r.rows[0]!.n) === 0;
      },
      'every run of the burst to end',
      120_000,
      250,
    );
    const doneMs = Date.now() - started;

    // Every answer, asked back through the API, names a run that succeeded with both stages.
    const views = new Map<string, RunView>();
    for (let i = 0; i < answers.length; i += 20) {
      for (const a of answers.slice(i, i + 20)) if (!views.has(a.runId!)) views.set(a.runId!, (await call('GET', `/runs/${a.runId}`)).json);
    }
    for (const a of answers)
      expect(views.get(a.runId!)).toMatchObject({
        state: 'succeeded',
        stages: [
          { stage: 'ingest', state: 'succeeded' },
          { stage: 'kpis', state: 'succeeded' },
        ],
      });
    // Exactly one ops row and two completed stage jobs per run; nothing failed, stuck or pending.
    expect(Number((await sql<{ n: number }>`SELECT count(*) AS n FROM ops.pipeline_runs`.execute(db.store.db)).rows[0]!.n)).toBe(
      runsBefore + ids.size,
    );
    const counts = await queues.pipeline.getJobCounts(
      'completed',
      'failed',
      'active',
      'wait',
      'delayed',
      'waiting-children',
      'prioritized',
    );
    expect(counts).toEqual({
      completed: completedBefore + 2 * ids.size,
      failed: 0,
      active: 0,
      wait: 0,
      delayed: 0,
      'waiting-children': 0,
      prioritized: 0,
    });
    expect(await queues.connection.keys(`${cfg.PULSE_QUEUE_PREFIX}:pending-run:*`)).toEqual([]);
    expect(await call('GET', '/health', { token: null })).toMatchObject({ status: 200, json: { status: 'ok' } });
    // The core tables still hold the one load of the first run.
    const orders = await sql<{ n: number }>`SELECT count(*) AS n FROM core.orders`.execute(db.store.db);
    expect(Number(orders.rows[0]!.n)).toBe(rowsIn('orders.csv'));
    console.info(
      `burst: ${BURST} requests accepted in ${acceptedMs} ms → ${ids.size} runs (${BURST - ids.size} joined a queued run), all succeeded after ${doneMs} ms`,
    );
  });
});
