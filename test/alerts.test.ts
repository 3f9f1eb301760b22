// Alerts (issue 18) as subscribers get them: mail over real SMTP to a server in this process and
// posts to a webhook server on 127.0.0.1, from the alerts stage run as every run is (runInline).
// A condition is sent once when it becomes true, not while it stays true, and once more when it
// returns after clearing: shown with generated data and order files added week by week.

import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscription } from '../src/db/subscriptions-repo.ts';
import { logger } from '../src/logger.ts';
import { verifySignature } from '../src/report/webhook.ts';
import { runInline } from '../src/stages/run.ts';
import { ingest, kpis, testConfig } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox, type InfluencerTotals, influencerTotals } from './support/generated.ts';
import { inboxWith } from './support/inbox.ts';
import { type ReceivedMail, startSmtp, type TestSmtp } from './support/smtp.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const ana = 'ana@example.com';
const ben = 'ben@example.com';
const cy = 'cy@example.com';
const dana = 'dana@example.com';

// Generated data without a control group: 40 influencers over sixteen weeks ending Sunday
// 2026-11-15 (ISO week 46), five of them loss-makers. A Tuesday two days later: the data is fresh.
const dataset = { orders: 3000, seed: 1, groups: false };
const tuesday = '2026-11-17T06:00:00Z';

const money = (cents: number) => Math.round(cents / 100).toLocaleString('en-US');
const orderHeader = 'source,campaign,influencer_id,user_id,product,date,orders,revenue\n';

/** The alerts stage in a run of its own, as `pulse run --stages alerts` and the ALERT_CRON schedule run it. */
function alertsRun(db: Db, at: string, env: Record<string, string>) {
  return runInline(
    { store: db.store, config: testConfig({ DATABASE_URL: db.url, ...env }), log: logger, clock: () => new Date(at) },
    { stages: ['alerts'] },
    'test',
  );
}

const alertRows = async (db: Db, subscription: string) =>
  (
    await sql<{ alert_key: string; state: string; occurrence: number; cleared: boolean; title: string; evidence: string[] }>`
      SELECT alert_key, state, occurrence, cleared_at IS NOT NULL AS cleared, title, evidence
      FROM ops.alerts WHERE subscription = ${subscription} ORDER BY alert_key`.execute(db.store.db)
  ).rows;

const subjects = (mails: ReceivedMail[]) => mails.map((m) => m.parsed.subject);

