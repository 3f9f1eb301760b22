import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from './database.ts';
import { takeMigrationLock } from './locks.ts';

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
export async function migrate(db: Db, migrations = loadMigrations()): Promise<string[]> {
  // Most starts find nothing to do: one read says so, without the transaction and the lock.
  if (await upToDate(db, migrations)) return [];
  return db.transaction().execute(async (trx) => {
    await takeMigrationLock(trx);
    await sql`CREATE SCHEMA IF NOT EXISTS ops`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS ops.migrations (id int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(
      trx,
    );
    const done = new Set((await sql<{ id: number }>`SELECT id FROM ops.migrations`.execute(trx)).rows.map((r) => r.id));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await sql.raw(m.sql).execute(trx);
      await sql`INSERT INTO ops.migrations (id, name) VALUES (${m.id}, ${m.name})`.execute(trx);
      applied.push(m.name);
    }
    return applied;
  });
}

/** Whether every migration is recorded (ops.migrations holds each id); false when the table does not exist yet. */
async function upToDate(db: Db, migrations: Migration[]): Promise<boolean> {
  const table = await sql<{ found: boolean }>`SELECT to_regclass('ops.migrations') IS NOT NULL AS found`.execute(db);
  if (!table.rows[0]?.found) return false;
  const ids = migrations.map((m) => m.id);
  const { rows } = await sql<{ done: number }>`SELECT count(*)::int AS done FROM ops.migrations WHERE id = ANY(${ids}::int[])`.execute(db);
  return Number(rows[0]?.done) === ids.length;
}
