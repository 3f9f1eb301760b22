// Managing subscriptions (issue 18): `pulse subscriptions add|list|remove` and the HTTP routes
// refuse and accept the same things; changes need the admin token; each subscription time zone
// gets its own digest schedule (DST-safe: the scheduler's tz), which follows the subscriptions.
import { execFile } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { listSubscriptions } from '../src/db/subscriptions-repo.ts';
import { buildServer } from '../src/http/server.ts';
import { openQueues, type Queues } from '../src/jobs/queues.ts';
import { listSchedules, upsertSchedules } from '../src/jobs/scheduler.ts';
import { ingest, kpis } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox } from './support/generated.ts';
import { configEnv, dropQueueKeys, repoRoot, serviceConfig } from './support/jobs.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const TOKEN = 'api-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';

describe('subscriptions: CLI, HTTP and schedules', () => {
  let db: Db;
  let cfg: Config;
  let queues: Queues;
  let app: FastifyInstance;
  let base: string;

  const pulse = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['src/cli/main.js', 'subscriptions', ...args],
        { cwd: repoRoot, env: { ...process.env, ...configEnv(cfg), LOG_LEVEL: 'warn', ...env } },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const call = async (method: string, path: string, token: string | null, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const zoneSchedules = async () =>
    (await listSchedules(queues))
      .filter((s) => s.key.startsWith('weekly-digest'))
      .map((s) => [s.key, s.tz, (s.template?.data as { timezone?: string } | undefined)?.timezone])
      .sort();

  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(db.store, await generatedInbox({ orders: 2000, seed: 2, groups: false }));
    await kpis(db.store);
    cfg = serviceConfig(db.url, { PULSE_API_TOKEN: TOKEN, PULSE_ADMIN_TOKEN: ADMIN, PULSE_TIMEZONE: 'Europe/Berlin' });
    queues = await openQueues(cfg);
    app = await buildServer({ config: cfg, store: db.store, queues });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await queues?.close();
    await dropQueueKeys(cfg.REDIS_URL!, cfg.PULSE_QUEUE_PREFIX);
    await db?.drop();
  });

  it('the CLI adds, lists and removes; mistakes are one line naming what is allowed', async () => {
    const bad = await pulse(['add', '--name', 'x', '--to', 'a@example.com', '--where', 'platform=MySpace']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^pulse: subscription x: platform "MySpace" is in no row; platform values are .*Instagram/);
    const badKey = await pulse(['add', '--name', 'x', '--to', 'a@example.com', '--where', 'colour=red']);
    expect(badKey.stderr.trim()).toMatch(/^pulse: --where "colour=red": unknown key colour; keys are platform, category, gender, tier/);
    const noSecret = await pulse(['add', '--name', 'x', '--webhook', 'https://hooks.slack.com/services/T/B/C']);
    expect(noSecret.stderr.trim()).toBe('pulse: --webhook: set PULSE_WEBHOOK_SECRET first (posts are signed with it)');

    const added = await pulse([
      'add',
      '--name',
      'insta-fit',
      '--to',
      'a@example.com,b@example.com',
      '--where',
      'platform=instagram,youtube',
      '--where',
      'category=Fitness',
      '--timezone',
      'Asia/Tokyo',
    ]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain(
      'subscription insta-fit added: Instagram or YouTube, Fitness · weekly · Asia/Tokyo · a@example.com, b@example.com',
    );
    const [stored] = await listSubscriptions(db.store.db);
    expect(stored).toEqual({
      name: 'insta-fit',
      recipients: ['a@example.com', 'b@example.com'],
      slice: { platform: ['Instagram', 'YouTube'], category: ['Fitness'] },
      cadence: 'weekly',
      timezone: 'Asia/Tokyo',
      webhook_url: null,
    });
    const listed = await pulse(['list']);
    expect(listed.stdout).toMatch(/^insta-fit +Instagram or YouTube, Fitness · weekly · Asia\/Tokyo/);
    expect((await pulse(['remove', 'nobody'])).stderr.trim()).toBe('pulse: no subscription named nobody');
    expect((await pulse(['remove', 'insta-fit'])).stdout.trim()).toBe('subscription insta-fit removed');
    expect((await pulse(['list'])).stdout).toMatch(/^no subscriptions: the digest goes to DIGEST_TO/);
  });

  it('HTTP: reading needs the API token, changing needs the admin token; the same validation as the CLI', async () => {
    const body = { name: 'fitness', to: ['c@example.com'], where: { category: 'fitness' }, cadence: 'both' };
    expect((await call('POST', '/subscriptions', null, body)).status).toBe(401);
    expect(await call('POST', '/subscriptions', TOKEN, body)).toMatchObject({ status: 403, json: { error: 'forbidden' } });
    const bad = await call('POST', '/subscriptions', ADMIN, { ...body, where: { category: 'Knitting' } });
    expect(bad).toMatchObject({ status: 400, json: { error: 'invalid subscription' } });
    expect(bad.json.details).toMatch(/category "Knitting" is in no row; category values are .*Fitness/);
    expect((await call('POST', '/subscriptions', ADMIN, { ...body, extra: 1 })).status).toBe(400);

    const made = await call('POST', '/subscriptions', ADMIN, body);
    expect(made).toMatchObject({
      status: 201,
      json: { name: 'fitness', slice: { category: ['Fitness'] }, cadence: 'both', timezone: 'Europe/Berlin' },
    });
    expect((await call('POST', '/subscriptions', ADMIN, body)).json.details).toMatch(/exists/);
    expect(await call('GET', '/subscriptions', TOKEN)).toMatchObject({ status: 200, json: { subscriptions: [{ name: 'fitness' }] } });
    expect((await call('DELETE', '/subscriptions/fitness', TOKEN)).status).toBe(403);
    expect((await call('DELETE', '/subscriptions/fitness', ADMIN)).status).toBe(204);
    expect((await call('DELETE', '/subscriptions/fitness', ADMIN)).status).toBe(404);
    expect(await listSubscriptions(db.store.db)).toEqual([]);
  });

  it('each subscription time zone gets DIGEST_CRON in its own zone; the schedules follow the subscriptions', async () => {
    await upsertSchedules(queues, cfg, { zones: [] });
    expect(await zoneSchedules()).toEqual([['weekly-digest', 'Europe/Berlin', 'Europe/Berlin']]);
    // Added over HTTP: the schedules exist, so they follow at once.
    await call('POST', '/subscriptions', ADMIN, { name: 'tokyo', to: ['t@example.com'], timezone: 'Asia/Tokyo' });
    await call('POST', '/subscriptions', ADMIN, { name: 'berlin', to: ['b@example.com'] });
    expect(await zoneSchedules()).toEqual([
      ['weekly-digest', 'Europe/Berlin', 'Europe/Berlin'],
      ['weekly-digest@Asia/Tokyo', 'Asia/Tokyo', 'Asia/Tokyo'],
    ]);
    // Monday 07:00 in Tokyo is Sunday 22:00 UTC; in Berlin (winter) Monday 06:00 UTC.
    const next = Object.fromEntries((await listSchedules(queues)).map((s) => [s.key, new Date(s.next!)]));
    expect(next['weekly-digest@Asia/Tokyo']!.getUTCHours()).toBe(22);
    expect(next['weekly-digest@Asia/Tokyo']!.getUTCDay()).toBe(0);
    await call('DELETE', '/subscriptions/tokyo', ADMIN);
    expect(await zoneSchedules()).toEqual([['weekly-digest', 'Europe/Berlin', 'Europe/Berlin']]);
  });
});
