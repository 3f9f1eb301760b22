// The ad-campaign roll-ups (mart.ad_campaign_totals, ad_channel_kpis, ad_campaign_weekly, the ad
// columns of weekly_kpis) against sums computed here from the generated file itself, their
// incremental recompute, and the rules for bad ad rows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestWeekWithData } from '../src/db/digest-repo.ts';
import { ingest, kpis } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { type AdSums, adSums, generatedInbox, isoWeek } from './support/generated.ts';
import { inboxWith } from './support/inbox.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;
type Row = Record<string, unknown>;

// The channel each generated campaign name stands for (the cleaner reads it off the name).
const channelOfName: Record<string, string> = {
  facebook: 'Facebook',
  instagram: 'Instagram',
  google: 'Google',
  youtube: 'YouTube',
  banner: 'Banner',
  twitter: 'Twitter',
};
const channel = (campaign: string) => channelOfName[campaign.split('_')[0]!]!;

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
/** The figures a roll-up row must have for these sums. */
function expected(s: Omit<AdSums, 'campaign' | 'week'>) {
  const spend = s.spendCents / 100;
  const revenue = s.revenueCents / 100;
  return {
    rows: s.rows,
    impressions: s.impressions,
    clicks: s.clicks,
    conversions: s.conversions,
    spend,
    revenue,
    ctr: ratio(s.clicks, s.impressions),
    cpc: ratio(spend, s.clicks),
    cpa: ratio(spend, s.conversions),
    cpm: ratio(1000 * spend, s.impressions),
    conversion_rate: ratio(s.conversions, s.clicks),
    roi: ratio(revenue - spend, spend),
  };
}

function expectClose(actual: Row, want: Record<string, number | null>, label: string) {
  for (const [k, v] of Object.entries(want)) {
    if (v === null) expect(actual[k], `${label} ${k}`).toBeNull();
    // relative: sums of a month's spend reach 10^6, where doubles keep about 10^-10
    else
      expect(Math.abs((actual[k] as number) - v), `${label} ${k}: ${actual[k]} vs ${v}`).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(v)) + 1e-9,
      );
  }
}

const rows = async (db: Db, query: ReturnType<typeof sql<Row>>) => (await query.execute(db.store.db)).rows;

