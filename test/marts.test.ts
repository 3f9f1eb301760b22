// The BI contract: documented, read-only for BI, never Infinity or NaN, and the same numbers
// whether recomputed incrementally or in full.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDictionary, dictionaryPath } from '../src/db/data-dictionary.ts';
import { openStore, type Store } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { ingest, kpis } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox } from './support/generated.ts';
import { inboxWith } from './support/inbox.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const martTables = [
  'influencer_kpis',
  'influencer_weekly',
  'weekly_kpis',
  'portfolio_kpis',
  'platform_kpis',
  'category_kpis',
  'persona_kpis',
  'product_kpis',
  'campaign_kpis',
  'ad_campaign_kpis',
  'ad_campaign_weekly',
  'ad_campaign_totals',
  'ad_channel_kpis',
  'test_plans',
  'budget_moves',
  'budget_summary',
];

async function allMarts(store: Store) {
  const out: Record<string, unknown[]> = {};
  for (const t of martTables) out[t] = (await sql`SELECT * FROM ${sql.table(`mart.${t}`)} ORDER BY 1, 2`.execute(store.db)).rows;
  return out;
}

/**
 * Where two sets of marts differ: every value the same, but for floating-point sums over creators,
 * which may differ in their last bits (2e-16 relative), since they add the creators up in the order
 * their sums are stored in, and a fold stores them in another order than a rebuild.
 */
function martDifferences(actual: Record<string, unknown[]>, expected: Record<string, unknown[]>): string[] {
  const out: string[] = [];
  for (const [table, rows] of Object.entries(expected)) {
    const got = actual[table] ?? [];
    if (got.length !== rows.length) out.push(`${table}: ${got.length} rows, expected ${rows.length}`);
    rows.forEach((row, i) => {
      for (const [column, want] of Object.entries(row as Record<string, unknown>)) {
        const value = (got[i] as Record<string, unknown> | undefined)?.[column];
        const near =
          typeof want === 'number' &&
          typeof value === 'number' &&
          !Number.isInteger(want) &&
          Math.abs(value - want) <= 1e-12 * Math.abs(want);
        if (!near && !Object.is(value, want) && JSON.stringify(value) !== JSON.stringify(want))
          out.push(`${table} row ${i} ${column}: ${JSON.stringify(value)}, expected ${JSON.stringify(want)}`);
      }
    });
  }
  return out;
}

// The sums the kpis stage folds new loads into, as a rebuild from every order would make them.
const foldedTables = ['orders_weekly', 'orders_product', 'orders_campaign', 'order_users', 'holdout_stats', 'group_stats'];
async function foldedSums(store: Store) {
  const out: Record<string, unknown[]> = {};
  for (const t of foldedTables) out[t] = (await sql`SELECT * FROM ${sql.table(`core.${t}`)} ORDER BY 1, 2, 3`.execute(store.db)).rows;
  return out;
}

describe('documentation and access', () => {
  let db: Db;
  beforeAll(async () => (db = await freshDatabase()));
  afterAll(() => db.drop());

  it('comments every mart table and column, and docs/data-dictionary.md is current', async () => {
    const md = await dataDictionary(db.store.db);
    expect(md).not.toContain('**undocumented**');
    for (const t of [...martTables, 'influencer_scores', 'influencer_clusters', 'ad_campaign_clusters', 'loss_makers'])
      expect(md).toContain(`## mart.${t} `);
    expect(readFileSync(dictionaryPath, 'utf8'), 'docs/data-dictionary.md is stale: run npm run docs').toBe(md);
  });

  it('lets pulse_bi read mart and nothing else', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('SET ROLE pulse_bi');
      await expect(client.query('SELECT count(*) FROM mart.influencer_kpis')).resolves.toBeTruthy();
      await expect(client.query('SELECT count(*) FROM mart.loss_makers')).resolves.toBeTruthy();
      await expect(client.query('SELECT count(*) FROM core.orders')).rejects.toThrow(/permission denied/);
      await expect(client.query('SELECT count(*) FROM ops.rejects')).rejects.toThrow(/permission denied/);
      await expect(client.query('DELETE FROM mart.influencer_kpis')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
  });
});

