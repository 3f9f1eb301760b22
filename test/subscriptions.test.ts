// Subscriptions (issue 18): each manager gets the digest of their slice, over real SMTP, once per
// (period, subscription, recipient) across reruns and a killed sender; a webhook gets the summary
// once, signed; the slice's figures are the marts' own; bad subscriptions are refused with what
// is allowed. The same on the HealthKart export when the fixture data is there.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigestData } from '../src/db/digest-repo.ts';
import { addSubscription, listSubscriptions, removeSubscription } from '../src/db/subscriptions-repo.ts';
import { InputError } from '../src/errors.ts';
import { parsePeriod } from '../src/pipeline/shared/calendar.ts';
import type { Slice } from '../src/pipeline/shared/slice.ts';
import { fmtMoney, fmtRatio } from '../src/report/format.ts';
import { AD_POINTS_SHOWN, TREND_WEEKS } from '../src/report/theme.ts';
import { verifySignature } from '../src/report/webhook.ts';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { fixtureInbox, fixtureSuite } from './support/fixture-data.ts';
import { generatedInbox, type InfluencerTotals, influencerFiles, influencerTotals } from './support/generated.ts';
import { type ReceivedMail, startSmtp, type TestSmtp } from './support/smtp.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const repoRoot = new URL('../', import.meta.url).pathname;
const ana = 'ana@example.com';
const ben = 'ben@example.com';
const cy = 'cy@example.com';
const SECRET = 'webhook-secret-0123456789';

/** The loss-makers a digest's text part lists: [name, platform] per "- name (platform): ROAS …" line. */
function listedLossMakers(mail: ReceivedMail): [string, string][] {
  const text = mail.parsed.text ?? '';
  const block = text.slice(text.indexOf('\nLoss-makers ('));
  const lines = block.split('\n').slice(2);
  const listed: [string, string][] = [];
  for (const line of lines) {
    const m = /^- (.+) \(([^)]*)\): ROAS /.exec(line);
    if (!m) break;
    listed.push([m[1]!, m[2]!]);
  }
  return listed;
}

