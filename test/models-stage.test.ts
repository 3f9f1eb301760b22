import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/db/database.ts';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox, influencerFiles, influencerTotals, readCsv } from './support/generated.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

async function runModels(store: Store) {
  const run = await testRun(store, testConfig(), new Date());
  return { runId: run.runId, models: await run.models(), clusters: await run.clusters() };
}

// A few ads in the KAG export's shape (seed 002): Facebook ads with conversions but no revenue.
const kagHeader = 'ad_id,xyz_campaign_id,fb_campaign_id,age,gender,interest,Impressions,Clicks,Spent,Total_Conversion,Approved_Conversion';
const kagRows = Array.from({ length: 40 }, (_, i) => {
  const impressions = 2_000 + ((i * 7_919) % 90_000);
  const clicks = i % 8 === 0 ? 0 : 1 + ((i * 37) % 60);
  const spent = clicks === 0 ? 0 : (clicks * (1.1 + (i % 5) * 0.13)).toFixed(2);
  return [
    710_000 + i,
    916 + (i % 3) * 20,
    103_900 + i,
    ['30-34', '35-39', '40-44'][i % 3],
    i % 2 ? 'F' : 'M',
    10 + (i % 20),
    impressions,
    clicks,
    spent,
    i % 4,
    i % 3,
  ].join(',');
});

