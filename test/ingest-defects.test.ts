// Regression tests of ingest defects: every input record is loaded or rejected with a reason a
// person can act on, whatever the bytes. Inline data only.
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { inboxWith } from './support/inbox.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const influencers = 'id,name,category,gender,follower_count,platform\n1,@ann,Fitness,Female,1000,IG\n2,@bob,Parenting,Male,2000,YT\n';
const ordersHeader = 'source,campaign,influencer_id,user_id,product,date,orders,revenue,group';
const postsHeader = 'influencer_id,platform,date,url,caption,reach,likes,comments';

let db: Db;
beforeAll(async () => {
  db = await freshDatabase();
  await ingest(db.store, inboxWith({ 'influencers.csv': influencers }));
});
afterAll(() => db.drop());

const fileRow = async (name: string) =>
  (
    await sql<{ rows_total: number; rows_loaded: number; rows_duplicate: number; rows_rejected: number }>`
    SELECT rows_total::int, rows_loaded::int, rows_duplicate::int, rows_rejected::int FROM ops.ingest_files WHERE file_name = ${name}`.execute(
      db.store.db,
    )
  ).rows;
const rejectsOf = async (name: string) =>
  (
    await sql<{ line: number; column_name: string | null; value: string | null; reason: string }>`
    SELECT line::int, column_name, value, reason FROM ops.rejects JOIN ops.ingest_files USING (file_id) WHERE file_name = ${name} ORDER BY line`.execute(
      db.store.db,
    )
  ).rows;
const skipped = async (name: string) =>
  (
    await sql<{
      reason: string;
      moved_to: string | null;
    }>`SELECT reason, moved_to FROM ops.skipped_files WHERE file_name = ${name}`.execute(db.store.db)
  ).rows;

describe('defect 1: line ends are read per line', () => {
  it('defect 1: an LF file holding a CR LF inside quoted captions and campaign names loads every row', async () => {
    const posts = `${postsHeader}\n1,IG,2025-06-01,u1,"two\r\nlines",10,1,0\n2,YT,2025-06-02,u2,plain,20,2,0\n1,IG,2025-06-03,u3,"cr\ronly",30,3,0\n`;
    const orders = `${ordersHeader}\nIG,"Winter\r\nBulk",1,u1,Whey,2025-06-01,1,10.00,1\nIG,C1,2,u2,Whey,2025-06-02,1,20.00,0\n`;
    const outcomes = await ingest(db.store, inboxWith({ 'posts-crlf.csv': posts, 'orders-crlf.csv': orders }));
    expect(outcomes.map((o) => [o.file, o.status, o.loaded, o.rejected])).toEqual([
      ['posts-crlf.csv', 'loaded', 3, 0],
      ['orders-crlf.csv', 'loaded', 2, 0],
    ]);
    const captions = (await sql<{ caption: string }>`SELECT caption FROM core.posts ORDER BY post_date`.execute(db.store.db)).rows.map(
      (r) => r.caption,
    );
    expect(captions).toEqual(['two\r\nlines', 'plain', 'cr\ronly']);
    const campaigns = (await sql<{ campaign: string }>`SELECT campaign FROM core.orders WHERE user_id = 'u1'`.execute(db.store.db)).rows;
    expect(campaigns).toEqual([{ campaign: 'Winter\r\nBulk' }]);
  });

  it('defect 1: record ends may mix LF, CR LF and CR in one file, and lines are numbered as a person counts them', async () => {
    const rows = [
      ordersHeader,
      'IG,C1,1,m1,Whey,2025-06-04,1,1.00,1',
      'IG,C1,1,m2,Whey,2025-06-04,1,2.00,1',
      'IG,C1,1,m3,Whey,2025-06-04,1,3.00,1',
      'IG,C1,1,m4,Whey,2025-06-04,x,4.00,1',
    ];
    const text = `${rows[0]}\r\n${rows[1]}\n${rows[2]}\r${rows[3]}\r\n${rows[4]}\n`;
    const [o] = await ingest(db.store, inboxWith({ 'orders-mixed-ends.csv': text }));
    expect(o).toMatchObject({ status: 'loaded', total: 4, loaded: 3, rejected: 1 });
    expect((await rejectsOf('orders-mixed-ends.csv')).map((r) => [r.line, r.column_name])).toEqual([[5, 'orders']]);
  });
});