/** The all-time line of a slice's text part: "Revenue: 1,234" → { Revenue: '1,234', … }. */
function sliceLine(mail: ReceivedMail): Record<string, string> {
  const text = mail.parsed.text ?? '';
  const start = text.indexOf('\nAll time · ');
  if (start < 0) return {};
  const out: Record<string, string> = {};
  for (const line of text
    .slice(start + 1)
    .split('\n')
    .slice(1, 7)) {
    const m = /^(Revenue|Payout|ROAS|Incremental ROAS): (.+?)(?: \((.*)\))?$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

interface PlatformRow {
  influencers: number;
  orders: number;
  revenue: number;
  payout: number;
  roas: number | null;
  iroas_baseline: number | null;
  loss_makers: number;
  iroas_summed: number | null;
}
const platformRow = async (db: Db, platform: string) =>
  (
    await sql<PlatformRow>`
      SELECT influencers::int, orders::int, revenue::float8, payout::float8, roas, iroas_baseline, loss_makers::int, iroas_summed
      FROM mart.platform_kpis WHERE platform = ${platform}`.execute(db.store.db)
  ).rows[0]!;

/** The slice's all-time line, as the mart's platform row formats. */
const expectedLine = (p: PlatformRow) => ({
  Revenue: fmtMoney(p.revenue),
  Payout: fmtMoney(p.payout),
  ROAS: fmtRatio(p.roas),
  'Incremental ROAS': fmtRatio(p.iroas_summed ?? p.iroas_baseline),
});

describe('subscriptions (generated data)', () => {
  let db: Db;
  let smtp: TestSmtp;
  let run: Awaited<ReturnType<typeof testRun>>;
  let totals: InfluencerTotals[];
  let latest: string;
  let hook: Server;
  let hookUrl: string;
  const posts: { body: string; signature: string | undefined; key: string | undefined }[] = [];
  const env = () => ({ DATABASE_URL: db.url, SMTP_URL: smtp.url, DIGEST_TO: cy, PULSE_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'warn' });
  const digest = (period: string, extra: Record<string, unknown> = {}) => run.digest({ period, ...extra }, testConfig(env()));
  const mailsOf = (period: string) => smtp.received.filter((m) => m.parsed.subject?.startsWith(`Week ${Number(period.slice(-2))}`));

  beforeAll(async () => {
    db = await freshDatabase();
    smtp = await startSmtp();
    // 40 generated creators on several platforms, and one more on Instagram that was paid and sold
    // nothing: both slices have loss-makers.
    const inbox = await generatedInbox({ orders: 3000, seed: 1, groups: false });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      `${inbox.inbox}/extra_influencers.csv`,
      'ID,name,category,gender,follower_count,platform\n101,@paid_no_sales,Fitness,Female,1200,Instagram\n',
    );
    writeFileSync(`${inbox.inbox}/extra_payouts.csv`, 'influencer_id,basis,rate,orders,total_payout\n101,post,5000,0,5000\n');
    totals = influencerTotals(inbox.source);
    await ingest(db.store, inbox);
    await kpis(db.store);
    run = await testRun(db.store, testConfig(env()));
    await run.models();
    await run.clusters();
    latest = (await sql<{ week: string }>`SELECT max(week) AS week FROM mart.weekly_kpis`.execute(db.store.db)).rows[0]!.week;
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posts.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: req.headers['x-pulse-signature'] as string | undefined,
          key: req.headers['idempotency-key'] as string | undefined,
        });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await smtp?.close();
    await new Promise((resolve) => hook?.close(resolve));
    await db?.drop();
  });

  it('refuses what no row has, naming what is allowed; matches values without regard to case', async () => {
    const add = (input: Record<string, unknown>) => addSubscription(db.store.db, input, 'UTC');
    await expect(add({ name: 'x', to: [ana], where: { colour: 'red' } })).rejects.toThrow(
      /unknown key colour; keys are platform, category/,
    );
    await expect(add({ name: 'x', to: [ana], where: { platform: 'MySpace' } })).rejects.toThrow(
      /platform "MySpace" is in no row; platform values are .*Instagram/,
    );
    await expect(add({ name: 'x', to: [ana], where: { platform: 'Instagram', channel: 'Google' } })).rejects.toThrow(InputError);
    await expect(add({ name: 'Bad Name', to: [ana] })).rejects.toThrow(/name: use lower-case letters/);
    await expect(add({ name: 'x' })).rejects.toThrow(/give recipients \(to\) or a webhook/);
    await expect(add({ name: 'x', to: ['not-mail'] })).rejects.toThrow(/must be an e-mail address/);
    await expect(add({ name: 'x', to: [ana], webhook: 'http://example.com/services/T0/B0/SECRET' })).rejects.toThrow(
      /webhook URL http:\/\/example\.com refused/,
    );
    await expect(add({ name: 'x', to: [ana], timezone: 'Mars/Base' })).rejects.toThrow(/IANA time zone/);
    const made = await add({ name: 'probe', to: [ana], where: { platform: 'instagram' } });
    expect(made.slice).toEqual({ platform: ['Instagram'] });
    await expect(add({ name: 'probe', to: [ben] })).rejects.toThrow(/subscription probe exists/);
    expect(await removeSubscription(db.store.db, 'probe')).toBe(true);
    expect(await removeSubscription(db.store.db, 'probe')).toBe(false);
    expect(await listSubscriptions(db.store.db)).toEqual([]);
  });

  it('each subscription gets its slice: Instagram loss-makers only, and the figures of mart.platform_kpis', async () => {
    await addSubscription(db.store.db, { name: 'insta', to: [ana], where: { platform: ['Instagram'] } }, 'UTC');
    await addSubscription(db.store.db, { name: 'everything', to: [ana, ben], webhook: hookUrl }, 'UTC');
    // Two subscriptions on one slice render once.
    await addSubscription(db.store.db, { name: 'insta-too', to: [ben], where: { platform: 'INSTAGRAM' } }, 'UTC');
    const out = await digest(latest);
    expect(out.detail).toMatchObject({ subscriptions: 3, renders: 2, sent: 5 });
    const mails = mailsOf(latest);
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual([ana, ana, ben, ben]);
    // DIGEST_TO is not a subscription when there are stored ones.
    expect(mails.some((m) => m.envelopeTo.includes(cy))).toBe(false);

    const insta = mails.filter((m) => m.parsed.subject!.includes(' · Instagram: '));
    expect(insta.map((m) => m.envelopeTo[0]).sort()).toEqual([ana, ben]);
    const instaLosers = totals.filter((t) => t.lossMaker && t.platform === 'Instagram').map((t) => t.name);
    const listed = listedLossMakers(insta[0]!);
    expect(listed.map(([, p]) => p)).toEqual(listed.map(() => 'Instagram'));
    expect(listed.map(([n]) => n).sort()).toEqual([...instaLosers, '@paid_no_sales'].sort());
    const row = await platformRow(db, 'Instagram');
    expect(sliceLine(insta[0]!)).toEqual(expectedLine(row));
    expect(insta[0]!.parsed.text).toContain(`All time · Instagram: ${row.influencers} creators, ${row.loss_makers} loss-maker`);
    expect(insta[0]!.parsed.html).toContain('Instagram');

    const all = mails.filter((m) => !m.parsed.subject!.includes(' · '));
    expect(all.map((m) => m.envelopeTo[0]).sort()).toEqual([ana, ben]);
    const allLosers = totals.filter((t) => t.lossMaker).map((t) => t.name);
    expect(
      listedLossMakers(all[0]!)
        .map(([n]) => n)
        .sort(),
    ).toEqual([...allLosers, '@paid_no_sales'].sort());
    expect(new Set(listedLossMakers(all[0]!).map(([, p]) => p)).size).toBeGreaterThan(1);
    expect(sliceLine(all[0]!)).toEqual({});

    // The webhook got the unfiltered summary once, signed with the secret.
    expect(posts).toHaveLength(1);
    expect(verifySignature(posts[0]!.body, posts[0]!.signature, SECRET)).toBe(true);
    expect(posts[0]!.key).toBe(`digest:${latest}:everything`);
    expect(JSON.parse(posts[0]!.body).text).toContain(all[0]!.parsed.subject);
  });

  it('a second run for the same week sends nothing', async () => {
    const before = smtp.received.length;
    const again = await digest(latest);
    expect(again.skipped).toMatch(/already delivered/);
    expect(smtp.received.length).toBe(before);
    expect(posts).toHaveLength(1);
    const rows = await sql<{ subscription: string; recipient: string; state: string; channel: string }>`
      SELECT subscription, recipient, state, channel FROM ops.digests WHERE period = ${latest} ORDER BY 1, 2`.execute(db.store.db);
    expect(rows.rows.map((r) => [r.subscription, r.recipient, r.state, r.channel])).toEqual([
      ['everything', ana, 'sent', 'email'],
      ['everything', ben, 'sent', 'email'],
      ['everything', hookUrl, 'sent', 'webhook'],
      ['insta', ana, 'sent', 'email'],
      ['insta-too', ben, 'sent', 'email'],
    ]);
  });

  it('a sender killed between recipients: the restarted run sends each recipient once', async () => {
    const period = (await sql<{ week: string }>`SELECT week FROM mart.weekly_kpis ORDER BY week DESC OFFSET 1 LIMIT 1`.execute(db.store.db))
      .rows[0]!.week;
    await removeSubscription(db.store.db, 'insta-too');
    await removeSubscription(db.store.db, 'insta');
    const pulse = (): ChildProcess =>
      spawn(process.execPath, ['src/cli/main.js', 'digest', '--period', period, '--subscription', 'everything'], {
        cwd: repoRoot,
        env: { ...process.env, ...env(), PULSE_WEBHOOK_SECRET: SECRET },
        stdio: 'ignore',
      });
    const exited = (p: ChildProcess) => new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
    // The first process is killed as it starts on ben (ana was sent and recorded).
    const first = pulse();
    smtp.onRcpt = (address) => {
      if (address === ben) first.kill('SIGKILL');
    };
    smtp.reject.add(ben);
    await exited(first);
    smtp.reject.delete(ben);
    smtp.onRcpt = undefined;
    expect(mailsOf(period).map((m) => m.envelopeTo)).toEqual([[ana]]);
    const claimed = await sql<{ recipient: string; state: string }>`
      SELECT recipient, state FROM ops.digests WHERE period = ${period} AND channel = 'email' ORDER BY 1`.execute(db.store.db);
    expect(claimed.rows).toEqual([
      { recipient: ana, state: 'sent' },
      { recipient: ben, state: 'sending' },
    ]);
    // The restart finds the first run dead, takes over its claim on ben, and leaves ana alone.
    expect(await exited(pulse())).toBe(0);
    expect(
      mailsOf(period)
        .map((m) => m.envelopeTo[0])
        .sort(),
    ).toEqual([ana, ben]);
    expect(posts.filter((p) => p.key === `digest:${period}:everything`)).toHaveLength(1);
  });
});