describe('alerts: a creator turns loss-making, clears, and turns again (generated data, SMTP)', () => {
  let db: Db;
  let smtp: TestSmtp;
  let source: string;
  let lossMakers: InfluencerTotals[];
  // The creator the added weeks move: profitable, with the least room above the loss-maker line.
  let x: InfluencerTotals;
  const outDir = mkdtempSync(join(tmpdir(), 'pulse-alerts-'));
  const env = () => ({ SMTP_URL: smtp.url, DIGEST_TO: ana, OUT_DIR: outDir });
  const run = (at = tuesday) => alertsRun(db, at, env());
  /** Loads a file of extra order rows for x (also appended to the source files the expectations are summed from). */
  async function addOrders(name: string, rows: { user: string; orders: number; revenue: string }[]) {
    const lines = rows
      .map((r) => `${x.platform},Alert Test,${x.id},${r.user},Protein Powder,2026-11-12,${r.orders},${r.revenue}\n`)
      .join('');
    appendFileSync(join(source, 'orders.csv'), lines);
    const files = await ingest(db.store, inboxWith({ [name]: orderHeader + lines }));
    expect(files.map((f) => f.status)).toEqual(['loaded']);
    await kpis(db.store);
    return influencerTotals(source).find((t) => t.id === x.id)!;
  }

  beforeAll(async () => {
    db = await freshDatabase();
    smtp = await startSmtp();
    const inbox = await generatedInbox(dataset);
    source = inbox.source;
    const totals = influencerTotals(source);
    lossMakers = totals.filter((t) => t.lossMaker);
    expect(lossMakers.length).toBeGreaterThan(3);
    // margin = revenue − orders × 300: what cheap orders have to eat to make the baseline iROAS negative
    const margin = (t: InfluencerTotals) => t.revenueCents / 100 - 300 * t.orders;
    x = totals.filter((t) => !t.lossMaker && t.payout > 0).sort((a, b) => margin(a) - margin(b))[0]!;
    await ingest(db.store, inbox);
    await kpis(db.store);
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it('the first run sends what is true: the loss-makers there are, in one summary mail', async () => {
    const out = await run();
    expect(out.outcomes.alerts).toMatchObject({
      rows: lossMakers.length,
      detail: { week: '2026-W46', subscriptions: 1, opened: lossMakers.length },
    });
    // nothing else is true: the data is two days old, no run failed, no creator has 20 orders a week to drop from
    const rows = await alertRows(db, 'DIGEST_TO');
    expect(rows.map((r) => [r.alert_key, r.state, r.occurrence])).toEqual(
      lossMakers.map((t) => [`loss_maker:${t.id}`, 'active', 1]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(smtp.received).toHaveLength(1);
    const m = smtp.received[0]!;
    expect(m.envelopeTo).toEqual([ana]);
    expect(m.parsed.subject).toBe(`Alerts: ${lossMakers.length} new (${lossMakers.length} loss-makers)`);
    for (const t of lossMakers) {
      expect(m.parsed.text).toContain(`Loss-maker: ${t.name} (${t.platform})`);
      expect(m.parsed.text).toContain(
        `- ROAS ${t.roas!.toFixed(2)}×: revenue ${money(t.revenueCents)} on payout ${money(t.payout * 100)}, ${t.orders} orders`,
      );
    }
    expect(m.parsed.text).not.toContain(x.name);
    expect(String(m.parsed.html)).toContain('color-scheme:light only');
  });

  it('a week of cheap orders turns a creator loss-making: one mail naming it, with its evidence', async () => {
    // enough orders at 1.00 each that revenue − orders × 300 goes a quarter of the payout below zero
    const n = Math.ceil((x.revenueCents / 100 - 300 * x.orders + 0.25 * x.payout) / 299);
    const now = await addOrders('cheap_week.csv', [{ user: 'alert-u1', orders: n, revenue: (n * 1).toFixed(2) }]);
    expect(now.lossMaker).toBe(true);
    expect(now.roas!).toBeGreaterThan(1);
    expect(now.iroasBaseline!).toBeLessThan(-0.2);

    const before = smtp.received.length;
    const out = await run();
    const mails = smtp.received.slice(before);
    expect(subjects(mails)).toEqual([`Alert: Loss-maker: ${x.name} (${x.platform})`]);
    expect(out.outcomes.alerts).toMatchObject({ rows: 1, detail: { opened: 1, cleared: 0, sent: 1, messages: 1 } });
    const m = mails[0]!;
    expect(m.envelopeTo).toEqual([ana]);
    const text = m.parsed.text!;
    expect(text).toContain(
      `- ROAS ${now.roas!.toFixed(2)}×: revenue ${money(now.revenueCents)} on payout ${money(now.payout * 100)}, ${now.orders} orders`,
    );
    expect(text).toContain(`- Incremental ROAS ${now.iroasBaseline!.toFixed(2)}× (baseline)`);
    expect(text).toContain('- Why: incremental ROAS below 0 (baseline estimate: no control group)');
    expect(text).toMatch(/- Action: change product or pause/);
    expect(text).toContain('`pulse status`');
    // the HTML part carries the same evidence
    expect(String(m.parsed.html)).toContain(`Incremental ROAS ${now.iroasBaseline!.toFixed(2)}× (baseline)`);
    const [row] = (await alertRows(db, 'DIGEST_TO')).filter((r) => r.alert_key === `loss_maker:${x.id}`);
    expect(row).toMatchObject({ state: 'active', occurrence: 1, title: `Loss-maker: ${x.name} (${x.platform})` });
    const delivered = await sql<{ state: string; message_id: string; attempts: number }>`
      SELECT state, message_id, attempts FROM ops.alert_deliveries WHERE alert_key = ${`loss_maker:${x.id}`}`.execute(db.store.db);
    expect(delivered.rows).toEqual([{ state: 'sent', message_id: m.parsed.messageId, attempts: 1 }]);
  });

  it('the next run, the condition still true, sends nothing', async () => {
    const before = smtp.received.length;
    const out = await run();
    expect(smtp.received.length).toBe(before);
    expect(out.outcomes.alerts).toMatchObject({ rows: 0, detail: { active: lossMakers.length + 1, opened: 0, cleared: 0, sent: 0 } });
  });

  it('orders that pay for it clear the condition, silently', async () => {
    // one order worth what brings revenue to 300 per order, and 10,000 more
    const now0 = influencerTotals(source).find((t) => t.id === x.id)!;
    const revenue = (300 * (now0.orders + 1) - now0.revenueCents / 100 + 10_000).toFixed(2);
    const now = await addOrders('good_week.csv', [{ user: 'alert-u2', orders: 1, revenue }]);
    expect(now.lossMaker).toBe(false);
    const before = smtp.received.length;
    const out = await run();
    expect(smtp.received.length).toBe(before);
    expect(out.outcomes.alerts).toMatchObject({ detail: { opened: 0, cleared: 1, sent: 0 } });
    const [row] = (await alertRows(db, 'DIGEST_TO')).filter((r) => r.alert_key === `loss_maker:${x.id}`);
    expect(row).toMatchObject({ state: 'cleared', occurrence: 1, cleared: true });
  });

  it('turning loss-making again sends one more mail: the second occurrence', async () => {
    const now0 = influencerTotals(source).find((t) => t.id === x.id)!;
    const n = Math.ceil((now0.revenueCents / 100 - 300 * now0.orders + 0.1 * now0.payout) / 299);
    const now = await addOrders('cheap_again.csv', [{ user: 'alert-u3', orders: n, revenue: n.toFixed(2) }]);
    expect(now.lossMaker).toBe(true);
    expect(now.iroasBaseline!).toBeLessThan(-0.05);
    const before = smtp.received.length;
    await run();
    const mails = smtp.received.slice(before);
    expect(subjects(mails)).toEqual([`Alert: Loss-maker: ${x.name} (${x.platform})`]);
    expect(mails[0]!.parsed.text).toContain(`- Incremental ROAS ${now.iroasBaseline!.toFixed(2)}× (baseline)`);
    const [row] = (await alertRows(db, 'DIGEST_TO')).filter((r) => r.alert_key === `loss_maker:${x.id}`);
    expect(row).toMatchObject({ state: 'active', occurrence: 2, cleared: false });
    const deliveries = await sql<{ occurrence: number; state: string }>`
      SELECT occurrence, state FROM ops.alert_deliveries WHERE alert_key = ${`loss_maker:${x.id}`} ORDER BY occurrence`.execute(
      db.store.db,
    );
    expect(deliveries.rows).toEqual([
      { occurrence: 1, state: 'sent' },
      { occurrence: 2, state: 'sent' },
    ]);
    // and still once: a further run sends nothing
    const again = smtp.received.length;
    await run();
    expect(smtp.received.length).toBe(again);
  });

  it('without SMTP_URL the alerts that became true are written to OUT_DIR, once', async () => {
    const files = mkdtempSync(join(tmpdir(), 'pulse-alert-files-'));
    // a new creator, paid and with no sales: a loss-maker
    await ingest(
      db.store,
      inboxWith({
        'late_influencer.csv': 'ID,name,category,gender,follower_count,platform\n201,@late_signing,Fitness,Female,1200,Instagram\n',
        'late_payout.csv': 'influencer_id,basis,rate,orders,total_payout\n201,post,5000,0,5000\n',
      }),
    );
    await kpis(db.store);
    const out = await alertsRun(db, tuesday, { DIGEST_TO: ana, OUT_DIR: files });
    const written = out.outcomes.alerts!.detail!.written!;
    expect(written).toEqual([join(files, 'alert-loss_maker-201-1.html')]);
    expect(out.outcomes.alerts).toMatchObject({ rows: 1, detail: { opened: 1, messages: 1 } });
    const again = await alertsRun(db, tuesday, { DIGEST_TO: ana, OUT_DIR: files });
    expect(again.outcomes.alerts).toMatchObject({ rows: 0, detail: { opened: 0, messages: 0 } });
    expect(again.outcomes.alerts!.detail!.written).toBeUndefined();
  });
});

describe('alerts: with control groups the evidence is the holdout (generated data, files)', () => {
  let db: Db;
  afterAll(() => db?.drop());

  it("each loss-maker's mail states its holdout estimate, interval and the one-sided evidence that decided", async () => {
    db = await freshDatabase();
    await ingest(db.store, await generatedInbox({ ...dataset, groups: true }));
    await kpis(db.store);
    const outDir = mkdtempSync(join(tmpdir(), 'pulse-alerts-holdout-'));
    const out = await alertsRun(db, tuesday, { DIGEST_TO: ana, OUT_DIR: outDir });
    const [file] = out.outcomes.alerts!.detail!.written!;
    const text = readFileSync(file!.replace(/\.html$/, '.txt'), 'utf8');
    const marts = (
      await sql<{
        name: string;
        iroas_holdout: number | null;
        low: number | null;
        high: number | null;
        holdout_status: string;
        reasons: string[];
      }>`
        SELECT name, iroas_holdout, iroas_holdout_low AS low, iroas_holdout_high AS high, holdout_status, loss_reasons AS reasons
        FROM mart.influencer_kpis WHERE is_loss_maker ORDER BY influencer_id`.execute(db.store.db)
    ).rows;
    const decided = marts.filter((m) => m.reasons.some((r) => r.startsWith('likely losing money: ')));
    expect(decided.length).toBeGreaterThan(0);
    const holdouts = marts.filter((m) => m.iroas_holdout !== null);
    expect(holdouts.length).toBeGreaterThanOrEqual(decided.length);
    for (const m of holdouts) {
      const status = m.holdout_status === 'ok' ? '' : `, ${m.holdout_status}`;
      expect(text).toContain(
        `- Incremental ROAS ${m.iroas_holdout!.toFixed(2)}× (holdout${status}, 95 % interval ${m.low!.toFixed(2)}× to ${m.high!.toFixed(2)}×)`,
      );
    }
    for (const m of decided) expect(text).toContain(`${m.reasons.find((r) => r.startsWith('likely losing money: '))}`);
  });
});

describe('alerts: subscriptions get their slice; stale data; a failed run (generated data, SMTP)', () => {
  let db: Db;
  let smtp: TestSmtp;
  let lossMakers: InfluencerTotals[];
  let platform: string;
  const outDir = mkdtempSync(join(tmpdir(), 'pulse-alerts-'));
  const run = (at = tuesday) => alertsRun(db, at, { SMTP_URL: smtp.url, DIGEST_TO: dana, OUT_DIR: outDir });
  const to = (mails: ReceivedMail[], address: string) => mails.filter((m) => m.envelopeTo.includes(address));

  beforeAll(async () => {
    db = await freshDatabase();
    smtp = await startSmtp();
    const inbox = await generatedInbox(dataset);
    lossMakers = influencerTotals(inbox.source).filter((t) => t.lossMaker);
    // the platform with the most loss-makers, and loss-makers elsewhere to leave out
    const counts = new Map<string, number>();
    for (const t of lossMakers) counts.set(t.platform, (counts.get(t.platform) ?? 0) + 1);
    platform = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    expect(lossMakers.some((t) => t.platform !== platform)).toBe(true);
    await ingest(db.store, inbox);
    await kpis(db.store);
    await addSubscription(db.store.db, { name: 'slice', to: [ana], where: { platform: [platform] }, cadence: 'alerts' }, 'UTC');
    await addSubscription(db.store.db, { name: 'all', to: [ben], cadence: 'both' }, 'UTC');
    await addSubscription(db.store.db, { name: 'digest-only', to: [cy], cadence: 'weekly' }, 'UTC');
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it("a subscription with a slice gets alerts about its slice's creators only; a weekly one and DIGEST_TO get none", async () => {
    const out = await run();
    expect(out.outcomes.alerts).toMatchObject({ detail: { subscriptions: 2 } });
    const inSlice = lossMakers.filter((t) => t.platform === platform);
    const mails = smtp.received;
    expect(to(mails, cy)).toEqual([]);
    expect(to(mails, dana)).toEqual([]);
    const slice = to(mails, ana);
    expect(slice.length).toBe(inSlice.length <= 3 ? inSlice.length : 1);
    const sliceText = slice.map((m) => m.parsed.text).join('\n');
    for (const t of lossMakers) expect(sliceText.includes(`Loss-maker: ${t.name} (${t.platform})`), t.name).toBe(t.platform === platform);
    expect(sliceText).toContain(`For subscription slice (${platform}).`);
    const all = to(mails, ben);
    expect(all).toHaveLength(1);
    for (const t of lossMakers) expect(all[0]!.parsed.text).toContain(`Loss-maker: ${t.name} (${t.platform})`);
    expect((await alertRows(db, 'slice')).map((r) => r.alert_key)).toEqual(inSlice.map((t) => `loss_maker:${t.id}`).sort());
    expect(await alertRows(db, 'digest-only')).toEqual([]);
  });

  it('no new data for more than ALERT_STALE_DAYS days: one stale alert per subscription, once', async () => {
    const before = smtp.received.length;
    // 2026-11-18: three days after the newest day, the 16th and 17th without data: not yet
    await run('2026-11-18T06:00:00Z');
    expect(smtp.received.length).toBe(before);
    await run('2026-11-19T06:00:00Z');
    const mails = smtp.received.slice(before);
    // subscriptions in name order: all (ben), slice (ana)
    expect(mails.map((m) => [m.envelopeTo, m.parsed.subject])).toEqual([
      [[ben], 'Alert: No new data since 2026-11-15'],
      [[ana], 'Alert: No new data since 2026-11-15'],
    ]);
    expect(mails[0]!.parsed.text).toContain('- Newest day in the data: 2026-11-15 (orders 2026-11-15, posts 2026-11-15, ad campaigns –)');
    expect(mails[0]!.parsed.text).toContain('- Today (UTC): 2026-11-19, 3 days without data; the alert is after 3 days (ALERT_STALE_DAYS)');
    const after = smtp.received.length;
    await run('2026-11-20T06:00:00Z');
    expect(smtp.received.length).toBe(after);
    expect((await alertRows(db, 'all')).find((r) => r.alert_key === 'stale')).toMatchObject({ state: 'active', occurrence: 1 });
  });

  it('a failed run: one alert (pointing at pulse status, not quoting the error), to each subscription; the run after clears it', async () => {
    const failed = await runInline(
      { store: db.store, config: testConfig({ DATABASE_URL: db.url }), log: logger, clock: () => new Date(tuesday) },
      { stages: ['ingest'], inbox: join(tmpdir(), 'pulse-no-such-inbox') },
      'test-failure',
    ).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failed?.message).toMatch(/^inbox .*pulse-no-such-inbox cannot be read/);
    const runId = (
      await sql<{ run_id: string }>`SELECT run_id FROM ops.pipeline_runs WHERE trigger = 'test-failure' AND state = 'failed'`.execute(
        db.store.db,
      )
    ).rows[0]!.run_id;
    const before = smtp.received.length;
    await run('2026-11-20T06:00:00Z');
    const mails = smtp.received.slice(before);
    expect(mails.map((m) => m.envelopeTo[0])).toEqual([ben, ana]);
    for (const m of mails) {
      expect(m.parsed.subject).toMatch(/^Alert: Run failed: test-failure, \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      expect(m.parsed.text).toContain(`- Run ${runId} (test-failure) started `);
      expect(m.parsed.text).toContain(`- What failed and why: \`pulse status\` (or GET /runs/${runId})`);
      // the error can name other subscriptions' recipients: it is not in the alert
      expect(m.parsed.text).not.toContain('ingest: inbox ');
    }
    const after = smtp.received.length;
    await run('2026-11-20T07:00:00Z');
    expect(smtp.received.length).toBe(after);
    expect((await alertRows(db, 'all')).find((r) => r.alert_key === `run_failed:${runId}`)).toMatchObject({
      state: 'cleared',
      occurrence: 1,
    });
  });
});

describe('alerts: weekly ROAS drops (creator and ad channel, inline data)', () => {
  let db: Db;
  let smtp: TestSmtp;
  const outDir = mkdtempSync(join(tmpdir(), 'pulse-alerts-'));
  const run = (at: string) => alertsRun(db, at, { SMTP_URL: smtp.url, DIGEST_TO: ana, OUT_DIR: outDir });

  beforeAll(async () => {
    db = await freshDatabase();
    smtp = await startSmtp();
    // Weeks 42 to 46 of 2026 (Mondays 2026-10-12 to 2026-11-09). Creators paid 100 per order:
    // @drop sells 25 orders a week at 400 (ROAS 4×), then 25 at 100 (1×) in week 46;
    // @steady keeps 4×; @thin drops too, but one week before had 19 orders: too few to judge against.
    const mondays = ['2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02', '2026-11-09'];
    const day = (monday: string, plus: number) =>
      new Date(Date.parse(`${monday}T00:00:00Z`) + plus * 86_400_000).toISOString().slice(0, 10);
    let orders = orderHeader;
    mondays.forEach((m, i) => {
      const last = i === mondays.length - 1;
      orders += `Instagram,C,1,u1-${i},Whey,${day(m, 2)},25,${25 * (last ? 100 : 400)}\n`;
      orders += `Instagram,C,2,u2-${i},Whey,${day(m, 2)},25,${25 * 400}\n`;
      orders += `YouTube,C,3,u3-${i},Whey,${day(m, 2)},${i === 1 ? 19 : 25},${(i === 1 ? 19 : 25) * (last ? 100 : 400)}\n`;
    });
    // Ad campaigns, every day: Facebook's revenue falls to a quarter in week 46; Google's holds.
    let ads = 'id,c_date,campaign_name,category,campaign_id,impressions,mark_spent,clicks,leads,orders,revenue\n';
    let id = 0;
    for (const m of mondays)
      for (let d = 0; d < 7; d++) {
        const last = m === mondays.at(-1);
        ads += `${++id},${day(m, d)},facebook_tier1,social,1,10000,1000,200,10,5,${last ? 1000 : 4000}\n`;
        ads += `${++id},${day(m, d)},google_wide,search,2,10000,1000,200,10,5,3000\n`;
      }
    const files = await ingest(
      db.store,
      inboxWith({
        'influencers.csv':
          'id,name,category,gender,follower_count,platform\n1,@drop,Fitness,Female,1000,Instagram\n2,@steady,Fitness,Male,1000,Instagram\n3,@thin,Health,Female,1000,YouTube\n',
        'payouts.csv': 'influencer_id,basis,rate,orders,total_payout\n1,order,100,,12500\n2,order,100,,12500\n3,order,100,,12400\n',
        'orders.csv': orders,
        'ad_campaigns.csv': ads,
      }),
    );
    expect(files.map((f) => f.status)).toEqual(['loaded', 'loaded', 'loaded', 'loaded']);
    await kpis(db.store);
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it('a week below ALERT_DROP × its own four weeks before: one alert each, with both weeks as evidence', async () => {
    const out = await run(tuesday);
    expect(out.outcomes.alerts).toMatchObject({ detail: { week: '2026-W46', opened: 2 } });
    // in key order: roas_drop:channel:… before roas_drop:creator:…
    expect(subjects(smtp.received)).toEqual([
      'Alert: ROAS drop: ad channel Facebook, 1.00× in 2026-W46 against 4.00× before',
      'Alert: ROAS drop: @drop (Instagram), 1.00× in 2026-W46 against 4.00× before',
    ]);
    const [channel, creator] = smtp.received.map((m) => m.parsed.text!);
    expect(channel).toContain('- 2026-W46: ROAS 1.00×, revenue 7,000 on spend 7,000, 35 conversions');
    expect(channel).toContain(
      '- 2026-W42 to the week before: ROAS 4.00×, revenue 112,000 on spend 28,000, at least 35 conversions every week',
    );
    expect(creator).toContain('- 2026-W46: ROAS 1.00×, revenue 2,500 on payout 2,500, 25 orders');
    expect(creator).toContain('- 2026-W42 to the week before: ROAS 4.00×, revenue 40,000 on payout 10,000, at least 25 orders every week');
    expect(creator).toContain('- 25 % of its ROAS over the 4 weeks before; the alert is below 50 % (ALERT_DROP 0.5)');
    expect((await alertRows(db, 'DIGEST_TO')).map((r) => r.alert_key)).toEqual(['roas_drop:channel:Facebook', 'roas_drop:creator:1']);
  });

  it('a higher ALERT_MIN_ORDERS makes the same weeks too thin to judge: nothing new, the creator cleared', async () => {
    const before = smtp.received.length;
    const out = await alertsRun(db, tuesday, { SMTP_URL: smtp.url, DIGEST_TO: ana, OUT_DIR: outDir, ALERT_MIN_ORDERS: '26' });
    expect(smtp.received.length).toBe(before);
    expect(out.outcomes.alerts).toMatchObject({ detail: { opened: 0, cleared: 1 } });
    expect((await alertRows(db, 'DIGEST_TO')).map((r) => [r.alert_key, r.state])).toEqual([
      ['roas_drop:channel:Facebook', 'active'],
      ['roas_drop:creator:1', 'cleared'],
    ]);
  });
});

describe('alerts: a webhook gets each occurrence once, signed, with an idempotency key', () => {
  let db: Db;
  let server: Server;
  let url: string;
  const secret = 'alerts-webhook-secret-0123';
  const seen: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  // the answer to the next post
  let status = 200;
  const run = (at: string) =>
    alertsRun(db, at, { DIGEST_TO: ana, PULSE_WEBHOOK_SECRET: secret, OUT_DIR: mkdtempSync(join(tmpdir(), 'pulse-alerts-')) });

  beforeAll(async () => {
    db = await freshDatabase();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'invalid_payload');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/X`;
    // A webhook and no addresses; no data at all (nothing is stale before anything was loaded).
    await addSubscription(db.store.db, { name: 'hook', webhook: url, cadence: 'alerts' }, 'UTC');
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await db?.drop();
  });

  it('a refused post is retried by the next run under the same key; a delivered one is not posted again', async () => {
    await runInline(
      { store: db.store, config: testConfig({ DATABASE_URL: db.url }), log: logger, clock: () => new Date(tuesday) },
      { stages: ['ingest'], inbox: join(tmpdir(), 'pulse-no-such-inbox') },
      'test-failure',
    ).catch(() => undefined);
    const failedRun = (await sql<{ run_id: string }>`SELECT run_id FROM ops.pipeline_runs WHERE state = 'failed'`.execute(db.store.db))
      .rows[0]!.run_id;

    // 400 is not retried by postWebhook: the delivery fails, the alerts run fails (and is itself a failed run)
    status = 400;
    const first = await run(tuesday).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(first?.message).toMatch(
      /^alerts not delivered to webhook of hook: webhook http:\/\/127\.0\.0\.1:\d+ answered 400: invalid_payload$/,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['idempotency-key']).toBe(`alert:hook:run_failed:${failedRun}:1`);
    const alertsRunId = (
      await sql<{ run_id: string }>`SELECT run_id FROM ops.pipeline_runs WHERE trigger = 'test' AND state = 'failed'`.execute(db.store.db)
    ).rows[0]!.run_id;

    status = 200;
    await run(tuesday);
    expect(seen).toHaveLength(3);
    const posts = seen.slice(1).map((s) => ({ key: s.headers['idempotency-key'], body: JSON.parse(s.body.toString('utf8')) }));
    expect(posts.map((p) => p.key)).toEqual([`alert:hook:run_failed:${alertsRunId}:1`, `alert:hook:run_failed:${failedRun}:1`].sort());
    // the retried post is the same message under the same key
    const retried = seen.slice(1).find((s) => s.headers['idempotency-key'] === `alert:hook:run_failed:${failedRun}:1`)!;
    expect(retried.body.equals(seen[0]!.body)).toBe(true);
    for (const s of seen.slice(1)) {
      expect(s.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(verifySignature(s.body, s.headers['x-pulse-signature'] as string, secret)).toBe(true);
      expect(verifySignature(s.body, s.headers['x-pulse-signature'] as string, `${secret}-other`)).toBe(false);
    }
    const body = JSON.parse(retried.body.toString('utf8'));
    expect(body.text).toMatch(/^Alert: Run failed: test-failure, /);
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: body.text } });
    expect(body.blocks[1].text.text).toContain(`• Run ${failedRun} (test-failure) started `);
    expect(body.blocks[1].text.text).not.toContain('ingest: inbox ');

    const deliveries = await sql<{ alert_key: string; state: string; attempts: number; channel: string }>`
      SELECT alert_key, state, attempts, channel FROM ops.alert_deliveries ORDER BY attempts DESC, alert_key`.execute(db.store.db);
    expect(deliveries.rows).toEqual([
      { alert_key: `run_failed:${failedRun}`, state: 'sent', attempts: 2, channel: 'webhook' },
      { alert_key: `run_failed:${alertsRunId}`, state: 'sent', attempts: 1, channel: 'webhook' },
    ]);

    await run('2026-11-17T07:00:00Z');
    expect(seen).toHaveLength(3);
  });
});