describe('ad roll-ups on generated data (ad campaigns only)', () => {
  let db: Db;
  let source: string;
  beforeAll(async () => {
    db = await freshDatabase();
    const inbox = await generatedInbox({ orders: 100, seed: 21, files: ['ad_campaigns'] });
    source = inbox.source;
    await ingest(db.store, inbox);
    await kpis(db.store);
  });
  afterAll(() => db.drop());

  it('sums each campaign and takes ratios of the sums', async () => {
    const want = adSums(source);
    const got = await rows(db, sql<Row>`SELECT * FROM mart.ad_campaign_totals ORDER BY campaign`);
    expect(got.map((r) => r.campaign)).toEqual(want.map((w) => w.campaign).sort());
    for (const w of want) {
      const r = got.find((g) => g.campaign === w.campaign)!;
      expect(r.channel).toBe(channel(w.campaign));
      expectClose(r, expected(w), w.campaign);
      expect(r).toMatchObject({ complete_rows: w.rows, flagged_rows: 0, spend_estimated_share: 0 });
    }
  });

  it('sums each channel over its campaigns', async () => {
    const byChannel = new Map<string, AdSums & { campaigns: number }>();
    for (const w of adSums(source)) {
      const c = byChannel.get(channel(w.campaign)) ?? {
        ...w,
        rows: 0,
        impressions: 0,
        clicks: 0,
        conversions: 0,
        spendCents: 0,
        revenueCents: 0,
        campaigns: 0,
      };
      c.campaigns++;
      for (const k of ['rows', 'impressions', 'clicks', 'conversions', 'spendCents', 'revenueCents'] as const) c[k] += w[k];
      byChannel.set(channel(w.campaign), c);
    }
    const got = await rows(db, sql<Row>`SELECT * FROM mart.ad_channel_kpis ORDER BY channel`);
    expect(got.map((r) => r.channel)).toEqual([...byChannel.keys()].sort());
    for (const [name, c] of byChannel) {
      const r = got.find((g) => g.channel === name)!;
      expect(r.campaigns).toBe(c.campaigns);
      expectClose(r, expected(c), name);
    }
  });

  it('sums each campaign and ISO week, with the change on the week before', async () => {
    const want = adSums(source, true);
    expect(new Set(want.map((w) => w.week)).size).toBeGreaterThanOrEqual(4);
    const got = await rows(db, sql<Row>`SELECT * FROM mart.ad_campaign_weekly ORDER BY campaign, week_start`);
    expect(got.length).toBe(want.length);
    const weeks = [...new Set(want.map((w) => w.week!))].sort();
    for (const w of want) {
      const r = got.find((g) => g.campaign === w.campaign && g.week === w.week)!;
      expectClose(r, expected(w), `${w.campaign} ${w.week}`);
      const prevWeek = weeks[weeks.indexOf(w.week!) - 1];
      const prev = want.find((p) => p.campaign === w.campaign && p.week === prevWeek);
      if (!prev) {
        expect(r).toMatchObject({ spend_change: null, revenue_change: null, roi_change: null });
        continue;
      }
      const [now, before] = [expected(w), expected(prev)];
      expectClose(
        r,
        {
          spend_change: now.spend - before.spend,
          revenue_change: now.revenue - before.revenue,
          roi_change: now.roi === null || before.roi === null ? null : now.roi - before.roi,
        },
        `${w.campaign} ${w.week} change`,
      );
    }
  });

  it('makes every week with ad rows a week with data in mart.weekly_kpis', async () => {
    const want = new Map<string, Omit<AdSums, 'campaign'>>();
    for (const w of adSums(source, true)) {
      const s = want.get(w.week!) ?? { ...w, rows: 0, impressions: 0, clicks: 0, conversions: 0, spendCents: 0, revenueCents: 0 };
      for (const k of ['rows', 'impressions', 'clicks', 'conversions', 'spendCents', 'revenueCents'] as const) s[k] += w[k];
      want.set(w.week!, s);
    }
    const got = await rows(db, sql<Row>`SELECT * FROM mart.weekly_kpis ORDER BY week_start`);
    expect(got.map((r) => r.week)).toEqual([...want.keys()].sort());
    let before: ReturnType<typeof expected> | undefined;
    for (const r of got) {
      const e = expected(want.get(r.week as string)!);
      expect(r).toMatchObject({ influencers: 0, orders: 0, revenue: 0, payout: 0, roas: null, ad_campaigns: 11 });
      expectClose(
        r,
        { ad_spend: e.spend, ad_revenue: e.revenue, ad_conversions: e.conversions, ad_roi: e.roi, ad_cpa: e.cpa },
        r.week as string,
      );
      expectClose(
        r,
        before
          ? { ad_spend_change: e.spend - before.spend, ad_roi_change: e.roi! - before.roi!, ad_cpa_change: e.cpa! - before.cpa! }
          : { ad_spend_change: null, ad_roi_change: null, ad_cpa_change: null },
        `${r.week} change`,
      );
      before = e;
    }
    expect(await latestWeekWithData(db.store.db)).toBe([...want.keys()].sort().at(-1));
  });
});

describe('incremental ad recompute', () => {
  let db: Db;
  beforeAll(async () => (db = await freshDatabase()));
  afterAll(() => db.drop());

  const weekly = async () => rows(db, sql<Row>`SELECT xmin::text AS xmin, * FROM mart.ad_campaign_weekly ORDER BY campaign, week_start`);
  const withoutXmin = (rs: Row[]) => rs.map(({ xmin: _, ...r }) => r);
  const allAdMarts = async () => ({
    weekly: withoutXmin(await weekly()),
    totals: await rows(db, sql<Row>`SELECT * FROM mart.ad_campaign_totals ORDER BY 1, 2`),
    channels: await rows(db, sql<Row>`SELECT * FROM mart.ad_channel_kpis ORDER BY 1`),
    rows: await rows(db, sql<Row>`SELECT * FROM mart.ad_campaign_kpis ORDER BY 1`),
    weeks: await rows(db, sql<Row>`SELECT * FROM mart.weekly_kpis ORDER BY 2`),
  });

  it('recomputes only the week a second export touches (and the change of the week after), as a full recompute would', async () => {
    const base = await generatedInbox({ orders: 100, seed: 22, files: ['ad_campaigns'] });
    await ingest(db.store, base);
    await kpis(db.store);
    const before = await weekly();
    const weeks = [...new Set(before.map((r) => r.week as string))].sort();
    const [touched, after] = [weeks[1]!, weeks[2]!];
    // the same ads of the second week exported again with a higher spend (same id: the same ad key)
    const [header, ...lines] = readFileSync(join(base.source, 'ad_campaigns.csv'), 'utf8').trim().split('\n');
    const again = lines
      .filter((l) => isoWeek(l.split(',')[1]!) === touched)
      .slice(0, 5)
      .map((l) => {
        const f = l.split(',');
        f[6] = (Number(f[6]) + 1000).toFixed(2);
        return f.join(',');
      });
    expect(again.length).toBe(5);
    await ingest(db.store, inboxWith({ 'ads-again.csv': `${[header, ...again].join('\n')}\n` }));
    expect(await kpis(db.store)).toMatchObject({ full: false, weeks: 1 });
    const now = await weekly();
    expect(now.length).toBe(before.length);
    const key = (r: Row) => `${r.campaign}|${r.week}`;
    const changedCampaigns = new Set(again.map((l) => l.split(',')[2]));
    for (const r of now) {
      const old = before.find((b) => key(b) === key(r))!;
      if (r.week === touched) {
        // every row of the touched week is rewritten; the campaigns re-exported have 1,000 more spend per row
        expect(r.xmin).not.toBe(old.xmin);
        if (changedCampaigns.has(r.campaign as string)) expect(r.spend as number).toBeGreaterThan(old.spend as number);
        else expect(withoutXmin([r])).toEqual(withoutXmin([old]));
      } else if (r.week === after) {
        // the week after: its own sums stand, its change against the touched week moves
        const { spend_change: a, revenue_change: _r, roi_change: _o, xmin: _x, ...rest } = r;
        const { spend_change: b, revenue_change: _r2, roi_change: _o2, xmin: _x2, ...oldRest } = old;
        expect(rest).toEqual(oldRest);
        if (changedCampaigns.has(r.campaign as string)) expect(a as number).toBeLessThan(b as number);
      } else {
        // other weeks are not even rewritten
        expect(r).toEqual(old);
      }
    }
    const incremental = await allAdMarts();
    await kpis(db.store, { rebuild: true });
    expect(await allAdMarts()).toEqual(incremental);
  });
});

