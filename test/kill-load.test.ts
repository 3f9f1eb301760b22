// A load killed half-way leaves core tables as they were, and the next run loads the file fully.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../src/generate/generate.ts';
import { freshDatabase } from './support/db.ts';

const root = join(import.meta.dirname, '..');
// node itself (it runs the TypeScript as is), not a wrapper: SIGKILL must reach the process doing the load.
function pulseRun(env: Record<string, string>, inbox: string) {
  return spawn(process.execPath, ['src/cli/main.js', 'run', '--inbox', inbox, '--stages', 'ingest'], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('killed mid-load', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let dir: string;
  beforeAll(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'pulse-kill-'));
    await generateDataset({ outDir: join(dir, 'inbox'), orders: 1_000_000, seed: 3 });
  }, 120_000);
  afterAll(() => db.drop());

  it('SIGKILL in the middle of a 1 M-row orders load, then a rerun: exactly one clean load', async () => {
    const env = { DATABASE_URL: db.url, ARCHIVE_DIR: join(dir, 'archive') };
    const first = pulseRun(env, join(dir, 'inbox'));
    let log = '';
    first.stderr.on('data', (b: Buffer) => (log += b.toString()));
    const exited = new Promise((resolve) => first.on('exit', resolve));
    // kill once the orders rows are streaming into core.orders (the smaller files go first)
    const copying = async () =>
      (
        await sql`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'pulse load %' AND query LIKE 'COPY core.orders%' AND state = 'active' AND datname = current_database()`.execute(
          db.store.db,
        )
      ).rows.length > 0;
    while (!(await copying())) {
      if (first.exitCode !== null) throw new Error(`the load finished before it could be killed:\n${log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    first.kill('SIGKILL');
    await exited;
    const orders = async () => Number((await sql<{ n: number }>`SELECT count(*) AS n FROM core.orders`.execute(db.store.db)).rows[0]!.n);
    expect(await orders()).toBe(0);
    expect(readdirSync(join(dir, 'inbox'))).toContain('orders.csv');

    const second = pulseRun(env, join(dir, 'inbox'));
    let secondLog = '';
    second.stderr.on('data', (b: Buffer) => (secondLog += b.toString()));
    const code = await new Promise((resolve) => second.on('exit', resolve));
    expect(code, secondLog).toBe(0);
    const [r] = (
      await sql<{ n: number; files: number; days: number }>`
      SELECT (SELECT count(*) FROM core.orders) AS n, (SELECT count(*) FROM ops.ingest_files WHERE kind = 'orders') AS files,
             (SELECT sum(rows) FROM core.order_days) AS days`.execute(db.store.db)
    ).rows;
    expect(r).toEqual({ n: 1_000_000, files: 1, days: 1_000_000 });
  });
});
