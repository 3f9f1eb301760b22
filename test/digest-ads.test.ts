// The digest's ad-campaign section: with only ad campaigns the digest is about them (subject,
// tiles, best and worst campaigns, channel and ROI charts, the campaign sheet) and shows no empty
// influencer tables; with both kinds of data both sections appear. Expectations are summed here
// from the generated file, never read from the pipeline.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigestData } from '../src/db/digest-repo.ts';
import { parsePeriod } from '../src/pipeline/shared/calendar.ts';
import { AD_CAMPAIGNS_SHOWN, buildDigestModel } from '../src/report/digest-model.ts';
import { mailOptions } from '../src/report/mail.ts';
import { AD_POINTS_SHOWN, TREND_WEEKS } from '../src/report/theme.ts';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { adSums, generatedInbox, influencerFiles } from './support/generated.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const roiOf = (s: { spendCents: number; revenueCents: number }) => (s.revenueCents - s.spendCents) / s.spendCents;

describe('digest with ad campaigns only', () => {
  let db: Db;
  let source: string;
  let outDir: string;
  let detail: { period: string; subject?: string; files?: { html: string; eml: string; text: string } };
  beforeAll(async () => {
    db = await freshDatabase();
    const inbox = await generatedInbox({ orders: 100, seed: 21, files: ['ad_campaigns'] });
    source = inbox.source;
    await ingest(db.store, inbox);
    await kpis(db.store);
    outDir = mkdtempSync(join(tmpdir(), 'pulse-digest-ads-'));
    const run = await testRun(db.store, testConfig({ DATABASE_URL: db.url, OUT_DIR: outDir }));
    detail = (await run.digest({ period: 'latest' })).detail as typeof detail;
  });
  afterAll(() => db?.drop());

  it('is about the ad campaigns: subject, tiles of the newest week with the change on the week before', async () => {
    const weeks = new Map<string, { spendCents: number; revenueCents: number; conversions: number }>();
    for (const s of adSums(source, true)) {
      const w = weeks.get(s.week!) ?? { spendCents: 0, revenueCents: 0, conversions: 0 };
      w.spendCents += s.spendCents;
      w.revenueCents += s.revenueCents;
      w.conversions += s.conversions;
      weeks.set(s.week!, w);
    }
    const [before, latest] = [...weeks.keys()].sort().slice(-2) as [string, string];
    expect(detail.period).toBe(latest);
    const [now, prev] = [weeks.get(latest)!, weeks.get(before)!];
    const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
    const money = (cents: number) => Math.round(cents / 100).toLocaleString('en-US');
    expect(detail.subject).toMatch(new RegExp(`^Week \\d+: Ad ROI ${pct(roiOf(now))} \\([▲▼■]\\d+%\\) on ${money(now.spendCents)} spend$`));
    const model = buildDigestModel(
      await loadDigestData(db.store.db, parsePeriod(latest), { trendWeeks: TREND_WEEKS, adPoints: AD_POINTS_SHOWN }),
      {
        minWinnerSpend: 1000,
      },
    );
    expect(model).toMatchObject({
      influencerSection: false,
      adSection: true,
      tiles: [],
      winners: [],
      lossMakers: [],
      leaderboardCsv: null,
    });
    expect(model.adTiles.map((t) => [t.label, t.value])).toEqual([
      ['Ad spend', money(now.spendCents)],
      ['Ad revenue', money(now.revenueCents)],
      ['Ad ROI', pct(roiOf(now))],
      ['CPA', money(now.spendCents / now.conversions)],
    ]);
    const spendChange = now.spendCents - prev.spendCents;
    expect(model.adTiles[0]!.change).toBe(`${spendChange > 0 ? '▲' : '▼'}${money(Math.abs(spendChange))}`);
  });

  it('lists the best and worst campaigns by ROI (all time) with their spend', async () => {
    const ranked = adSums(source).sort((a, b) => roiOf(b) - roiOf(a));
    const html = readFileSync(detail.files!.html, 'utf8');
    const [bestAt, worstAt] = [html.indexOf('Best ad campaigns (by ROI)'), html.indexOf('Worst ad campaigns')];
    expect(bestAt).toBeGreaterThan(0);
    expect(worstAt).toBeGreaterThan(bestAt);
    const best = ranked.slice(0, AD_CAMPAIGNS_SHOWN);
    const worst = ranked.slice(-AD_CAMPAIGNS_SHOWN).reverse();
    let at = bestAt;
    for (const c of [...best, ...worst]) {
      const next = html.indexOf(`>${c.campaign}<`, at);
      expect(next, c.campaign).toBeGreaterThan(at);
      expect(html.slice(next, next + 600)).toContain(Math.round(c.spendCents / 100).toLocaleString('en-US'));
      at = next;
    }
    const text = readFileSync(detail.files!.text, 'utf8');
    expect(text).toContain(`- ${best[0]!.campaign} (`);
    expect(text).toContain('every ad campaign is attached as CSV');
  });

  it('shows no influencer tables or charts, and the ad charts', () => {
    const html = readFileSync(detail.files!.html, 'utf8');
    for (const absent of ['Winners (by incremental ROAS)', 'Loss-makers (', 'ROAS by platform', 'left out'])
      expect(html).not.toContain(absent);
    expect(existsSync(join(outDir, 'ad-channels.png'))).toBe(true);
    expect(existsSync(join(outDir, 'ad-roi-trend.png'))).toBe(true);
    expect(existsSync(join(outDir, 'roas-by-platform.png'))).toBe(false);
    expect(existsSync(join(outDir, `leaderboard-${detail.period}.csv`))).toBe(false);
  });

  it('attaches the campaign sheet: every campaign, best ROI first', () => {
    const csv = readFileSync(join(outDir, `campaigns-${detail.period}.csv`), 'utf8');
    const rows = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
    const ranked = adSums(source).sort((a, b) => roiOf(b) - roiOf(a));
    expect(rows.map((r) => r.campaign)).toEqual(ranked.map((c) => c.campaign));
    for (const r of rows) {
      const s = ranked.find((c) => c.campaign === r.campaign)!;
      expect(Number(r.spend)).toBe(s.spendCents / 100);
      expect(Number(r.roi)).toBeCloseTo(roiOf(s), 4);
    }
    const eml = readFileSync(detail.files!.eml, 'utf8');
    expect(eml).toContain(`filename=campaigns-${detail.period}.csv`);
    expect(eml).not.toContain('filename=leaderboard-');
  });
});

