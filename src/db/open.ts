import { join } from 'node:path';
import type { Config } from '../config.ts';
import { type Connection, openConnection } from './connection.ts';
import type { Store } from './database.ts';
import { migrate } from './migrate.ts';

const where = (config: Config) => ({ databaseUrl: config.DATABASE_URL, dataDir: join(config.PULSE_DATA_DIR, 'pgdata') });

/** Opens the configured database (Postgres, or embedded PGlite under PULSE_DATA_DIR) and migrates it. */
export async function openApp(config: Config): Promise<Store> {
  // Kysely loads with the store, not with this module (see openAppConnection)
  const { openStore } = await import('./database.ts');
  const store = openStore(where(config));
  await migrate(store);
  return store;
}

/**
 * The same database as a connection only, without Kysely, migrated as openApp does: for a
 * command that only reads, through statement files on a session (`pulse status`), whose start
 * loading Kysely would make about a third longer.
 */
export async function openAppConnection(config: Config): Promise<Connection> {
  const connection = openConnection(where(config));
  await migrate(connection);
  return connection;
}