describe('defect 2: an unclosed quote', () => {
  it('defect 2: the reject says how many lines the broken record covers, and the counts add up', async () => {
    const text = `${[
      ordersHeader,
      'IG,C1,1,q1,Whey,2025-06-05,1,1.00,1',
      'IG,C1,1,q2,"Whey,2025-06-05,1,2.00,1', // opens a quote never closed
      'IG,C1,1,q3,Whey,2025-06-05,1,3.00,1',
      'IG,C1,1,q4,Whey,2025-06-05,1,4.00,1',
    ].join('\n')}\n`;
    const [o] = await ingest(db.store, inboxWith({ 'orders-open-quote.csv': text }));
    expect(o).toMatchObject({ status: 'loaded', total: 2, loaded: 1, duplicate: 0, rejected: 1 });
    expect(o!.loaded! + o!.duplicate! + o!.rejected!).toBe(o!.total);
    const [r] = await rejectsOf('orders-open-quote.csv');
    expect(r!.line).toBe(3);
    expect(r!.reason).toMatch(/never closed: lines 3 to 5 \(3 lines\) are this one broken record/);
    expect(await fileRow('orders-open-quote.csv')).toEqual([{ rows_total: 2, rows_loaded: 1, rows_duplicate: 0, rows_rejected: 1 }]);
  });
});

describe('defect 3: a half-written last line', () => {
  it('defect 3: is rejected as incomplete; the complete file later loads the row once, with its full value', async () => {
    const full = `${[ordersHeader, 'IG,C1,1,t1,Whey,2025-06-06,1,10.00,1', 'IG,C1,2,t2,Whey,2025-06-06,1,123.45,0'].join('\n')}\n`;
    const truncated = full.slice(0, full.indexOf('123.45') + 2); // "...,12" and no line end
    const [first] = await ingest(db.store, inboxWith({ 'orders-growing.csv': truncated }));
    expect(first).toMatchObject({ status: 'loaded', total: 2, loaded: 1, rejected: 1 });
    const [r] = await rejectsOf('orders-growing.csv');
    expect(r).toMatchObject({ line: 3, value: 'IG,C1,2,t2,Whey,2025-06-06,1,12' });
    expect(r!.reason).toMatch(/^incomplete last line: file still being written\?/);
    expect((await sql`SELECT 1 FROM core.orders WHERE user_id = 't2'`.execute(db.store.db)).rows).toEqual([]);

    const [second] = await ingest(db.store, inboxWith({ 'orders-growing.csv': full }));
    expect(second).toMatchObject({ status: 'loaded', total: 2, loaded: 1, duplicate: 1, rejected: 0 });
    const rows = (
      await sql<{
        user_id: string;
        revenue: number;
      }>`SELECT user_id, revenue FROM core.orders WHERE user_id IN ('t1', 't2') ORDER BY user_id`.execute(db.store.db)
    ).rows;
    expect(rows).toEqual([
      { user_id: 't1', revenue: 10 },
      { user_id: 't2', revenue: 123.45 },
    ]);
  });

  it('defect 3: a small kind too: the incomplete influencer loads once the file is complete', async () => {
    const full = `${influencers}3,@cid,Beauty,Female,3000,IG\n`;
    const [first] = await ingest(db.store, inboxWith({ 'influencers-growing.csv': full.slice(0, -3) }));
    expect(first).toMatchObject({ status: 'loaded', total: 3, rejected: 1 });
    const [second] = await ingest(db.store, inboxWith({ 'influencers-growing.csv': full }));
    expect(second).toMatchObject({ status: 'loaded', total: 3, rejected: 0 });
    expect((await sql`SELECT followers FROM core.influencers WHERE influencer_id = '3'`.execute(db.store.db)).rows).toEqual([
      { followers: 3000 },
    ]);
  });
});

describe('defect 4: bytes that are not UTF-8', () => {
  it('defect 4: a record with invalid UTF-8 is rejected with the byte offset, never loaded altered', async () => {
    const head = Buffer.from(`${ordersHeader}\nIG,C1,1,w1,Whey,2025-06-07,1,1.00,1\nIG,C1,1,w2,Caf`);
    const offset = head.length;
    const file = Buffer.concat([head, Buffer.from([0xe9]), Buffer.from(',2025-06-07,1,2.00,1\nIG,C1,1,w3,Whey,2025-06-07,1,3.00,1\n')]);
    const [o] = await ingest(db.store, inboxWith({ 'orders-latin1.csv': file }));
    expect(o).toMatchObject({ status: 'loaded', total: 3, loaded: 2, rejected: 1 });
    expect(await rejectsOf('orders-latin1.csv')).toEqual([
      {
        line: 3,
        column_name: 'product',
        value: 'Caf\\xE9',
        reason: `is not UTF-8 text: byte 0xE9 at byte offset ${offset} of the file (shown as \\xNN); save the file as UTF-8 and send it again`,
      },
    ]);
    expect((await sql`SELECT 1 FROM core.orders WHERE user_id = 'w2'`.execute(db.store.db)).rows).toEqual([]);
    // a U+FFFD written in the file is text, not a decoding error
    const [ok] = await ingest(db.store, inboxWith({ 'orders-fffd.csv': `${ordersHeader}\nIG,C1,1,w4,Caf\uFFFD,2025-06-07,1,4.00,1\n` }));
    expect(ok).toMatchObject({ loaded: 1, rejected: 0 });
  });

  it('defect 4: a file whose header is not UTF-8 is refused, saying where', async () => {
    const file = Buffer.concat([Buffer.from('id,n'), Buffer.from([0xe4]), Buffer.from('me,follower_count\n1,x,2\n')]);
    const [o] = await ingest(db.store, inboxWith({ 'latin1-header.csv': file }));
    expect(o).toMatchObject({
      status: 'unrecognised',
      reason: expect.stringMatching(/header line is not UTF-8 text \(byte 0xE4 at byte offset 4\)/),
    });
  });
});

