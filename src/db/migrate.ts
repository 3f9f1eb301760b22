// Migrations are SQL files run as they are, so they run on a session of the connection: no
// Kysely, which a command that only reads (`pulse status`) then never loads.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection, Session } from './connection.ts';
import { takeMigrationLockOn } from './locks.ts';

export const sqlDir = new URL('../../sql/', import.meta.url).pathname;
const migrationsDir = join(sqlDir, 'migrations');

export interface Migration {
  id: number;
  name: string;
  readonly sql: string;
}

/** The migrations in order; a file's text is read when it is first asked for (most starts apply none). */
export function loadMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      let text: string | undefined;
      return {
        id: Number(name.slice(0, 4)),
        name,
        get sql() {
          text ??= readFileSync(join(dir, name), 'utf8');
          return text;
        },
      };
    });
}

/**
 * Applies pending migrations, forward-only, in one transaction under an advisory lock,
 * so two processes starting at once apply each file exactly once.
 */
export async function migrate(connection: Connection, migrations = loadMigrations()): Promise<string[]> {
  return connection.session(async (s) => {
    // Most starts find nothing to do: one read says so, without the transaction and the lock.
    if (await upToDate(s, migrations)) return [];
    await s.query('BEGIN');
    try {
      const applied = await applyPending(s, migrations);
      await s.query('COMMIT');
      return applied;
    } catch (e) {
      // a broken pg client is dropped (src/db/connection.ts), but PGlite's one session carries on
      await s.query('ROLLBACK').catch(() => {});
      throw e;
    }
  });
}

async function applyPending(s: Session, migrations: Migration[]): Promise<string[]> {
  await takeMigrationLockOn(s);
  await s.query('CREATE SCHEMA IF NOT EXISTS ops');
  await s.query(
    'CREATE TABLE IF NOT EXISTS ops.migrations (id int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const done = new Set((await s.query<{ id: number }>('SELECT id FROM ops.migrations')).map((r) => r.id));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    // without parameters: the simple protocol, which runs a file of several statements
    await s.query(m.sql);
    await s.query('INSERT INTO ops.migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
    applied.push(m.name);
  }
  return applied;
}

/** Whether every migration is recorded (ops.migrations holds each id); false when the table does not exist yet. */
async function upToDate(s: Session, migrations: Migration[]): Promise<boolean> {
  const [table] = await s.query<{ found: boolean }>("SELECT to_regclass('ops.migrations') IS NOT NULL AS found");
  if (!table?.found) return false;
  const ids = migrations.map((m) => m.id);
  const [row] = await s.query<{ done: number }>('SELECT count(*)::int AS done FROM ops.migrations WHERE id = ANY($1::int[])', [ids]);
  return Number(row?.done) === ids.length;
}