describe('models and clusters on generated influencers and ad campaigns', () => {
  let db: Db;
  let influencers: number;
  let ads: number;
  let adsWithReturn: number;
  let unprofitable: number;
  beforeAll(async () => {
    db = await freshDatabase();
    const inbox = await generatedInbox({ orders: 4000, seed: 3, files: [...influencerFiles, 'ad_campaigns'] });
    writeFileSync(join(inbox.inbox, 'kag_ads.csv'), `${[kagHeader, ...kagRows].join('\n')}\n`);
    await ingest(db.store, inbox);
    await kpis(db.store);
    const totals = influencerTotals(inbox.source);
    influencers = totals.length;
    unprofitable = totals.filter((t) => t.roas !== null && t.roas <= 1).length;
    const marketing = readCsv(join(inbox.source, 'ad_campaigns.csv'));
    ads = marketing.length + kagRows.length;
    // ROI needs revenue and spend: only the Marketing-shaped rows with a spend have both
    adsWithReturn = marketing.filter((r) => Number(r.mark_spent) > 0).length;
  });
  afterAll(() => db.drop());

  it('scores every influencer with traceable models and labels clusters, identically twice', async () => {
    const first = await runModels(db.store);
    const scores1 = (await sql`SELECT * FROM mart.influencer_scores ORDER BY influencer_id`.execute(db.store.db)).rows;
    const clusters1 = (
      await sql`SELECT influencer_id, cluster, label, k FROM mart.influencer_clusters ORDER BY influencer_id`.execute(db.store.db)
    ).rows;
    const ads1 = (await sql`SELECT ad_key, cluster, label FROM mart.ad_campaign_clusters ORDER BY ad_key`.execute(db.store.db)).rows;
    expect(scores1).toHaveLength(influencers);
    expect(clusters1).toHaveLength(influencers);
    // every ad has impressions, so every ad is clustered
    expect(ads1).toHaveLength(ads);
    const runs = (
      await sql<{ entity: string; task: string; algorithm: string; chosen: boolean; skipped: string | null; has_model: boolean }>`
      SELECT entity, task, algorithm, chosen, skipped, model IS NOT NULL AS has_model FROM ops.model_runs WHERE run_id = ${first.runId} ORDER BY entity, task, algorithm`.execute(
        db.store.db,
      )
    ).rows;
    expect(runs.filter((r) => r.entity === 'influencer' && r.task === 'clustering')).toHaveLength(1);
    // enough of both outcomes (at least 5 of each, from the files) for 5-fold CV: a classifier is chosen too
    expect(unprofitable).toBeGreaterThanOrEqual(5);
    expect(influencers - unprofitable).toBeGreaterThanOrEqual(5);
    for (const task of ['classification', 'regression'])
      expect(
        runs.filter((r) => r.entity === 'influencer' && r.task === task && r.chosen),
        task,
      ).toHaveLength(1);
    for (const r of runs.filter((r) => r.chosen)) expect(r.has_model).toBe(true);
    const trace = (
      await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM mart.influencer_scores s JOIN ops.model_runs m ON m.model_run_id = s.regressor_run_id WHERE m.chosen`.execute(
        db.store.db,
      )
    ).rows[0]!.n;
    expect(trace).toBe(influencers);
    // KAG-shaped rows carry no revenue, Marketing-shaped rows do: the ad regression trains on those only
    const adRegression = (
      await sql<{
        rows: number;
      }>`SELECT rows::int AS rows FROM ops.model_runs WHERE run_id = ${first.runId} AND entity = 'ad_campaign' AND task = 'regression' AND chosen`.execute(
        db.store.db,
      )
    ).rows;
    expect(adRegression).toEqual([{ rows: adsWithReturn }]);
    // folds keep a campaign's days together; every metric is stored beside its baseline
    const schemes = (
      await sql<{ entity: string; task: string; cv: string | null; skipped: string | null; baseline: Record<string, number> | null }>`
      SELECT entity, task, params->>'cv' AS cv, skipped, metrics->'baseline' AS baseline FROM ops.model_runs
      WHERE run_id = ${first.runId} AND task <> 'clustering' AND (chosen OR skipped IS NOT NULL) ORDER BY entity, task`.execute(db.store.db)
    ).rows;
    for (const r of schemes) {
      if (r.skipped) continue;
      expect(r.cv, `${r.entity} ${r.task}`).toBe(
        r.entity === 'ad_campaign' ? 'stratified 5-fold grouped by campaign' : 'stratified 5-fold',
      );
      expect(Object.keys(r.baseline!).sort()).toEqual(r.task === 'classification' ? ['accuracy', 'auc', 'f1'] : ['mae', 'r2', 'rmse']);
    }
    expect(schemes.find((r) => r.entity === 'ad_campaign' && r.task === 'regression')!.cv).toBe('stratified 5-fold grouped by campaign');
    // influencers with a ROAS are scored out of fold, the rest by the final model
    const kinds = (
      await sql<{ kind: string; n: number; with_roas: number }>`
      SELECT s.score_kind AS kind, count(*)::int AS n, count(k.roas)::int AS with_roas
      FROM mart.influencer_scores s JOIN mart.influencer_kpis k USING (influencer_id) GROUP BY 1 ORDER BY 1`.execute(db.store.db)
    ).rows;
    const withRoas = kinds.reduce((s, k) => s + k.with_roas, 0);
    expect(kinds.filter((k) => k.kind === 'out_of_fold')).toEqual([{ kind: 'out_of_fold', n: withRoas, with_roas: withRoas }]);
    expect(kinds.filter((k) => k.kind !== 'out_of_fold').every((k) => k.kind === 'prediction' && k.with_roas === 0)).toBe(true);

    await runModels(db.store);
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ classifier_run_id, regressor_run_id, ...r }) => r);
    expect(
      strip((await sql<Record<string, unknown>>`SELECT * FROM mart.influencer_scores ORDER BY influencer_id`.execute(db.store.db)).rows),
    ).toEqual(strip(scores1 as Record<string, unknown>[]));
    expect(
      (await sql`SELECT influencer_id, cluster, label, k FROM mart.influencer_clusters ORDER BY influencer_id`.execute(db.store.db)).rows,
    ).toEqual(clusters1);
    expect((await sql`SELECT ad_key, cluster, label FROM mart.ad_campaign_clusters ORDER BY ad_key`.execute(db.store.db)).rows).toEqual(
      ads1,
    );
  });
});

describe('guards', () => {
  let db: Db;
  let influencers: number;
  beforeAll(async () => {
    db = await freshDatabase();
    // Generated influencers whose payouts are rewritten to a third to a seventh of the revenue
    // each brought: every one of them profitable (ROAS 3 to 7).
    const inbox = await generatedInbox({ orders: 2500, seed: 1, influencers: 50 });
    const totals = influencerTotals(inbox.source);
    const payouts = totals.map((t, i) => {
      const payout = Math.max(1, Math.round(t.revenueCents / 100 / (3 + (i % 5))));
      return `${t.id},post,${payout},,${payout}`;
    });
    writeFileSync(join(inbox.inbox, 'payouts.csv'), `${['influencer_id,basis,rate,orders,total_payout', ...payouts].join('\n')}\n`);
    expect(totals.every((t) => t.revenueCents > 0)).toBe(true);
    influencers = totals.length;
    await ingest(db.store, inbox);
    await kpis(db.store);
  });
  afterAll(() => db.drop());

  it('skips the classifier with a reason when every influencer is profitable, and goes on', async () => {
    const { runId, models } = await runModels(db.store);
    expect(String(models.detail!.influencer_classification)).toMatch(/^skipped: .*(class|profitable)/i);
    const skipped = (
      await sql<{
        task: string;
        skipped: string;
      }>`SELECT task, skipped FROM ops.model_runs WHERE run_id = ${runId} AND entity = 'influencer' AND skipped IS NOT NULL`.execute(
        db.store.db,
      )
    ).rows;
    expect(skipped.map((s) => s.task)).toContain('classification');
    // regression still trains and scores
    const n = (await sql<{ n: number }>`SELECT count(predicted_roas)::int AS n FROM mart.influencer_scores`.execute(db.store.db)).rows[0]!
      .n;
    expect(n).toBe(influencers);
  });
});