describe('defect 5 and 6: headers refused', () => {
  it('defect 5: duplicate header columns refuse the file, naming them; it is moved aside', async () => {
    const text = 'source,campaign,influencer_id,user_id,product,date,orders,revenue,revenue\nIG,C1,1,d1,Whey,2025-06-01,1,10,20\n';
    const inbox = inboxWith({ 'orders-dup.csv': text, 'inf-dup.csv': 'id,name,name,follower_count\n9,a,b,1\n' });
    const outcomes = await ingest(db.store, inbox);
    expect(outcomes.every((o) => o.status === 'unrecognised')).toBe(true);
    expect((await skipped('orders-dup.csv'))[0]!.reason).toMatch(/names a column more than once: "revenue" \(columns 8, 9\)/);
    expect((await skipped('inf-dup.csv'))[0]!.reason).toMatch(/"name" \(columns 2, 3\)/);
    expect(existsSync(join(inbox.inbox, 'unrecognised', 'orders-dup.csv'))).toBe(true);
    expect((await sql`SELECT 1 FROM core.orders WHERE user_id = 'd1'`.execute(db.store.db)).rows).toEqual([]);
  });

  it('defect 6: a header longer than the reader limit refuses the file, saying so and the limit', async () => {
    const header = [ordersHeader, ...Array.from({ length: 30_000 }, (_, i) => `extra_column_${i}`)].join(',');
    const row = Array.from({ length: 30_009 }, () => '1').join(',');
    const [o] = await ingest(db.store, inboxWith({ 'wide.csv': `${header}\n${row}\n` }));
    expect(o!.status).toBe('unrecognised');
    expect(o!.reason).toMatch(/header line is longer than 256 KB, the most the loader reads for a header/);
    expect((await skipped('wide.csv'))[0]!.reason).toBe(o!.reason);
  });
});

describe('defect 9: inputs are never skipped without a word', () => {
  it('defect 9: a symlink resolving inside the inbox is followed; others are set aside with a reason, targets untouched', async () => {
    const inbox = inboxWith({ 'real-orders.data': `${ordersHeader}\nIG,C1,1,s1,Whey,2025-06-08,1,1.00,1\n` });
    const outside = join(mkdtempSync(join(tmpdir(), 'pulse-outside-')), 'secret.csv');
    writeFileSync(outside, `${ordersHeader}\nIG,C1,1,s2,Whey,2025-06-08,1,2.00,1\n`);
    symlinkSync(join(inbox.inbox, 'real-orders.data'), join(inbox.inbox, 'inside-link.csv'));
    symlinkSync(outside, join(inbox.inbox, 'outside-link.csv'));
    symlinkSync(join(inbox.inbox, 'gone.csv'), join(inbox.inbox, 'dangling-link.csv'));
    const outcomes = await ingest(db.store, inbox);
    const by = Object.fromEntries(outcomes.map((o) => [o.file, o]));
    expect(by['inside-link.csv']).toMatchObject({ status: 'loaded', loaded: 1 });
    expect(by['outside-link.csv']).toMatchObject({
      status: 'unrecognised',
      reason: expect.stringMatching(/symbolic link to .*outside the inbox: not followed/),
    });
    expect(by['dangling-link.csv']).toMatchObject({
      status: 'unrecognised',
      reason: expect.stringMatching(/symbolic link whose target does not exist/),
    });
    expect(await skipped('outside-link.csv')).toHaveLength(1);
    // the target outside stays where it was, unread
    expect(readFileSync(outside, 'utf8')).toContain('s2');
    expect((await sql`SELECT user_id FROM core.orders WHERE user_id IN ('s1', 's2')`.execute(db.store.db)).rows).toEqual([
      { user_id: 's1' },
    ]);
  });

  it('defect 9: an inbox that does not exist is an error naming it, not an empty load', async () => {
    const missing = join(tmpdir(), 'pulse-no-such-inbox-4f1c');
    await expect(ingest(db.store, { inbox: missing, archive: join(missing, 'archive') })).rejects.toThrow(
      `inbox ${missing} cannot be read (ENOENT)`,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'pulse-notdir-')), 'file');
    writeFileSync(file, '');
    await expect(ingest(db.store, { inbox: file, archive: `${file}-archive` })).rejects.toThrow(/cannot be read \(ENOTDIR\)/);
  });
});
