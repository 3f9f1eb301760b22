import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Store } from '../db/database.ts';
import { logger, type Logger } from '../logger.ts';
import { describeIssues, periodLabel, stageList, type RetryTuning } from '../jobs/catalog.ts';
import { enqueueRun, type Enqueued } from '../jobs/flow.ts';
import { ServiceConfigError, type Queues } from '../jobs/queues.ts';
import { readRun, recentRunViews } from '../db/run-status.ts';

export interface ServerDeps {
  config: Config;
  store: Store;
  queues: Queues;
  retry?: RetryTuning;
  log?: Logger;
}

const runBody = z
  .object({ stages: stageList.optional(), period: periodLabel.optional(), rebuild: z.boolean().optional() })
  .strict();

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });

const HEALTH_TIMEOUT_MS = 2_000;

const problem = (reply: FastifyReply, status: number, error: string, details?: unknown) => reply.code(status).send({ error, details: details ?? null });

/**
 * The HTTP API: POST /runs, GET /runs/:id, GET /runs, GET /health and Bull Board at
 * /admin/queues. Every route but /health needs `Authorization: Bearer $PULSE_API_TOKEN`;
 * without a configured token the server does not start.
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, store, queues } = deps;
  const expected = digest(requireApiToken(config));
  const app = Fastify({ loggerInstance: (deps.log ?? logger).child({ component: 'http' }) as FastifyBaseLogger, bodyLimit: 64 * 1024 });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/health' || request.url.startsWith('/health?')) return;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      return problem(reply, 401, 'unauthorized', 'send the header "Authorization: Bearer <PULSE_API_TOKEN>"');
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err: err.message, url: request.url }, 'request failed');
    return problem(reply, status, status >= 500 ? 'internal error' : 'bad request', err.message);
  });
  app.setNotFoundHandler((request, reply) => problem(reply, 404, 'not found', `no route ${request.method} ${request.url.split('?')[0]}`));

  app.post('/runs', async (request, reply) => {
    const body = runBody.safeParse(request.body ?? {});
    if (!body.success) return problem(reply, 400, 'invalid run request', describeIssues(body.error));
    let queued: Enqueued;
    try {
      queued = await enqueueRun(store.db, queues, { stages: body.data.stages, period: body.data.period, rebuild: body.data.rebuild, trigger: 'http' }, { tuning: deps.retry, coalesce: true });
    } catch (e) {
      request.log.error({ err: (e as Error).message }, 'run not queued');
      return problem(reply, 503, 'run not queued', (e as Error).message);
    }
    return reply.code(202).header('location', `/runs/${queued.runId}`).send(queued);
  });

  app.get('/runs/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const run = await readRun(store.db, id);
    return run ?? problem(reply, 404, 'not found', `no run with id ${id}`);
  });

  app.get('/runs', async (request, reply) => {
    const q = listQuery.safeParse(request.query);
    if (!q.success) return problem(reply, 400, 'invalid query', describeIssues(q.error));
    return { runs: await recentRunViews(store.db, q.data.limit) };
  });

  app.get('/health', async (_request, reply) => {
    const [db, redis] = await Promise.all([
      check(async () => void (await sql`SELECT 1`.execute(store.db))),
      check(async () => void (await queues.connection.ping())),
    ]);
    const ok = db === 'ok' && redis === 'ok';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', db, redis });
  });

  const board = new FastifyAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({
    queues: [new BullMQAdapter(queues.pipeline), new BullMQAdapter(queues.control)],
    // @bull-board/fastify ships its own copy of @bull-board/api: same shape, separate declarations.
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
  });
  await app.register(board.registerPlugin(), { prefix: '/admin/queues' });
  return app;
}

export function requireApiToken(config: Config): string {
  if (!config.PULSE_API_TOKEN) throw new ServiceConfigError('set PULSE_API_TOKEN (at least 16 characters): the HTTP API refuses to start without a token');
  return config.PULSE_API_TOKEN;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

async function check(probe: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([probe(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS)))]);
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  } finally {
    clearTimeout(timer);
  }
}
