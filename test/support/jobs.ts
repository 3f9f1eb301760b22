// Helpers for the queue tests: configs with a random queue prefix, worker processes,
// a TCP proxy to cut connections, big generated order files, core-table snapshots.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { inject } from 'vitest';
import type { Config } from '../../src/config.ts';
import type { Store } from '../../src/db/database.ts';
import type { RetryTuning } from '../../src/jobs/catalog.ts';
import type { WorkerOptions } from '../../src/jobs/worker.ts';
import { testConfig } from './context.ts';

export const repoRoot = new URL('../../', import.meta.url).pathname;

export const randomPrefix = () => `pulse-t-${randomBytes(4).toString('hex')}`;

/** Retries in milliseconds, not minutes. */
export const fastRetry: RetryTuning = { attempts: 8, backoffMs: 200 };

/** A dead worker's job is taken over within about 3 s (production: 30 s lock, 30 s checks). */
export const fastWorker: Omit<WorkerOptions, 'connection' | 'log'> = { lockDuration: 2_000, stalledInterval: 1_000, retry: fastRetry };

/** A service config for one test file: its own queue prefix, digest files in a temp dir. */
export function serviceConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return testConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: inject('redisUrl'),
    PULSE_QUEUE_PREFIX: randomPrefix(),
    OUT_DIR: mkdtempSync(join(tmpdir(), 'pulse-out-')),
    ...overrides,
  });
}

/** The config as environment variables (for a worker child process). */
export function configEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined) env[k] = Array.isArray(v) ? v.join(',') : String(v);
  return env;
}

/** Deletes every Redis key under a test's queue prefix. */
export async function dropQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface CoreSnapshot {
  orders: number;
  revenue: number;
  posts: number;
  influencers: number;
  payouts: number;
  day_rows: number;
  users: number;
  rejects: number;
  files: number;
  distinct_files: number;
}

/** Row counts and sums of the core tables: equal snapshots mean equal loads. */
export async function coreSnapshot(store: Store): Promise<CoreSnapshot> {
  const r = await sql<CoreSnapshot>`
    SELECT (SELECT count(*) FROM core.orders) AS orders, (SELECT coalesce(sum(revenue), 0) FROM core.orders) AS revenue,
           (SELECT count(*) FROM core.posts) AS posts, (SELECT count(*) FROM core.influencers) AS influencers,
           (SELECT count(*) FROM core.payouts) AS payouts, (SELECT coalesce(sum(rows), 0) FROM core.order_days) AS day_rows,
           (SELECT count(*) FROM core.order_users) AS users, (SELECT count(*) FROM ops.rejects) AS rejects,
           (SELECT count(*) FROM ops.ingest_files) AS files, (SELECT count(DISTINCT sha256) FROM ops.ingest_files) AS distinct_files`.execute(
    store.db,
  );
  return r.rows[0]!;
}

/**
 * Writes an orders export of `rows` distinct rows for influencers 1..50 (load a set with 50 first);
 * returns its sha256 and the revenue total.
 */
export async function writeOrders(path: string, rows: number): Promise<{ sha256: string; revenue: number }> {
  const out = createWriteStream(path);
  out.write('source,campaign,influencer_id,user_id,product,date,orders,revenue,group\n');
  let revenue = 0;
  for (let i = 0; i < rows; i++) {
    const r = 10 + (i % 500);
    revenue += r;
    const line = `Instagram,Campaign_${i % 7},${1 + (i % 50)},g${i},MB Protein,2025-0${1 + (i % 6)}-${String(1 + (i % 28)).padStart(2, '0')},1,${r},${i % 2}\n`;
    if (!out.write(line)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve) => out.end(resolve));
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return { sha256: hash.digest('hex'), revenue };
}

/** True once a session is copying the rows of the file with this name (its load began). */
export async function loadStarted(store: Store, fileName: string): Promise<boolean> {
  const r = await sql`SELECT 1 FROM pg_stat_activity WHERE application_name = ${`pulse load ${fileName}`} AND query LIKE 'COPY%'`.execute(
    store.db,
  );
  return r.rows.length > 0;
}

export async function fileLoaded(store: Store, sha256: string): Promise<boolean> {
  return (await sql`SELECT 1 FROM ops.ingest_files WHERE sha256 = ${sha256}`.execute(store.db)).rows.length > 0;
}

/** A TCP proxy that can drop every connection and refuse new ones, then come back on the same port. */
export interface TcpProxy {
  port: number;
  /** Destroys open connections and stops listening. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  };
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}

export interface WorkerChild {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/**
 * Starts workers in a child process: test/support/worker-process.ts (test lock settings),
 * or with `cli` the real `pulse worker` command (production settings, config from env).
 */
export function spawnWorker(config: Config, opts: { worker?: Omit<WorkerOptions, 'connection' | 'log'>; cli?: boolean } = {}): WorkerChild {
  const args = opts.cli
    ? ['src/cli/main.js', 'worker']
    : ['test/support/worker-process.ts', JSON.stringify({ env: configEnv(config), worker: opts.worker ?? fastWorker })];
  const child = spawn(process.execPath, [...args], {
    cwd: repoRoot,
    env: { ...process.env, ...(opts.cli ? configEnv(config) : {}), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      text += d;
      if (/worker (ready|started)/.test(text)) resolve();
    });
    exited.then(({ code, signal }) => reject(new Error(`worker exited before it was ready (code ${code}, signal ${signal}): ${text}`)));
  });
  return { child, ready, exited, output: () => text };
}
