// Migrations keep what is stored: orders loaded before core.orders was partitioned by load
// (0005) stay readable, count as stored for finding repeats, and feed the KPIs.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore, type Store } from '../src/db/database.ts';
import { loadMigrations, migrate } from '../src/db/migrate.ts';
import { ingest, kpis } from './support/context.ts';
import { inboxWith } from './support/inbox.ts';

describe('0005: core.orders partitioned by load', () => {
  const name = `pulse_m_${randomBytes(5).toString('hex')}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: inject('adminUrl') });
    await c.connect();
    await c.query(q);
    await c.end();
  };
  let store: Store;
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const u = new URL(inject('adminUrl'));
    u.pathname = `/${name}`;
    store = openStore({ databaseUrl: u.toString(), dataDir: '' });
  });
  afterAll(async () => {
    await store.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('keeps the orders loaded before it, and later loads find repeats among them', async () => {
    await migrate(
      store,
      loadMigrations().filter((m) => m.id <= 4),
    );
    const db = store.db;
    // as a load under 0004 left them
    const { file_id } = (
      await sql<{ file_id: number }>`
      INSERT INTO ops.ingest_files (sha256, file_name, kind, bytes, rows_total, rows_loaded, rows_duplicate, rows_rejected)
      VALUES ('0004 load', 'old.csv', 'orders', 100, 2, 2, 0, 0) RETURNING file_id`.execute(db)
    ).rows[0]!;
    await sql`INSERT INTO core.influencers (influencer_id, name, file_id) VALUES ('1', '@ann', ${file_id})`.execute(db);
    await sql`INSERT INTO core.orders (influencer_id, user_id, order_date, orders, revenue, grp, file_id, line)
              VALUES ('1', 'u1', '2025-06-01', 1, 10, 1, ${file_id}, 2), ('1', 'u2', '2025-06-02', 2, 20, 0, ${file_id}, 3)`.execute(db);
    await sql`INSERT INTO core.order_days VALUES ('2025-06-01', 1), ('2025-06-02', 1)`.execute(db);

    expect(await migrate(store)).toContain('0005_orders_by_load.sql');
    const parts = (
      await sql<{ relname: string; bound: string }>`
      SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'core.orders'::regclass`.execute(db)
    ).rows;
    expect(parts).toEqual([{ relname: 'orders_loaded_before_0005', bound: `FOR VALUES FROM (MINVALUE) TO ('${file_id + 1}')` }]);

    const [outcome] = await ingest(
      store,
      inboxWith({
        'new.csv':
          'source,campaign,influencer_id,user_id,product,date,orders,revenue,group\n,,1,u1,,2025-06-01,1,10.00,1\n,,1,u3,,2025-06-03,4,40,1\n',
      }),
    );
    expect(outcome).toMatchObject({ status: 'loaded', total: 2, loaded: 1, duplicate: 1 });
    const orders = (await sql<{ n: number; revenue: number }>`SELECT count(*) AS n, sum(revenue) AS revenue FROM core.orders`.execute(db))
      .rows[0];
    expect(orders).toEqual({ n: 3, revenue: 70 });
    await kpis(store);
    const kpi = (
      await sql<{ orders: number; revenue: number }>`SELECT orders, revenue FROM mart.influencer_kpis WHERE influencer_id = '1'`.execute(db)
    ).rows[0];
    expect(kpi).toEqual({ orders: 7, revenue: 70 });
  });
});
