// Ingest guarantees: nothing lost, nothing twice, bad rows explained, hostile files harmless.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, kpis } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { type GeneratedInbox, generatedInbox } from './support/generated.ts';
import { inboxWith } from './support/inbox.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const influencers =
  'id,name,category,gender,follower_count,platform\n1,@ann,Fitness,Female,1000,IG\n2,@bob,Parenting,Male,"2,000",youtube\n';

async function snapshot(db: Db) {
  const r = await sql<Record<string, number>>`
    SELECT (SELECT count(*) FROM core.orders) AS orders, (SELECT coalesce(sum(revenue), 0) FROM core.orders) AS revenue,
           (SELECT count(*) FROM core.posts) AS posts, (SELECT count(*) FROM core.influencers) AS influencers,
           (SELECT count(*) FROM core.payouts) AS payouts, (SELECT coalesce(sum(rows), 0) FROM core.order_days) AS day_rows,
           (SELECT count(*) FROM core.order_users) AS users, (SELECT count(*) FROM ops.rejects) AS rejects`.execute(db.store.db);
  return r.rows[0];
}

// 2,500 generated orders of 50 influencers, with control and exposed groups.
const dataset = { orders: 2500, seed: 1, influencers: 50 };

describe('idempotent loads', () => {
  let db: Db;
  let first: GeneratedInbox;
  let orderLines: string[];
  beforeAll(async () => {
    db = await freshDatabase();
    first = await generatedInbox(dataset);
    orderLines = readFileLines(join(first.source, 'orders.csv'));
  });
  afterAll(() => db.drop());

  it('loading the same inbox twice changes nothing the second time', async () => {
    await ingest(db.store, first);
    await kpis(db.store);
    const before = await snapshot(db);
    const marts = (await sql`SELECT * FROM mart.influencer_kpis ORDER BY influencer_id`.execute(db.store.db)).rows;
    const again = await generatedInbox(dataset);
    const outcomes = await ingest(db.store, again);
    expect(outcomes.every((o) => o.status === 'already-loaded')).toBe(true);
    await kpis(db.store);
    expect(await snapshot(db)).toEqual(before);
    expect((await sql`SELECT * FROM mart.influencer_kpis ORDER BY influencer_id`.execute(db.store.db)).rows).toEqual(marts);
    // processed files leave the inbox for the archive
    expect(readdirSync(again.inbox).filter((f) => f.endsWith('.csv'))).toEqual([]);
    expect(existsSync(again.archive)).toBe(true);
  });

  it('loads duplicate rows of a new file once', async () => {
    const orders = orderLines.slice(0, 11);
    const inbox = inboxWith({ 'orders-again.csv': `${[...orders, ...orders.slice(1, 6)].join('\n')}\n` });
    const [outcome] = await ingest(db.store, inbox);
    // all 15 rows are already stored (from the first file) or repeated within this one
    expect(outcome).toMatchObject({ status: 'loaded', total: 15, loaded: 0, duplicate: 15, rejected: 0 });
  });

  it('finds the same repeats in a load too large to fingerprint (every day compared by value)', async () => {
    const orders = orderLines.slice(0, 24);
    // three rows of a day no load has, two of them twice in the file
    const newDay = orders.slice(21, 24).map((r) =>
      r
        .split(',')
        .map((v, i) => (i === 5 ? '2024-01-02 10:00:00' : v))
        .join(','),
    );
    // 20 rows stored already, 5 of them again within the file, and the new day's rows; a cap of
    // 4 fingerprints is passed at the 5th row
    const inbox = inboxWith({
      'orders-past-cap.csv': `${[...orders.slice(0, 21), ...orders.slice(11, 16), ...newDay, ...newDay.slice(0, 2)].join('\n')}\n`,
    });
    const [outcome] = await ingest(db.store, inbox, undefined, 4);
    expect(outcome).toMatchObject({ status: 'loaded', total: 30, loaded: 3, duplicate: 27, rejected: 0 });
  });

  it('on a day already stored, drops only rows equal in every value (empty equals empty)', async () => {
    const header = 'source,campaign,influencer_id,user_id,product,date,orders,revenue,group';
    const [, stored] = orderLines;
    const f = stored!.split(',');
    const row = (changes: Record<number, string>) => f.map((v, i) => changes[i] ?? v).join(',');
    const before = await snapshot(db);
    const inbox = inboxWith({
      'orders-mixed.csv': `${[
        header,
        row({}), // stored already
        row({ 3: 'new-user' }), // same day, another user: new
        row({ 7: String(Number(f[7]) + 1) }), // same day, other revenue: new
        row({ 1: '', 4: '' }), // empty campaign and product: new ...
        row({ 1: '', 4: '' }), // ... and its repeat
      ].join('\n')}\n`,
    });
    const [outcome] = await ingest(db.store, inbox);
    expect(outcome).toMatchObject({ status: 'loaded', total: 5, loaded: 3, duplicate: 2, rejected: 0 });
    const after = await snapshot(db);
    expect(after!.orders - before!.orders).toBe(3);
    expect(after!.day_rows - before!.day_rows).toBe(3);
  });

  it('finds a repeat in an early load when later loads hold other days', async () => {
    const header = 'source,campaign,influencer_id,user_id,product,date,orders,revenue,group';
    const [, stored] = orderLines;
    const f = stored!.split(',');
    // a day after every generated one (the data end on 2026-11-15; loads run "on" 2026-11-23)
    const [late] = await ingest(
      db.store,
      inboxWith({ 'orders-late.csv': `${header}\n${f.map((v, i) => (i === 5 ? '2026-11-20' : v)).join(',')}\n` }),
    );
    expect(late).toMatchObject({ status: 'loaded', loaded: 1, duplicate: 0 });
    const [outcome] = await ingest(db.store, inboxWith({ 'orders-first-again.csv': `${header}\n${stored}\n` }));
    expect(outcome).toMatchObject({ status: 'loaded', total: 1, loaded: 0, duplicate: 1 });
  });
});

