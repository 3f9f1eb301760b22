import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigestData } from '../src/db/digest-repo.ts';
import { parsePeriod } from '../src/pipeline/shared/calendar.ts';
import type { DigestData } from '../src/report/digest-data.ts';
import { buildDigestModel, LOSS_MAKERS_SHOWN } from '../src/report/digest-model.ts';
import { mjmlToHtml } from '../src/report/mjml.ts';
import { digestMjml, type InlineChart, type OmittedChart, renderDigestText } from '../src/report/render-email.ts';
import { AD_POINTS_SHOWN, TREND_WEEKS } from '../src/report/theme.ts';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox, type InfluencerTotals, influencerTotals, newestWeek } from './support/generated.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const lastRun = '2026-11-23 07:00 UTC';
const charts: InlineChart[] = [
  {
    cid: 'roas-by-platform@campaign-pulse',
    title: 'ROAS by platform',
    alt: 'ROAS by platform: YouTube 4.7×, Twitter 4.4×, Instagram 4.0×',
    width: 1120,
    height: 360,
  },
  {
    cid: 'revenue-vs-payout@campaign-pulse',
    title: 'Revenue vs payout',
    alt: 'Revenue against payout per influencer',
    width: 1120,
    height: 932,
  },
];
const omitted: OmittedChart[] = [{ title: 'Loss by product', reason: 'no data for it yet' }];

// 1,500 orders of 40 influencers without a control group (like the HealthKart export).
const dataset = { orders: 1500, seed: 1, groups: false };

describe('digest snapshots (generated data)', () => {
  let db: Db;
  let week: string;
  let lossMakers: InfluencerTotals[];
  const load = async (week: string): Promise<DigestData> => {
    const data = await loadDigestData(db.store.db, parsePeriod(week), { trendWeeks: TREND_WEEKS, adPoints: AD_POINTS_SHOWN });
    return { ...data, quality: { ...data.quality, last_run: lastRun } };
  };

  beforeAll(async () => {
    db = await freshDatabase();
    const inbox = await generatedInbox(dataset);
    week = newestWeek(inbox.source);
    lossMakers = influencerTotals(inbox.source).filter((t) => t.lossMaker);
    await ingest(db.store, inbox);
    await kpis(db.store);
    const run = await testRun(db.store, testConfig(), new Date('2026-11-23T07:00:00Z'));
    await run.models();
    await run.clusters();
  });
  afterAll(() => db?.drop());

  it('the newest week: model, HTML with cid: images, text part and leaderboard', async () => {
    expect(week).toBe('2026-W46');
    const model = buildDigestModel(await load(week), { minWinnerSpend: 1000 });
    const { leaderboardCsv, ...shown } = model;
    expect(lossMakers.length).toBeGreaterThan(0);
    expect(shown.subject).toMatch(new RegExp(`^Week 46: ROAS \\d+\\.\\d× \\([▲▼■]\\d+\\.\\d\\), ${lossMakers.length} loss-makers$`));
    expect(shown.lossMakers.map((l) => l.name).sort()).toEqual(lossMakers.map((t) => t.name).sort());
    // what they cost, summed from the files: payout less revenue
    const lost = lossMakers.reduce((sum, t) => sum + t.payout * 100 - t.revenueCents, 0) / 100;
    expect(shown.insights).toContainEqual(expect.stringContaining(`${lossMakers.length} loss-makers (`));
    expect(shown.insights).toContainEqual(
      expect.stringContaining(`cost ${Math.round(lost).toLocaleString('en-US')} more than they returned`),
    );
    expect(shown.footer).toContain(`Last successful run: ${lastRun}.`);
    expect(shown).toMatchSnapshot();

    const html = await mjmlToHtml(digestMjml(model, charts, omitted));
    expect(await mjmlToHtml(digestMjml(model, charts, omitted))).toBe(html);
    expect([...html.matchAll(/src="cid:([^"]+)"/g)].map((x) => x[1])).toEqual(charts.map((c) => c.cid));
    await expect(html).toMatchFileSnapshot('__snapshots__/digest-generated-2026-W46.html');
    await expect(renderDigestText(model, omitted)).toMatchFileSnapshot('__snapshots__/digest-generated-2026-W46.txt');
    await expect(leaderboardCsv).toMatchFileSnapshot('__snapshots__/leaderboard-generated-2026-W46.csv');
  });

  it(`lists the ${LOSS_MAKERS_SHOWN} largest losses and counts the rest, which the leaderboard flags`, async () => {
    const data = await load(week);
    // 30 loss-makers, largest loss first (as mart.loss_makers is read)
    const lossMakers = Array.from({ length: 30 }, (_, i) => ({
      ...data.lossMakers[0]!,
      influencer_id: `x${i}`,
      name: `@loss${i}`,
      payout: 10_000 - i * 100,
      revenue: 0,
    }));
    const model = buildDigestModel({ ...data, lossMakers }, { minWinnerSpend: 1000 });
    expect(model.subject).toMatch(/, 30 loss-makers$/);
    expect(model.lossMakers.map((l) => l.name)).toEqual(lossMakers.slice(0, LOSS_MAKERS_SHOWN).map((l) => l.name));
    expect(model.lossMakersTotal).toBe(30);
    const more = `…and ${30 - LOSS_MAKERS_SHOWN} more with smaller losses`;
    const html = await mjmlToHtml(digestMjml(model, charts, omitted));
    expect(html).toContain('Loss-makers (30)');
    expect(html).toContain(more);
    expect(html).not.toContain(`@loss${LOSS_MAKERS_SHOWN}<`);
    const text = renderDigestText(model, omitted);
    expect(text).toContain('Loss-makers (30)');
    expect(text).toContain(more);
    expect(text).not.toContain(`@loss${LOSS_MAKERS_SHOWN} `);
  });

  it('a week without data: the short notice, no charts, no leaderboard', async () => {
    const model = buildDigestModel(await load('2024-W10'), { minWinnerSpend: 1000 });
    expect(model).toMatchSnapshot();
    expect(model.leaderboardCsv).toBeNull();
    const html = await mjmlToHtml(digestMjml(model, [], []));
    expect(html).not.toContain('cid:');
    await expect(html).toMatchFileSnapshot('__snapshots__/digest-2024-W10-empty.html');
    await expect(renderDigestText(model, [])).toMatchFileSnapshot('__snapshots__/digest-2024-W10-empty.txt');
  });
});
