import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openStore, type Store } from '../../src/db/database.ts';

/** A fresh, migrated database for one test file; dropped by the returned cleanup. */
export async function freshDatabase(): Promise<{ url: string; store: Store; drop: () => Promise<void> }> {
  const name = `pulse_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDb')}`);
  await admin.end();
  const u = new URL(inject('adminUrl'));
  u.pathname = `/${name}`;
  const url = u.toString();
  const store = openStore({ databaseUrl: url, dataDir: '' });
  return {
    url,
    store,
    drop: async () => {
      await store.close();
      const a = new pg.Client({ connectionString: inject('adminUrl') });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