describe('digest with influencers and ad campaigns', () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(db.store, await generatedInbox({ orders: 1500, seed: 1, groups: false, files: [...influencerFiles, 'ad_campaigns'] }));
    await kpis(db.store);
  });
  afterAll(() => db?.drop());

  it('has both sections, both CSV attachments, and a subject naming both', async () => {
    const data = await loadDigestData(db.store.db, parsePeriod('2026-W46'), { trendWeeks: TREND_WEEKS, adPoints: AD_POINTS_SHOWN });
    const model = buildDigestModel(data, { minWinnerSpend: 1000 });
    expect(model).toMatchObject({ influencerSection: true, adSection: true });
    expect(model.subject).toMatch(/^Week 46: ROAS \d+\.\d×.*, \d+ loss-makers?; ad ROI -?\d+%/);
    expect(model.tiles.map((t) => t.label)).toEqual(['Revenue', 'Spend', 'ROAS', 'Orders']);
    expect(model.adTiles.map((t) => t.label)).toEqual(['Ad spend', 'Ad revenue', 'Ad ROI', 'CPA']);
    expect(model.insights.some((s) => s.includes('is the best ad campaign'))).toBe(true);
    expect(model.insights.some((s) => s.includes('loss-maker'))).toBe(true);
    const attachments = mailOptions(
      {
        period: model.period,
        subscription: 'DIGEST_TO',
        from: 'a@example.com',
        subject: model.subject,
        html: '',
        text: '',
        csv: model.leaderboardCsv,
        campaignsCsv: model.campaignsCsv,
        images: [],
      },
      'b@example.com',
    ).attachments!.map((a) => a.filename);
    expect(attachments).toEqual(['leaderboard-2026-W46.csv', 'campaigns-2026-W46.csv']);
  });
});