describe('bad rows become rejects with line, column and reason', () => {
  let db: Db;
  beforeAll(async () => (db = await freshDatabase()));
  afterAll(() => db.drop());

  it('loads the good rows, explains the bad ones', async () => {
    const orders = `${[
      'source,campaign,influencer_id,user_id,product,date,orders,revenue,group',
      'IG,C1,1,u1,Whey,2025-06-01,1,"₹1,200.50",1',
      'IG,C1,1,u2,Whey,6/2/2025,2,$102.82,control',
      'IG,C1,1,u3,Whey,2025-06-03,1,"12,O0",1',
      'IG,C1,1,u4,Whey,2025-06-03,-2,10,1',
      'IG,C1,1,u5,Whey,2025-06-03,1,10,maybe',
      'IG,C1,1,u6,Whey,1890-01-01,1,10,1',
      'IG,C1,99,u7,Whey,2025-06-03,1,10,1',
      'IG,C1,2,u8,Whey,2025-06-04 10:11:12.123,22.0,10,0',
    ].join('\r\n')}\r\n`; // (a last line without its line end is rejected as incomplete)
    const inbox = inboxWith({ 'a-influencers.csv': `\uFEFF${influencers}`, 'b-orders.csv': orders });
    const outcomes = await ingest(db.store, inbox);
    expect(outcomes.map((o) => [o.kind, o.loaded, o.rejected])).toEqual([
      ['influencers', 2, 0],
      ['orders', 3, 5],
    ]);
    const rejects = (
      await sql<{
        line: number;
        column_name: string;
        value: string;
        reason: string;
      }>`SELECT line, column_name, value, reason FROM ops.rejects ORDER BY line`.execute(db.store.db)
    ).rows;
    expect(rejects).toEqual([
      { line: 4, column_name: 'revenue', value: '12,O0', reason: 'is not a number' },
      { line: 5, column_name: 'orders', value: '-2', reason: 'must be between 0 and 1,000,000' },
      { line: 6, column_name: 'group', value: 'maybe', reason: 'is not a group: use 0/control or 1/exposed' },
      { line: 7, column_name: 'date', value: '1890-01-01', reason: 'is out of range (2000-01-01 to tomorrow)' },
      { line: 8, column_name: 'influencer_id', value: '99', reason: 'is not a known influencer; load the influencers file first' },
    ]);
    const stored = (
      await sql<{
        revenue: number;
        grp: number;
        order_date: string;
        orders: number;
      }>`SELECT revenue, grp, order_date::text AS order_date, orders FROM core.orders ORDER BY line`.execute(db.store.db)
    ).rows;
    expect(stored).toEqual([
      { revenue: 1200.5, grp: 1, order_date: '2025-06-01', orders: 1 },
      { revenue: 102.82, grp: 0, order_date: '2025-06-02', orders: 2 },
      { revenue: 10, grp: 0, order_date: '2025-06-04', orders: 22 },
    ]);
    const inf = (
      await sql<{ platform: string; followers: number }>`SELECT platform, followers FROM core.influencers ORDER BY influencer_id`.execute(
        db.store.db,
      )
    ).rows;
    expect(inf).toEqual([
      { platform: 'Instagram', followers: 1000 },
      { platform: 'YouTube', followers: 2000 },
    ]);
  });
});

