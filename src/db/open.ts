import { join } from 'node:path';
import type { Config } from '../config.ts';
import { openStore, type Store } from './database.ts';
import { migrate } from './migrate.ts';

/** Opens the configured database (Postgres, or embedded PGlite under PULSE_DATA_DIR) and migrates it. */
export async function openApp(config: Config): Promise<Store> {
  const store = openStore({ databaseUrl: config.DATABASE_URL, dataDir: join(config.PULSE_DATA_DIR, 'pgdata') });
  await migrate(store);
  return store;
}
