// The digest's pure outputs for the healthkart fixture, pinned: the DigestModel (every figure
// and sentence shown), the HTML with its cid: images, the text part and the leaderboard CSV;
// and the short digest of a week without data. Only fixed inputs: the footer's "last run" is
// set here, the charts are fixed references (their pixels are render-chart's tests' business).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../src/db/runs-repo.ts';
import { logger } from '../src/logger.ts';
import { parsePeriod } from '../src/pipeline/shared/calendar.ts';
import { loadDigestData } from '../src/db/digest-repo.ts';
import type { DigestData } from '../src/report/digest-data.ts';
import { buildDigestModel, LOSS_MAKERS_SHOWN } from '../src/report/digest-model.ts';
import { renderDigestHtml, renderDigestText, type InlineChart, type OmittedChart } from '../src/report/render-email.ts';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { fixtureInbox } from './support/inbox.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const lastRun = '2026-01-05 07:00 UTC';
const charts: InlineChart[] = [
  { cid: 'roas-by-platform@campaign-pulse', title: 'ROAS by platform', alt: 'ROAS by platform: YouTube 4.7×, Twitter 4.4×, Instagram 4.0×', width: 1120, height: 360 },
  { cid: 'revenue-vs-payout@campaign-pulse', title: 'Revenue vs payout', alt: 'Revenue against payout per influencer', width: 1120, height: 932 },
];
const omitted: OmittedChart[] = [{ title: 'Loss by product', reason: 'no data for it yet' }];

describe('digest snapshots (healthkart)', () => {
  let db: Db;
  const load = async (week: string): Promise<DigestData> => {
    const data = await loadDigestData(db.store.db, parsePeriod(week));
    return { ...data, quality: { ...data.quality, last_run: lastRun } };
  };

  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(db.store, fixtureInbox('healthkart'));
    await kpis(db.store);
    const run = await testRun(db.store, testConfig());
    await run.models();
    await run.clusters();
  });
  afterAll(() => db?.drop());

  it('week 2025-W29: model, HTML with cid: images, text part and leaderboard', async () => {
    const model = buildDigestModel(await load('2025-W29'), { minWinnerSpend: 1000 });
    const { leaderboardCsv, ...shown } = model;
    expect(shown.subject).toBe('Week 29: ROAS 3.3× (▼0.8), 4 loss-makers');
    expect(shown.lossMakers.map((l) => l.name).sort()).toEqual(['@keith66', '@luis92', '@marilyn66', '@taylor48']);
    expect(shown.footer).toContain(`Last successful run: ${lastRun}.`);
    expect(shown).toMatchSnapshot();

    const html = await renderDigestHtml(model, charts, omitted);
    expect(await renderDigestHtml(model, charts, omitted)).toBe(html);
    expect([...html.matchAll(/src="cid:([^"]+)"/g)].map((x) => x[1])).toEqual(charts.map((c) => c.cid));
    await expect(html).toMatchFileSnapshot('__snapshots__/digest-2025-W29.html');
    await expect(renderDigestText(model, omitted)).toMatchFileSnapshot('__snapshots__/digest-2025-W29.txt');
    await expect(leaderboardCsv).toMatchFileSnapshot('__snapshots__/leaderboard-2025-W29.csv');
  });

  it(`lists the ${LOSS_MAKERS_SHOWN} largest losses and counts the rest, which the leaderboard flags`, async () => {
    const data = await load('2025-W29');
    // 30 loss-makers, largest loss first (as mart.loss_makers is read)
    const lossMakers = Array.from({ length: 30 }, (_, i) => ({ ...data.lossMakers[0]!, influencer_id: `x${i}`, name: `@loss${i}`, payout: 10_000 - i * 100, revenue: 0 }));
    const model = buildDigestModel({ ...data, lossMakers }, { minWinnerSpend: 1000 });
    expect(model.subject).toMatch(/, 30 loss-makers$/);
    expect(model.lossMakers.map((l) => l.name)).toEqual(lossMakers.slice(0, LOSS_MAKERS_SHOWN).map((l) => l.name));
    expect(model.lossMakersTotal).toBe(30);
    const more = `…and ${30 - LOSS_MAKERS_SHOWN} more with smaller losses`;
    const html = await renderDigestHtml(model, charts, omitted);
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
    const html = await renderDigestHtml(model, [], []);
    expect(html).not.toContain('cid:');
    await expect(html).toMatchFileSnapshot('__snapshots__/digest-2024-W10-empty.html');
    await expect(renderDigestText(model, [])).toMatchFileSnapshot('__snapshots__/digest-2024-W10-empty.txt');
  });
});
