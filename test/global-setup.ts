import { execSync } from 'node:child_process';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openStore } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';

// Integration tests use the Postgres and Redis named by TEST_DATABASE_URL / TEST_REDIS_URL
// (default: the local services). Where those are unreachable and Docker runs, testcontainers
// starts them instead.
const defaultPg = 'postgres://postgres@127.0.0.1:5432/postgres';
const defaultRedis = 'redis://127.0.0.1:6379';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const dockerRuns = () => {
  try {
    execSync('docker info', { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
};

export default async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_URL ?? defaultPg;
  let redisUrl = process.env.TEST_REDIS_URL ?? defaultRedis;
  const stops: (() => Promise<unknown>)[] = [];
  if (!(await reachable(adminUrl)) && dockerRuns()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const { RedisContainer } = await import('@testcontainers/redis');
    const pgC = await new PostgreSqlContainer('postgres:15').start();
    const redisC = await new RedisContainer('redis:7').start();
    adminUrl = pgC.getConnectionUri();
    redisUrl = redisC.getConnectionUrl();
    stops.push(
      () => pgC.stop(),
      () => redisC.stop(),
    );
  }
  // A migrated template: each test file clones it (CREATE DATABASE ... TEMPLATE), which is
  // far faster than migrating per file and keeps files independent.
  const template = `pulse_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // Templates of test runs that were killed before their teardown: their process is gone.
  const stale = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^pulse_tpl_[0-9]+$'`);
  for (const { datname } of stale.rows) {
    if (!processAlive(Number(datname.slice('pulse_tpl_'.length)))) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const store = openStore({ databaseUrl: url.toString(), dataDir: '' });
  await migrate(store);
  await store.close();
  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', template);
  project.provide('redisUrl', redisUrl);
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
    await admin.end();
    for (const stop of stops) await stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
    redisUrl: string;
  }
}