describe('hostile input harms nothing', () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(db.store, inboxWith({ 'influencers.csv': influencers }));
  });
  afterAll(() => db.drop());

  const header = 'source,campaign,influencer_id,user_id,product,date,orders,revenue,group';

  it('moves an unrecognised file aside, naming the expected columns', async () => {
    const inbox = inboxWith({ 'mystery.csv': 'foo,bar\n1,2\n' });
    const [o] = await ingest(db.store, inbox);
    expect(o!.status).toBe('unrecognised');
    expect(o!.reason).toMatch(/orders \(influencer_id, date, orders, revenue\)/);
    expect(existsSync(join(inbox.inbox, 'unrecognised', 'mystery.csv'))).toBe(true);
  });

  it('refuses a binary file and an empty file', async () => {
    const inbox = inboxWith({ 'x.csv': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]), 'empty.csv': '' });
    const outcomes = await ingest(db.store, inbox);
    expect(outcomes.map((o) => o.reason).sort()).toEqual(['the file is empty', 'the file looks binary (it has NUL bytes), not CSV']);
  });

  it('takes a header-only file as zero rows', async () => {
    const [o] = await ingest(db.store, inboxWith({ 'h.csv': `${header}\n` }));
    expect(o).toMatchObject({ status: 'loaded', total: 0, loaded: 0, rejected: 0 });
  });

  it('survives unbalanced quotes, ragged rows, a 10 MB field, formulas and SQL in values', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const rows = [
      header,
      'IG,C1,1,u1,Whey,2025-06-01,1,10,1',
      `IG,C1,1,u2,"${big}",2025-06-01,1,10,1`,
      'IG,C1,1,u3,Whey,2025-06-01,1,10',
      `IG,C1,1,"u4'); DROP TABLE core.orders; --",=cmd|' /C calc'!A0,2025-06-01,1,10,1`,
      'IG,C1,1,u5,"Whey,2025-06-01,1,10,1',
    ];
    const [o] = await ingest(db.store, inboxWith({ 'hostile.csv': `${rows.join('\n')}\n` }));
    expect(o!.status).toBe('loaded');
    expect(o!.loaded).toBe(2);
    expect(o!.loaded! + o!.rejected! + o!.duplicate!).toBe(o!.total);
    const reasons = (
      await sql<{
        reason: string;
      }>`SELECT reason FROM ops.rejects r JOIN ops.ingest_files f USING (file_id) WHERE f.file_name = 'hostile.csv' ORDER BY line`.execute(
        db.store.db,
      )
    ).rows.map((r) => r.reason);
    expect(reasons.some((r) => /longer than 200 characters/.test(r))).toBe(true);
    expect(reasons.some((r) => /has 8 fields; the header has 9/.test(r))).toBe(true);
    const stored = (
      await sql<{ user_id: string; product: string }>`SELECT user_id, product FROM core.orders WHERE user_id LIKE 'u4%'`.execute(
        db.store.db,
      )
    ).rows;
    expect(stored).toEqual([{ user_id: "u4'); DROP TABLE core.orders; --", product: "=cmd|' /C calc'!A0" }]);
  });
});

describe('a file of mostly bad rows', () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(db.store, inboxWith({ 'influencers.csv': influencers }));
  });
  afterAll(() => db.drop());

  it('keeps every reject (past the in-memory batch, through a temporary file) and loads the good rows', async () => {
    const header = 'source,campaign,influencer_id,user_id,product,date,orders,revenue,group';
    const bad = Array.from({ length: 25_000 }, (_, i) => `IG,C1,1,u${i},Whey,2025-06-01,1,not-a-number,1`);
    const good = Array.from({ length: 5 }, (_, i) => `IG,C1,2,g${i},Whey,2025-06-02,1,10,0`);
    const [o] = await ingest(db.store, inboxWith({ 'bad.csv': `${[header, ...bad, ...good].join('\n')}\n` }));
    expect(o).toMatchObject({ status: 'loaded', total: 25_005, loaded: 5, rejected: 25_000, duplicate: 0 });
    const [r] = (
      await sql<{
        n: number;
        first: number;
        last: number;
      }>`SELECT count(*) AS n, min(line) AS first, max(line) AS last FROM ops.rejects`.execute(db.store.db)
    ).rows;
    expect(r).toEqual({ n: 25_000, first: 2, last: 25_001 });
  });
});

function readFileLines(path: string): string[] {
  return readFileSync(path, 'utf8').trim().split('\n');
}
