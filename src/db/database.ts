import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { type Connection, openConnection } from './connection.ts';
import type { DB } from './tables.ts';

/** The database, typed by its tables (src/db/tables.ts, generated from the migrations). */
export type Db = Kysely<DB>;
export type DbOrTrx = Kysely<DB> | Transaction<DB>;

/** A connection (src/db/connection.ts: sessions with COPY ... FROM STDIN) plus the typed database on it. */
export interface Store extends Connection {
  db: Db;
}

/** Whether the database answers a trivial query (for health checks). */
export async function databaseReachable(db: DbOrTrx): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

export function openStore(opts: { databaseUrl?: string; dataDir: string; poolSize?: number }): Store {
  const { pool, ...connection } = openConnection(opts);
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return {
    ...connection,
    db,
    close: async () => {
      // Kysely ends the pool only if it ran a query; the connection may have run others
      await db.destroy();
      await connection.close();
    },
  };
}
