// Bull Board behind a browser login (issue 15, defect 13): a form exchanges a token for an
// HttpOnly, SameSite=Strict session cookie; PULSE_API_TOKEN reads, only PULSE_ADMIN_TOKEN changes
// queues (403 otherwise, whatever the UI offers). Plain HTTP first, then a real Chromium session.
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { buildServer, type ServerDeps } from '../src/http/server.ts';
import { openQueues, type Queues } from '../src/jobs/queues.ts';
import { chromiumArgs, chromiumPath, hasChromium } from './support/browser.ts';
import { freshDatabase } from './support/db.ts';
import { inCi } from './support/fixture-data.ts';
import { dropQueueKeys, serviceConfig } from './support/jobs.ts';

const TOKEN = 'test-token-0123456789abcdef';
const ADMIN = 'admin-token-fedcba9876543210';
const FORBIDDEN = { error: 'forbidden', details: 'changing queues needs the admin token (PULSE_ADMIN_TOKEN)' };
const STRAY_JOBS = 3;

if (!hasChromium)
  console.warn(`board login: ${chromiumPath} not found, the browser session test ${inCi ? 'fails (CI)' : 'does not run here'}`);

describe('Bull Board login', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let cfg: Config;
  let queues: Queues;
  const servers: FastifyInstance[] = [];
  let base: string;

  const start = async (config: Config, extra: Partial<ServerDeps> = {}) => {
    const app = await buildServer({ config, store: db.store, queues, ...extra });
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app);
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  };
  const send = async (url: string, init: RequestInit & { cookie?: string; bearer?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set('cookie', init.cookie);
    if (init.bearer) headers.set('authorization', `Bearer ${init.bearer}`);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('application/json') ? JSON.parse(text) : undefined;
    return { status: res.status, text, json, headers: res.headers };
  };
  const login = async (token: string, at = base) => {
    const r = await send(`${at}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    const setCookie = r.headers.get('set-cookie') ?? '';
    return { ...r, setCookie, cookie: setCookie.split(';')[0]! };
  };
  const delayedCount = () => queues.pipeline.getJobCountByTypes('delayed');
  const clean = (init: { cookie?: string; bearer?: string }, at = base) =>
    send(`${at}/admin/queues/api/queues/pipeline/clean/delayed`, { method: 'PUT', ...init });

  beforeAll(async () => {
    db = await freshDatabase();
    cfg = serviceConfig(db.url, { PULSE_API_TOKEN: TOKEN, PULSE_ADMIN_TOKEN: ADMIN });
    queues = await openQueues(cfg);
    base = await start(cfg);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await queues?.close();
    if (cfg) await dropQueueKeys(cfg.REDIS_URL!, cfg.PULSE_QUEUE_PREFIX);
    await db?.drop();
  });
  // Jobs a clean of "delayed" removes: created a minute ago (past Bull Board's 5 s grace), due in an hour; no worker runs here.
  beforeEach(async () => {
    await queues.pipeline.resume();
    await queues.pipeline.clean(0, 1000, 'delayed');
    for (let i = 0; i < STRAY_JOBS; i++) await queues.pipeline.add('stray', { i }, { delay: 3600_000, timestamp: Date.now() - 60_000 });
    expect(await delayedCount()).toBe(STRAY_JOBS);
  });

  it('sends a browser without a session to the login form; the board API answers 401', async () => {
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/queue/pipeline']) {
      const r = await send(`${base}${path}`);
      expect([path, r.status, r.headers.get('location')]).toEqual([path, 302, '/admin/login']);
    }
    const api = await send(`${base}/admin/queues/api/queues`);
    expect(api.status).toBe(401);
    expect(api.json).toEqual({ error: 'unauthorized', details: expect.stringContaining('log in at /admin/login') });
    const pause = await send(`${base}/admin/queues/api/queues/pipeline/pause`, { method: 'PUT' });
    expect(pause.status).toBe(401);
    expect(await queues.pipeline.isPaused()).toBe(false);
    // a wrong bearer header is refused as on the rest of the API, cookie or not
    const wrong = await send(`${base}/admin/queues`, { bearer: 'wrong-token-0123456789' });
    expect([wrong.status, wrong.json.error]).toEqual([401, 'unauthorized']);

    const form = await send(`${base}/admin/login`);
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toMatch(/^text\/html/);
    expect(form.text).toMatch(/<form method="post" action="\/admin\/login">/);
    expect(form.text).toMatch(/<input id="token" name="token" type="password"/);
    // nothing loaded from elsewhere, and the page says so to the browser
    expect(form.text).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);
    expect(form.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  it('refuses a wrong or missing token with 401 and the form again', async () => {
    for (const token of ['wrong-token-0123456789', TOKEN.slice(0, -1), '']) {
      const r = await login(token);
      expect([token, r.status, r.setCookie]).toEqual([token, 401, '']);
      expect(r.text).toContain('That token is not valid.');
      expect(r.text).toContain('name="token"');
    }
  });

  it('the API token opens a read-only session: HttpOnly, SameSite=Strict cookie; changes are 403', async () => {
    const r = await login(TOKEN);
    expect([r.status, r.headers.get('location')]).toEqual([303, '/admin/queues']);
    const attrs = r.setCookie.split(';').map((s) => s.trim());
    expect(attrs[0]).toMatch(/^pulse_board=[A-Za-z0-9_-]{43}$/);
    expect(attrs.slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=28800', 'Path=/admin', 'SameSite=Strict']);

    const page = await send(`${base}/admin/queues`, { cookie: r.cookie });
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<html/i);
    const list = await send(`${base}/admin/queues/api/queues`, { cookie: r.cookie });
    expect(list.status).toBe(200);
    const listed = list.json.queues.map((q: { name: string; readOnlyMode: boolean }) => [q.name, q.readOnlyMode]);
    expect(listed.sort()).toEqual([
      ['control', true],
      ['pipeline', true],
    ]);

    for (const path of ['pipeline/clean/delayed', 'pipeline/pause', 'pause', 'pipeline/empty']) {
      const put = await send(`${base}/admin/queues/api/queues/${path}`, { method: 'PUT', cookie: r.cookie });
      expect([path, put.status, put.json]).toEqual([path, 403, FORBIDDEN]);
    }
    const bearer = await clean({ bearer: TOKEN });
    expect([bearer.status, bearer.json]).toEqual([403, FORBIDDEN]);
    expect(await delayedCount()).toBe(STRAY_JOBS);
    expect(await queues.pipeline.isPaused()).toBe(false);

    // the cookie is no API credential, and a wrong bearer beats a good cookie
    expect((await send(`${base}/runs`, { cookie: r.cookie })).status).toBe(401);
    expect((await send(`${base}/admin/queues/api/queues`, { cookie: r.cookie, bearer: 'wrong-token-0123456789' })).status).toBe(401);
  });

  it('the admin token changes queues, as a session or a bearer header', async () => {
    const r = await login(ADMIN);
    expect([r.status, r.headers.get('location')]).toEqual([303, '/admin/queues']);
    const list = await send(`${base}/admin/queues/api/queues`, { cookie: r.cookie });
    expect(list.json.queues.map((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toEqual([false, false]);

    const cleaned = await clean({ cookie: r.cookie });
    expect(cleaned.status).toBe(200);
    expect(await delayedCount()).toBe(0);
    const paused = await send(`${base}/admin/queues/api/queues/pipeline/pause`, { method: 'PUT', cookie: r.cookie });
    expect(paused.status).toBe(200);
    expect(await queues.pipeline.isPaused()).toBe(true);
    const resumed = await send(`${base}/admin/queues/api/queues/pipeline/resume`, { method: 'PUT', bearer: ADMIN });
    expect(resumed.status).toBe(200);
    expect(await queues.pipeline.isPaused()).toBe(false);
    // the admin token is for the board only
    expect((await send(`${base}/runs`, { bearer: ADMIN })).status).toBe(401);
  });

  it('logging out ends the session; logging in again replaces it', async () => {
    const viewer = await login(TOKEN);
    const admin = await send(`${base}/admin/login`, {
      method: 'POST',
      cookie: viewer.cookie,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${ADMIN}`,
    });
    expect(admin.status).toBe(303);
    // the viewer session was dropped for the new one
    expect((await send(`${base}/admin/queues`, { cookie: viewer.cookie })).status).toBe(302);
    const cookie = admin.headers.get('set-cookie')!.split(';')[0]!;
    const state = await send(`${base}/admin/login`, { cookie });
    expect(state.text).toContain('Signed in as admin');
    expect(state.text).toContain('action="/admin/logout"');

    const out = await send(`${base}/admin/logout`, { method: 'POST', cookie });
    expect([out.status, out.headers.get('location')]).toEqual([303, '/admin/login']);
    expect(out.headers.get('set-cookie')).toMatch(/^pulse_board=; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=0$/);
    expect((await send(`${base}/admin/queues`, { cookie })).status).toBe(302);
    expect((await clean({ cookie })).status).toBe(401);
    expect(await delayedCount()).toBe(STRAY_JOBS);
  });

  it('sessions expire, and failed logins from one address are limited', async () => {
    let clock = Date.now();
    const at = await start(cfg, { board: { now: () => clock, loginLimit: { failures: 3, windowMs: 60_000 } } });
    const s = await login(TOKEN, at);
    expect((await send(`${at}/admin/queues`, { cookie: s.cookie })).status).toBe(200);
    clock += 8 * 3600_000 - 1;
    expect((await send(`${at}/admin/queues`, { cookie: s.cookie })).status).toBe(200);
    clock += 1;
    expect((await send(`${at}/admin/queues`, { cookie: s.cookie })).status).toBe(302);

    for (let i = 0; i < 3; i++) expect((await login(`wrong-token-${i}-0123456789`, at)).status).toBe(401);
    // locked: even the right token gets no answer about itself
    const locked = await login(ADMIN, at);
    expect([locked.status, locked.setCookie, locked.headers.get('retry-after')]).toEqual([429, '', '60']);
    expect(locked.text).toContain('Too many failed logins');
    clock += 60_000;
    expect((await login(ADMIN, at)).status).toBe(303);
  });

  it('without PULSE_ADMIN_TOKEN the board is read-only for everyone', async () => {
    const at = await start({ ...cfg, PULSE_ADMIN_TOKEN: undefined });
    expect((await login(ADMIN, at)).status).toBe(401);
    const s = await login(TOKEN, at);
    const list = await send(`${at}/admin/queues/api/queues`, { cookie: s.cookie });
    expect(list.json.queues.map((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toEqual([true, true]);
    expect((await clean({ cookie: s.cookie }, at)).json).toEqual(FORBIDDEN);
    expect((await clean({ bearer: TOKEN }, at)).status).toBe(403);
    expect(await delayedCount()).toBe(STRAY_JOBS);

    await expect(buildServer({ config: { ...cfg, PULSE_ADMIN_TOKEN: TOKEN }, store: db.store, queues })).rejects.toThrow(
      'PULSE_ADMIN_TOKEN must differ from PULSE_API_TOKEN',
    );
  });

  describe('in a real browser', () => {
    let browser: Browser | undefined;
    afterAll(async () => {
      await browser?.close();
    });

    it.skipIf(!hasChromium && !inCi)('log in, see the queues, fail to clean without the admin token, clean with it', async () => {
      if (!hasChromium) throw new Error(`CI: ${chromiumPath} not found; the browser session test must run in CI`);
      browser = await chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: chromiumArgs,
      });
      const context = await browser.newContext();
      // Bull Board's page asks for web fonts; this test talks to the server under test only.
      await context.route('**', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
      const page = await context.newPage();
      const delayedPage = `${base}/admin/queues/queue/pipeline?status=delayed`;
      const cleanFromPage = () =>
        page.evaluate(async () => {
          const res = await fetch('/admin/queues/api/queues/pipeline/clean/delayed', { method: 'PUT' });
          return { status: res.status, body: await res.json() };
        });
      const logIn = async (token: string) => {
        await page.fill('#token', token);
        await Promise.all([page.waitForURL(`${base}/admin/queues`), page.click('#login')]);
      };

      // no session: the board sends the browser to the login form
      await page.goto(`${base}/admin/queues`);
      expect(page.url()).toBe(`${base}/admin/login`);
      await logIn(TOKEN);
      const sidebar = page.locator('#bull-board-sidebar nav');
      await sidebar.getByText('pipeline', { exact: true }).waitFor();
      await sidebar.getByText('control', { exact: true }).waitFor();
      expect((await sidebar.locator('a').allTextContents()).sort()).toEqual(['control', 'pipeline']);
      const cookies = await context.cookies();
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ name: 'pulse_board', httpOnly: true, sameSite: 'Strict', path: '/admin', secure: false });
      expect(await page.evaluate(() => document.cookie)).toBe('');

      // read-only: the UI offers no "Clean all", and the request the button would make is refused
      await page.goto(delayedPage);
      await expect.poll(() => page.getByText('stray', { exact: true }).count(), { timeout: 15_000 }).toBe(STRAY_JOBS);
      expect(await page.getByRole('button', { name: 'Clean all' }).count()).toBe(0);
      expect(await cleanFromPage()).toEqual({ status: 403, body: FORBIDDEN });
      expect(await delayedCount()).toBe(STRAY_JOBS);

      // the admin token: the same board, now with the button, and the clean goes through
      await page.goto(`${base}/admin/login`);
      await page.getByText('Signed in read-only').waitFor();
      await logIn(ADMIN);
      await page.goto(delayedPage);
      await expect.poll(() => page.getByText('stray', { exact: true }).count(), { timeout: 15_000 }).toBe(STRAY_JOBS);
      const cleaned = page.waitForResponse((r) => r.url().endsWith('/pipeline/clean/delayed') && r.request().method() === 'PUT');
      await page.getByRole('button', { name: 'Clean all' }).click();
      await page.getByRole('button', { name: 'Confirm' }).click();
      expect((await cleaned).status()).toBe(200);
      expect(await delayedCount()).toBe(0);
      expect(await cleanFromPage()).toEqual({ status: 200, body: {} });
    });
  });
});