// With control groups, ad campaigns, products and campaigns: each one-key slice's all-time line is
// its dimension mart's row (holdout incremental ROAS summed over creators, with its interval), and
// an ad channel's slice is that channel's row of mart.ad_channel_kpis.
describe('slice figures against the dimension marts (generated data with control groups and ads)', () => {
  let db: Db;
  const load = (slice: Slice) =>
    loadDigestData(db.store.db, parsePeriod(latest), { trendWeeks: TREND_WEEKS, adPoints: AD_POINTS_SHOWN, slice });
  let latest: string;
  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(db.store, await generatedInbox({ orders: 20_000, seed: 3, groups: true, files: [...influencerFiles, 'ad_campaigns'] }));
    await kpis(db.store);
    latest = (await sql<{ week: string }>`SELECT max(week) AS week FROM mart.weekly_kpis`.execute(db.store.db)).rows[0]!.week;
  });
  afterAll(() => db?.drop());

  it.each([
    ['platform', 'mart.platform_kpis'],
    ['category', 'mart.category_kpis'],
    ['product', 'mart.product_kpis'],
    ['campaign', 'mart.campaign_kpis'],
  ] as const)('a %s slice has the row of %s', async (key, table) => {
    const rows = (
      await sql<Record<string, number | string | null>>`
        SELECT ${sql.ref(key)} AS key, orders::float8, revenue::float8, payout::float8, roas, loss_makers::int,
               iroas_summed, iroas_summed_low, iroas_summed_high
        FROM ${sql.table(table)} ORDER BY revenue DESC LIMIT 2`.execute(db.store.db)
    ).rows;
    expect(rows.length).toBe(2);
    for (const row of rows) {
      const totals = (await load({ [key]: [row.key as string] })).scope.totals!;
      expect(totals.orders).toBe(row.orders);
      expect(Number(totals.revenue)).toBeCloseTo(row.revenue as number, 2);
      expect(Number(totals.payout)).toBeCloseTo(row.payout as number, 2);
      expect(totals.roas).toBeCloseTo(row.roas as number, 9);
      expect(totals.loss_makers).toBe(row.loss_makers);
      expect(row.iroas_summed).not.toBeNull();
      expect(totals.iroas_summed).toBeCloseTo(row.iroas_summed as number, 9);
      // The interval's t quantile is taken at a df summed in another order: equal to about 1e-9.
      expect(totals.iroas_summed_low).toBeCloseTo(row.iroas_summed_low as number, 6);
      expect(totals.iroas_summed_high).toBeCloseTo(row.iroas_summed_high as number, 6);
      expect(totals.iroas_summed_low).toBeLessThan(totals.iroas_summed!);
    }
  });

  it('an ad-channel slice keeps that channel of ad campaigns and no creators', async () => {
    const [channel] = (
      await sql<{ channel: string; spend: number; roi: number | null; cpa: number | null }>`
        SELECT channel, spend::float8, roi, cpa FROM mart.ad_channel_kpis ORDER BY spend DESC LIMIT 1`.execute(db.store.db)
    ).rows;
    const d = await load({ channel: [channel!.channel] });
    expect(d.scope).toMatchObject({ creators: false, ads: true, totals: null });
    expect(d.influencers).toEqual([]);
    expect(new Set(d.adCampaigns.map((c) => c.channel))).toEqual(new Set([channel!.channel]));
    expect(d.adChannels).toHaveLength(1);
    expect(Number(d.adChannels[0]!.spend)).toBeCloseTo(channel!.spend, 2);
    expect(d.adChannels[0]!.roi).toBeCloseTo(channel!.roi!, 9);
    expect(d.adChannels[0]!.cpa).toBeCloseTo(channel!.cpa!, 9);
  });

  it('everything: the slice is the whole portfolio, with both halves and the marts own week', async () => {
    const d = await load({});
    const week = (await sql<{ revenue: number }>`SELECT revenue::float8 FROM mart.weekly_kpis WHERE week = ${latest}`.execute(db.store.db))
      .rows[0]!;
    expect(d.scope).toMatchObject({ label: '', creators: true, ads: true, totals: null });
    expect(Number(d.week!.revenue)).toBeCloseTo(week.revenue, 2);
    // A slice's week is summed from mart.influencer_weekly: for a platform, that platform's creators.
    const [p] = (
      await sql<{ platform: string }>`SELECT platform FROM mart.platform_kpis ORDER BY revenue DESC LIMIT 1`.execute(db.store.db)
    ).rows;
    const sliced = await load({ platform: [p!.platform] });
    const direct = (
      await sql<{ revenue: number }>`
        SELECT sum(w.revenue)::float8 AS revenue FROM mart.influencer_weekly w JOIN mart.influencer_kpis k USING (influencer_id)
        WHERE w.week = ${latest} AND k.platform = ${p!.platform}`.execute(db.store.db)
    ).rows[0]!;
    expect(Number(sliced.week!.revenue)).toBeCloseTo(direct.revenue, 2);
    expect(Number(sliced.week!.revenue)).toBeLessThan(Number(d.week!.revenue));
  });
});

