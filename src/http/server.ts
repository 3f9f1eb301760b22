import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Store } from '../db/database.ts';
import { databaseReachable } from '../db/database.ts';
import { readRun, recentRunViews } from '../db/runs-repo.ts';
import { addSubscription, listSubscriptions, publicView, removeSubscription } from '../db/subscriptions-repo.ts';
import { InputError, ServiceConfigError } from '../errors.ts';
import type { RetryTuning } from '../jobs/catalog.ts';
import { type Enqueued, enqueueRun } from '../jobs/flow.ts';
import type { Queues } from '../jobs/queues.ts';
import { syncSchedules } from '../jobs/scheduler.ts';
import { type Logger, logger } from '../logger.ts';
import { describeIssues, runParams } from '../stages/params.ts';
import { BOARD_PATH, type BoardAuthOptions, boardAuth, LOGIN_PATH, LOGOUT_PATH } from './board-auth.ts';

export interface ServerDeps {
  config: Config;
  store: Store;
  queues: Queues;
  retry?: RetryTuning;
  log?: Logger;
  /** Bull Board login tuning (tests); the tokens come from `config`. */
  board?: Pick<BoardAuthOptions, 'sessionMs' | 'loginLimit' | 'now'>;
}

// The run parameters a client may set: the shared schema, less the CLI's own (inbox, recipients, preview).
const runBody = runParams.pick({ stages: true, period: true, rebuild: true }).strict();

// Run ids are UUIDs or derived ids; anything else cannot name a run.
const runId = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'a run id is 1 to 100 letters, digits, dots, colons, dashes or underscores');

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });

const HEALTH_TIMEOUT_MS = 2_000;

const problem = (reply: FastifyReply, status: number, error: string, details?: unknown) =>
  reply.code(status).send({ error, details: details ?? null });