describe('division by zero', () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(
      db.store,
      inboxWith({
        'i.csv':
          'id,name,category,gender,follower_count,platform\n1,@free,Fitness,Female,10,IG\n2,@paid,Fitness,Male,10,IG\n3,@idle,Beauty,Other,10,YouTube\n',
        'p.csv': 'influencer_id,platform,date,url,caption,reach,likes,comments\n1,IG,2025-06-01,u1,c,0,0,0\n',
        'pay.csv': 'influencer_id,basis,rate,orders,total_payout\n1,post,0,,0\n2,order,10,0,0\n',
        'o.csv':
          'source,campaign,influencer_id,user_id,product,date,orders,revenue\nIG,C,1,u1,Whey,2025-06-01,1,100\nIG,C,3,u2,Whey,2025-06-01,0,0\n',
        'ads.csv': 'campaign_name,c_date,impressions,clicks,mark_spent,orders,revenue\nfb_a,2025-06-01,0,0,0,0,0\n',
      }),
    );
    await kpis(db.store);
  });
  afterAll(() => db.drop());

  it('gives NULL for zero payout, reach, orders, clicks and impressions', async () => {
    const rows = (
      await sql<
        Record<string, unknown>
      >`SELECT name, roas, roi, engagement_rate, cost_per_order, iroas_baseline, break_even_rate_per_order FROM mart.influencer_kpis ORDER BY name`.execute(
        db.store.db,
      )
    ).rows;
    expect(rows.find((r) => r.name === '@free')).toMatchObject({
      roas: null,
      roi: null,
      engagement_rate: null,
      iroas_baseline: null,
      break_even_rate_per_order: 100,
    });
    expect(rows.find((r) => r.name === '@idle')).toMatchObject({ roas: null, cost_per_order: null, break_even_rate_per_order: null });
    const [ad] = (await sql<Record<string, unknown>>`SELECT ctr, cpc, cpa, cpm, roi FROM mart.ad_campaign_kpis`.execute(db.store.db)).rows;
    expect(ad).toEqual({ ctr: null, cpc: null, cpa: null, cpm: null, roi: null });
  });

  it('has no Infinity or NaN anywhere in mart', async () => {
    const cols = (
      await sql<{ t: string; c: string }>`
      SELECT table_name AS t, column_name AS c FROM information_schema.columns
      WHERE table_schema = 'mart' AND data_type IN ('double precision', 'numeric')`.execute(db.store.db)
    ).rows;
    expect(cols.length).toBeGreaterThan(50);
    for (const { t, c } of cols) {
      const bad = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM ${sql.table(`mart.${t}`)} WHERE ${sql.ref(c)} IN ('Infinity', '-Infinity', 'NaN')`.execute(
        db.store.db,
      );
      expect(bad.rows[0]!.n, `mart.${t}.${c}`).toBe(0);
    }
  });
});

/**
 * A store's orders in two loads: 2,500 generated orders of 50 influencers (control and exposed
 * groups) but their last day, then that day with returning users added.
 */
async function twoLoads() {
  const base = await generatedInbox({ orders: 2500, seed: 1, influencers: 50 });
  const lines = readFileSync(`${base.source}/orders.csv`, 'utf8').trim().split('\n');
  const [header, ...rows] = lines;
  const dayOf = (r: string) => r.split(',')[5]!.slice(0, 10);
  const lastDay = rows.map(dayOf).sort().at(-1)!;
  const older = rows.filter((r) => dayOf(r) !== lastDay);
  const appended = rows.filter((r) => dayOf(r) === lastDay);
  // a user of the older rows buying again on the last day: the fold adds to that user's sums
  // rather than starting new ones
  const again = older[0]!.split(',');
  again[5] = `${lastDay} 09:00:00`;
  again[7] = '12.34';
  appended.push(again.join(','));
  // and the same user through another influencer: new to that influencer, but not to the
  // portfolio's group (one user there, whose total grows)
  const elsewhere = [...again];
  elsewhere[2] = older.map((r) => r.split(',')[2]!).find((id) => id !== again[2])!;
  elsewhere[7] = '5.67';
  appended.push(elsewhere.join(','));
  // and another user of the older rows buying on the last day only through an influencer new to
  // them: the portfolio's group still has them, with their old total
  const moved = older.find((r) => r.split(',')[3] !== again[3])!.split(',');
  moved[2] = older.map((r) => r.split(',')[2]!).find((id) => !older.some((o) => o.split(',')[3] === moved[3] && o.split(',')[2] === id))!;
  moved[5] = `${lastDay} 10:00:00`;
  moved[7] = '8.90';
  appended.push(moved.join(','));
  writeFileSync(`${base.inbox}/orders.csv`, `${[header, ...older].join('\n')}\n`);
  return {
    first: base,
    day: inboxWith({ 'append.csv': `${[header, ...appended].join('\n')}\n` }),
    older,
    appended,
    // every revenue of the file plus the three added, summed in cents
    revenueCents: rows.reduce((sum, r) => sum + Math.round(Number(r.split(',')[7]) * 100), 0) + 1234 + 567 + 890,
  };
}

describe('incremental recompute', () => {
  let db: Db;
  let embedded: Store;
  const embeddedDir = mkdtempSync(join(tmpdir(), 'pulse-pglite-'));
  beforeAll(async () => {
    db = await freshDatabase();
    embedded = openStore({ dataDir: embeddedDir });
    await migrate(embedded);
  });
  afterAll(async () => {
    await Promise.all([db.drop(), embedded.close()]);
    rmSync(embeddedDir, { recursive: true, force: true });
  });

  it('recomputes only touched weeks and agrees with a full recompute, on PostgreSQL and on the embedded database', async () => {
    const loads = await twoLoads();
    expect(loads.appended.length).toBeGreaterThan(3);
    expect(loads.older.length).toBeGreaterThan(loads.appended.length);
    await ingest(db.store, loads.first);
    expect(await kpis(db.store)).toMatchObject({ full: true, folded: 'rebuilt' });
    await ingest(db.store, loads.day);
    const incremental = await kpis(db.store);
    expect(incremental).toMatchObject({ full: false, weeks: 1, folded: 'folded' });
    const afterIncremental = await allMarts(db.store);
    const foldedIncrementally = await foldedSums(db.store);
    // everything again from the orders themselves: per-user sums rebuilt, every week recomputed
    expect(await kpis(db.store, { rebuild: true })).toMatchObject({ folded: 'rebuilt' });
    expect(martDifferences(await allMarts(db.store), afterIncremental)).toEqual([]);
    expect(await foldedSums(db.store)).toEqual(foldedIncrementally);
    const [p] = (await sql<{ revenue: number }>`SELECT revenue FROM mart.portfolio_kpis`.execute(db.store.db)).rows;
    expect(p!.revenue).toBe(loads.revenueCents / 100);

    // the same loads folded by the embedded database (PGlite, as `npm run demo` runs): the same sums and marts
    const again = await twoLoads();
    await ingest(embedded, again.first);
    expect(await kpis(embedded)).toMatchObject({ full: true, folded: 'rebuilt' });
    await ingest(embedded, again.day);
    expect(await kpis(embedded)).toMatchObject({ full: false, weeks: 1, folded: 'folded' });
    expect(await foldedSums(embedded)).toEqual(foldedIncrementally);
    expect(martDifferences(await allMarts(embedded), afterIncremental)).toEqual([]);
  });
});

describe('a missing product or campaign', () => {
  let mixed: Db;
  let named: Db;
  beforeAll(async () => ([mixed, named] = await Promise.all([freshDatabase(), freshDatabase()])));
  afterAll(() => Promise.all([mixed.drop(), named.drop()]));
  const slices = async (db: Db) => ({
    products: (await sql`SELECT * FROM mart.product_kpis ORDER BY 1`.execute(db.store.db)).rows,
    campaigns: (await sql`SELECT * FROM mart.campaign_kpis ORDER BY 1`.execute(db.store.db)).rows,
    sums: (await sql`SELECT * FROM core.orders_product ORDER BY 1, 2`.execute(db.store.db)).rows,
    campaignSums: (await sql`SELECT * FROM core.orders_campaign ORDER BY 1, 2`.execute(db.store.db)).rows,
  });

  it("is one 'Unknown' per creator, whether empty or named so, and older sums are merged into it", async () => {
    const base = await generatedInbox({ orders: 2000, seed: 3, influencers: 20 });
    const [header, ...rows] = readFileSync(`${base.source}/orders.csv`, 'utf8').trim().split('\n');
    // most creators get both an empty product (campaign) and one named 'Unknown'
    const withNames = (empty: string) =>
      rows.map((r, i) => {
        const c = r.split(',');
        if (i % 5 === 0) c[4] = empty;
        if (i % 5 === 1) c[4] = 'Unknown';
        if (i % 7 === 0) c[1] = empty;
        if (i % 7 === 1) c[1] = 'Unknown';
        return c.join(',');
      });
    const others = Object.fromEntries(base.names.filter((f) => f !== 'orders.csv').map((f) => [f, readFileSync(`${base.source}/${f}`)]));
    for (const [db, empty] of [
      [mixed, ''],
      [named, 'Unknown'],
    ] as const) {
      await ingest(db.store, inboxWith({ ...others, 'orders.csv': `${[header, ...withNames(empty)].join('\n')}\n` }));
      await kpis(db.store);
    }
    const want = await slices(named);
    const unknown = want.products.find((p) => (p as { product: string }).product === 'Unknown') as { influencers: number };
    expect(Number(unknown.influencers)).toBe(20);
    expect(await slices(mixed)).toEqual(want);

    // sums kept before migration 0019 had '' beside 'Unknown': it adds them up under 'Unknown'
    const client = new pg.Client({ connectionString: mixed.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO core.orders_product SELECT influencer_id, '', 1, 0.01 FROM core.orders_product WHERE product = 'Unknown'`,
      );
      await client.query(`UPDATE core.orders_product SET orders = orders - 1, revenue = revenue - 0.01 WHERE product = 'Unknown'`);
      await client.query(`UPDATE core.orders_campaign SET campaign = '' WHERE campaign = 'Unknown'`);
      await client.query(readFileSync(new URL('../sql/migrations/0019_slice_keys_unknown.sql', import.meta.url), 'utf8'));
    } finally {
      await client.end();
    }
    const merged = await slices(mixed);
    expect(merged.sums).toEqual(want.sums);
    expect(merged.campaignSums).toEqual(want.campaignSums);
  });
});

describe('a changed setting', () => {
  let db: Db;
  beforeAll(async () => (db = await freshDatabase()));
  afterAll(() => db.drop());

  it('recomputes every week when the baseline revenue per order changes, and only then', async () => {
    // generated data without a control group (like the HealthKart export): the baseline method
    await ingest(db.store, await generatedInbox({ orders: 2000, seed: 2, groups: false }));
    await kpis(db.store);
    const weekly = async () =>
      (await sql<{ iroas_baseline: number | null }>`SELECT * FROM mart.influencer_weekly ORDER BY 1, 2`.execute(db.store.db)).rows;
    const at300 = await weekly();
    // no new rows: only the setting tells that every week's baseline iROAS is stale
    expect(await kpis(db.store, { baselineRevenuePerOrder: 200 })).toMatchObject({ full: true, folded: 'current' });
    expect(await weekly()).not.toEqual(at300);
    const afterChange = await allMarts(db.store);
    await kpis(db.store, { baselineRevenuePerOrder: 200, rebuild: true });
    expect(martDifferences(await allMarts(db.store), afterChange)).toEqual([]);
    expect(await kpis(db.store, { baselineRevenuePerOrder: 200 })).toMatchObject({ full: false, weeks: 0 });
  });
});