const healthkart = fixtureSuite('healthkart', 'subscriptions on the HealthKart export (seed 000)');
describe.skipIf(healthkart[0])(healthkart[1], () => {
  let db: Db;
  let smtp: TestSmtp;

  beforeAll(async () => {
    db = await freshDatabase();
    smtp = await startSmtp();
    await ingest(db.store, fixtureInbox('healthkart'));
    await kpis(db.store);
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it('the Instagram mail names only Instagram loss-makers, with the Instagram row of mart.platform_kpis; the unfiltered one all four', async () => {
    const cfg = testConfig({ DATABASE_URL: db.url, SMTP_URL: smtp.url, LOG_LEVEL: 'warn' });
    await addSubscription(db.store.db, { name: 'instagram', to: [ana], where: { platform: 'Instagram' } }, 'UTC');
    await addSubscription(db.store.db, { name: 'all', to: [ben] }, 'UTC');
    const run = await testRun(db.store, cfg);
    await run.digest({ period: 'latest' });
    const losers = (
      await sql<{ name: string; platform: string }>`SELECT name, platform FROM mart.loss_makers ORDER BY name`.execute(db.store.db)
    ).rows;
    expect(losers).toHaveLength(4);
    const [insta] = smtp.received.filter((m) => m.envelopeTo[0] === ana);
    const [all] = smtp.received.filter((m) => m.envelopeTo[0] === ben);
    expect(insta!.parsed.subject).toMatch(/^Week \d+ · Instagram: /);
    expect(
      listedLossMakers(insta!)
        .map(([n]) => n)
        .sort(),
    ).toEqual(losers.filter((l) => l.platform === 'Instagram').map((l) => l.name));
    expect(sliceLine(insta!)).toEqual(expectedLine(await platformRow(db, 'Instagram')));
    expect(
      listedLossMakers(all!)
        .map(([n]) => n)
        .sort(),
    ).toEqual(losers.map((l) => l.name));
    // A second run sends nothing more.
    const before = smtp.received.length;
    await run.digest({ period: 'latest' });
    expect(smtp.received.length).toBe(before);
  });
});
