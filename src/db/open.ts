import { join } from 'node:path';
import { type Config, redactCredentials } from '../config.ts';
import { UnreachableError } from '../errors.ts';
import { type Connection, openConnection } from './connection.ts';
import type { Store } from './database.ts';
import { migrate } from './migrate.ts';

const where = (config: Config) => ({ databaseUrl: config.DATABASE_URL, dataDir: join(config.PULSE_DATA_DIR, 'pgdata') });

/** Opens the configured database (Postgres, or embedded PGlite under PULSE_DATA_DIR) and migrates it. */
export async function openApp(config: Config): Promise<Store> {
  // Kysely loads with the store, not with this module (see openAppConnection)
  const { openStore } = await import('./database.ts');
  const store = openStore(where(config));
  await reached(
    config,
    () => migrate(store),
    () => store.close(),
  );
  return store;
}

/**
 * The same database as a connection only, without Kysely, migrated as openApp does: for a
 * command that only reads, through statement files on a session (`pulse status`), whose start
 * loading Kysely would make about a third longer.
 */
export async function openAppConnection(config: Config): Promise<Connection> {
  const connection = openConnection(where(config));
  await reached(
    config,
    () => migrate(connection),
    () => connection.close(),
  );
  return connection;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
]);

/** The first statement on a new connection: a server that does not answer is said in one line, naming it. */
async function reached(config: Config, first: () => Promise<unknown>, close: () => Promise<void>): Promise<void> {
  try {
    await first();
  } catch (e) {
    await close().catch(() => undefined); // the connection failed already; its close has nothing to report
    const err = e as Error & { code?: string; errors?: Error[] };
    // pg's own words for a server that went away or never answered carry no code
    const unanswered = !err.code && /timeout|terminated unexpectedly/i.test(err.message ?? '');
    if (!config.DATABASE_URL || !(NETWORK_CODES.has(err.code ?? '') || unanswered)) throw e;
    // a host with IPv4 and IPv6 addresses fails with an AggregateError whose own message is empty
    const why = err.message || err.errors?.map((x) => x.message).join('; ') || err.code;
    throw new UnreachableError(`Postgres at ${redactCredentials(config.DATABASE_URL)} cannot be reached (${why})`, { cause: e });
  }
}
