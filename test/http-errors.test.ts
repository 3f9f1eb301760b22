// HTTP error mapping: what a client did wrong is a 4xx that says what; a database that cannot be
// reached is a 503; no database message (tables, values, hosts) ever reaches a client.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore, type Store } from '../src/db/database.ts';
import { buildServer } from '../src/http/server.ts';
import { openQueues, type Queues } from '../src/jobs/queues.ts';
import { freshDatabase } from './support/db.ts';
import { dropQueueKeys, serviceConfig } from './support/jobs.ts';

const TOKEN = 'test-token-0123456789abcdef';

describe('HTTP error mapping', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let queues: Queues;
  let down: Store;
  const servers: FastifyInstance[] = [];
  let up: string;
  let noDb: string;

  const start = async (store: Store) => {
    const cfg = serviceConfig(db.url, { PULSE_API_TOKEN: TOKEN });
    const app = await buildServer({ config: cfg, store, queues });
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app);
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  };
  const get = async (base: string, path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    db = await freshDatabase();
    queues = await openQueues(serviceConfig(db.url));
    up = await start(db.store);
    // a server whose database refuses connections (nothing listens on port 1)
    down = openStore({ databaseUrl: 'postgres://pulse:secret-password@127.0.0.1:1/pulse', dataDir: '' });
    noDb = await start(down);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await down?.close();
    await queues?.close();
    if (queues) await dropQueueKeys(inject('redisUrl'), queues.prefix);
    await db?.drop();
  });

  it('a run id with a NUL byte or other characters no id has is a 400, not a database error', async () => {
    // (an id over 100 characters is refused by the router itself: 414)
    expect((await get(up, `/runs/${'x'.repeat(101)}`)).status).toBe(414);
    for (const id of ['%00', 'abc%00def', 'a%20b', '%E2%9C%93', '..%2F..%2Fetc']) {
      const r = await get(up, `/runs/${id}`);
      expect(r.status, id).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ error: 'invalid run id' });
    }
  });

  it('an id no run has is a 404', async () => {
    const r = await get(up, '/runs/0b8f7f0e-0000-4000-8000-000000000000');
    expect(r.status).toBe(404);
  });

  it('with the database unreachable: GET /runs, GET /runs/:id and POST /runs are 503, and say nothing of the database', async () => {
    const answers = [await get(noDb, '/runs'), await get(noDb, '/runs/some-run'), await get(noDb, '/runs', { method: 'POST', body: '{}' })];
    for (const r of answers) {
      expect(r.status, r.body).toBe(503);
      expect(r.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|:1\b|secret|pulse_|relation|postgres/i);
    }
    expect(JSON.parse(answers[0]!.body)).toEqual({
      error: 'database unavailable',
      details: 'the database cannot be reached; try again later',
    });
    const health = await fetch(`${noDb}/health`);
    expect(health.status).toBe(503);
    expect(await health.text()).not.toMatch(/ECONNREFUSED|secret/);
  });
});