describe('bad ad rows', () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(
      db.store,
      inboxWith({
        'ads.csv': [
          'campaign_name,c_date,impressions,clicks,mark_spent,orders,revenue',
          'fb_ok,2025-06-02,100,10,50,2,300',
          'fb_ok,2025-06-03,0,3,5,0,0',
          'fb_ok,2025-06-04,10,11,5,0,0',
          'fb_ok,2025-06-05,100,10,5,11,900',
          'fb_ok,2025-06-06,100,10,-5,1,90',
          '',
        ].join('\n'),
        'kag.csv': [
          'ad_id,xyz_campaign_id,fb_campaign_id,age,gender,interest,Impressions,Clicks,Spent,Total_Conversion,Approved_Conversion',
          '1,916,103916,30-34,M,15,7350,1,1.43,2,1',
          '2,916,103917,30-34,M,16,17861,0,0,1,0',
          '3,916,103918,30-34,M,16,1000,2,1.5,1,0',
          '4,916,103919,30-34,M,16,0,2,1.5,1,0',
          '',
        ].join('\n'),
      }),
    );
    await kpis(db.store);
  });
  afterAll(() => db.drop());

  it('rejects impossible rows with the reason', async () => {
    const rejects = await rows(
      db,
      sql<Row>`SELECT f.file_name, r.line, r.column_name, r.value, r.reason FROM ops.rejects r JOIN ops.ingest_files f USING (file_id) ORDER BY 1, 2`,
    );
    expect(rejects).toEqual([
      { file_name: 'ads.csv', line: 3, column_name: 'clicks', value: '3', reason: 'are clicks without impressions (impressions is 0)' },
      { file_name: 'ads.csv', line: 4, column_name: 'clicks', value: '11', reason: 'is more than the impressions (10)' },
      { file_name: 'ads.csv', line: 5, column_name: 'orders', value: '11', reason: 'is more than the clicks (10)' },
      { file_name: 'ads.csv', line: 6, column_name: 'mark_spent', value: '-5', reason: 'is negative; spend must be 0 or more' },
      { file_name: 'kag.csv', line: 5, column_name: 'Clicks', value: '2', reason: 'are clicks without impressions (impressions is 0)' },
    ]);
  });

  it("loads the KAG export's conversions without clicks with a flag", async () => {
    const flagged = await rows(db, sql<Row>`SELECT ad_key, quality_flag FROM mart.ad_campaign_kpis WHERE campaign = '916' ORDER BY 1`);
    expect(flagged).toEqual([
      { ad_key: '916:1', quality_flag: 'conversions_exceed_clicks' },
      { ad_key: '916:2', quality_flag: 'conversions_exceed_clicks' },
      { ad_key: '916:3', quality_flag: null },
    ]);
    const [kag] = await rows(
      db,
      sql<Row>`SELECT rows, flagged_rows, conversion_rate, roi FROM mart.ad_campaign_totals WHERE campaign = '916'`,
    );
    expect(kag).toEqual({ rows: 3, flagged_rows: 2, conversion_rate: 4 / 3, roi: null });
  });
});