/**
 * The HTTP API: POST /runs, GET /runs/:id, GET /runs, GET|POST /subscriptions, DELETE
 * /subscriptions/:name, GET /health and Bull Board at /admin/queues. Every route but /health and
 * the board's login needs `Authorization: Bearer $PULSE_API_TOKEN`; changing subscriptions needs
 * PULSE_ADMIN_TOKEN (which also reads them, and is otherwise for the board only). Without an API token the server does not start.
 * Bull Board also takes a browser session from /admin/login, and only PULSE_ADMIN_TOKEN may change
 * queues (board-auth.ts).
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, store, queues } = deps;
  const apiToken = requireApiToken(config);
  if (config.PULSE_ADMIN_TOKEN === apiToken) throw new ServiceConfigError('PULSE_ADMIN_TOKEN must differ from PULSE_API_TOKEN');
  const expected = digest(apiToken);
  const adminDigest = config.PULSE_ADMIN_TOKEN ? digest(config.PULSE_ADMIN_TOKEN) : null;
  const auth = boardAuth({ apiToken, adminToken: config.PULSE_ADMIN_TOKEN, ...deps.board });
  const app = Fastify({
    loggerInstance: (deps.log ?? logger).child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // behind a proxy, each client is its own address for the login limit, and https makes the cookie Secure
    trustProxy: config.PULSE_TRUST_PROXY,
  });

  // By the matched route, not the raw URL: the route is what will run. Unmatched URLs (404) need the API token.
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === '/health' || route === LOGIN_PATH || route === LOGOUT_PATH) return;
    if (route === BOARD_PATH || route?.startsWith(`${BOARD_PATH}/`)) return auth.gate(request, reply);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const given = m ? digest(m[1]!) : null;
    const isAdmin = given !== null && adminDigest !== null && timingSafeEqual(given, adminDigest);
    const isApi = given !== null && timingSafeEqual(given, expected);
    // The admin token is for the board and for changing subscriptions, which it alone may do.
    const subscriptions = route?.startsWith('/subscriptions') === true;
    if (!(isApi || (isAdmin && subscriptions))) {
      return problem(reply, 401, 'unauthorized', 'send the header "Authorization: Bearer <PULSE_API_TOKEN>"');
    }
    if (subscriptions && request.method !== 'GET' && !isAdmin)
      return problem(
        reply,
        403,
        'forbidden',
        config.PULSE_ADMIN_TOKEN
          ? 'this route needs "Authorization: Bearer <PULSE_ADMIN_TOKEN>"'
          : 'set PULSE_ADMIN_TOKEN to change subscriptions',
      );
  });

  // Client errors say what was wrong; server errors say only what kind, never a database
  // message (it can name tables, values or hosts). The log keeps the whole error.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return problem(reply, err.statusCode, 'bad request', err.message);
    request.log.error({ err, url: request.url }, 'request failed');
    if (isUnavailable(err)) return problem(reply, 503, 'database unavailable', 'the database cannot be reached; try again later');
    return problem(reply, 500, 'internal error', 'the server failed; the error is in its log');
  });
  app.setNotFoundHandler((request, reply) => problem(reply, 404, 'not found', `no route ${request.method} ${request.url.split('?')[0]}`));

  app.post('/runs', async (request, reply) => {
    const body = runBody.safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'invalid run request', describeIssues(body.error));
    let queued: Enqueued;
    try {
      queued = await enqueueRun(
        store.db,
        queues,
        { stages: body.data.stages, period: body.data.period, rebuild: body.data.rebuild, trigger: 'http' },
        { tuning: deps.retry, coalesce: true },
      );
    } catch (e) {
      request.log.error({ err: e }, 'run not queued');
      return problem(
        reply,
        503,
        'run not queued',
        isUnavailable(e) ? 'the database cannot be reached; try again later' : 'the queue cannot be reached; try again later',
      );
    }
    return reply.code(202).header('location', `/runs/${queued.runId}`).send(queued);
  });

  app.get('/runs/:id', async (request, reply) => {
    const parsed = runId.safeParse((request.params as { id: string }).id);
    if (!parsed.success) return problem(reply, 400, 'invalid run id', describeIssues(parsed.error));
    const id = parsed.data;
    const run = await readRun(store.db, id);
    return run ?? problem(reply, 404, 'not found', `no run with id ${id}`);
  });

  app.get('/runs', async (request, reply) => {
    const q = listQuery.safeParse(request.query);
    if (!q.success) return problem(reply, 400, 'invalid query', describeIssues(q.error));
    return { runs: await recentRunViews(store.db, q.data.limit) };
  });

  app.get('/subscriptions', async () => ({ subscriptions: (await listSubscriptions(store.db)).map(publicView) }));

  // The same validation as `pulse subscriptions add`: {name, to: [...], where: {platform: ["Instagram"]}, cadence, timezone, webhook}.
  app.post('/subscriptions', async (request, reply) => {
    const body = (request.body ?? {}) as { webhook?: unknown };
    if (body.webhook !== undefined && !config.PULSE_WEBHOOK_SECRET)
      return problem(
        reply,
        400,
        'invalid subscription',
        'webhook: set PULSE_WEBHOOK_SECRET on the server first (posts are signed with it)',
      );
    try {
      const sub = await addSubscription(store.db, body, config.PULSE_TIMEZONE);
      await syncZones();
      return reply.code(201).header('location', `/subscriptions/${sub.name}`).send(publicView(sub));
    } catch (e) {
      if (e instanceof InputError) return problem(reply, 400, 'invalid subscription', e.message);
      throw e;
    }
  });

  app.delete('/subscriptions/:name', async (request, reply) => {
    const name = (request.params as { name: string }).name;
    if (!(await removeSubscription(store.db, name))) return problem(reply, 404, 'not found', `no subscription named ${name}`);
    await syncZones();
    return reply.code(204).send();
  });

  /** Each subscription time zone's digest schedule follows the subscriptions (when `pulse schedule` made schedules). */
  const syncZones = async () => syncSchedules(queues, config, [...new Set((await listSubscriptions(store.db)).map((s) => s.timezone))]);

  app.get('/health', async (_request, reply) => {
    const [db, redis] = await Promise.all([
      check(async () => {
        if (!(await databaseReachable(store.db))) throw new Error('unreachable');
      }),
      check(async () => void (await queues.connection.ping())),
    ]);
    const ok = db === 'ok' && redis === 'ok';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', db, redis });
  });

  await app.register(auth.routes);
  app.addHook('onSend', auth.markReadOnly);
  const board = new FastifyAdapter();
  board.setBasePath(BOARD_PATH);
  // Without PULSE_ADMIN_TOKEN nobody may change queues, and Bull Board itself is told so too.
  const readOnlyMode = !config.PULSE_ADMIN_TOKEN;
  createBullBoard({
    queues: [new BullMQAdapter(queues.pipeline, { readOnlyMode }), new BullMQAdapter(queues.control, { readOnlyMode })],
    // @bull-board/fastify ships its own copy of @bull-board/api: same shape, separate declarations.
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'campaign-pulse', miscLinks: [{ text: 'Session', url: LOGIN_PATH }] } },
  });
  await app.register(board.registerPlugin(), { prefix: BOARD_PATH });
  return app;
}

export function requireApiToken(config: Config): string {
  if (!config.PULSE_API_TOKEN)
    throw new ServiceConfigError('set PULSE_API_TOKEN (at least 16 characters): the HTTP API refuses to start without a token');
  return config.PULSE_API_TOKEN;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

async function check(probe: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS)),
      ),
    ]);
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether an error means the database (or its network) is down rather than a bug. */
function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string; cause?: unknown };
  if (!err || typeof err !== 'object') return false;
  // Node socket errors, and Postgres classes 08 (connection), 57P (shutdown) and 53 (resources).
  if (typeof err.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|08|57P|53)/.test(err.code))
    return true;
  if (/Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(err.message ?? '')) return true;
  return err.cause !== undefined && err.cause !== e && isUnavailable(err.cause);
}
