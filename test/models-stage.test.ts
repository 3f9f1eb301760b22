// The models and clusters stages on real fixtures: every run recorded, scores traceable to
// the model that made them, the same labels for the same data, and skips explained.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { freshDatabase } from './support/db.ts';
import { fixtureInbox } from './support/inbox.ts';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { logger } from '../src/logger.ts';
import type { Store } from '../src/db/database.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

async function runModels(store: Store) {
  const run = await testRun(store, testConfig(), new Date());
  return { runId: run.runId, models: await run.models(), clusters: await run.clusters() };
}

describe('models and clusters on healthkart + campaigns', () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(db.store, fixtureInbox('healthkart'));
    await ingest(db.store, fixtureInbox('campaigns'));
    await kpis(db.store);
  });
  afterAll(() => db.drop());

  it('scores every influencer with traceable models and labels clusters, identically twice', async () => {
    const first = await runModels(db.store);
    const scores1 = (await sql`SELECT * FROM mart.influencer_scores ORDER BY influencer_id`.execute(db.store.db)).rows;
    const clusters1 = (await sql`SELECT influencer_id, cluster, label, k FROM mart.influencer_clusters ORDER BY influencer_id`.execute(db.store.db)).rows;
    const ads1 = (await sql`SELECT ad_key, cluster, label FROM mart.ad_campaign_clusters ORDER BY ad_key`.execute(db.store.db)).rows;
    expect(scores1).toHaveLength(100);
    expect(clusters1).toHaveLength(100);
    expect(ads1.length).toBeGreaterThan(1000);
    const runs = (await sql<{ entity: string; task: string; algorithm: string; chosen: boolean; skipped: string | null; has_model: boolean }>`
      SELECT entity, task, algorithm, chosen, skipped, model IS NOT NULL AS has_model FROM ops.model_runs WHERE run_id = ${first.runId} ORDER BY entity, task, algorithm`.execute(db.store.db)).rows;
    // healthkart has 4 loss-makers: too few for 5-fold stratified CV, so only the regressor and clusters train
    expect(runs.filter((r) => r.entity === 'influencer' && r.task === 'clustering')).toHaveLength(1);
    for (const r of runs.filter((r) => r.chosen)) expect(r.has_model).toBe(true);
    const trace = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM mart.influencer_scores s JOIN ops.model_runs m ON m.model_run_id = s.regressor_run_id WHERE m.chosen`.execute(db.store.db)).rows[0]!.n;
    expect(trace).toBe(100);
    // KAG rows carry no revenue, Marketing.csv rows do: the ad regression trains on those
    expect(runs.some((r) => r.entity === 'ad_campaign' && r.task === 'regression' && r.chosen)).toBe(true);

    await runModels(db.store);
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ classifier_run_id, regressor_run_id, ...r }) => r);
    expect(strip((await sql<Record<string, unknown>>`SELECT * FROM mart.influencer_scores ORDER BY influencer_id`.execute(db.store.db)).rows)).toEqual(strip(scores1 as Record<string, unknown>[]));
    expect((await sql`SELECT influencer_id, cluster, label, k FROM mart.influencer_clusters ORDER BY influencer_id`.execute(db.store.db)).rows).toEqual(clusters1);
    expect((await sql`SELECT ad_key, cluster, label FROM mart.ad_campaign_clusters ORDER BY ad_key`.execute(db.store.db)).rows).toEqual(ads1);
  });
});

describe('guards', () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDatabase();
    await ingest(db.store, fixtureInbox('ansh'));
    await kpis(db.store);
  });
  afterAll(() => db.drop());

  it('skips the classifier with a reason when every influencer is profitable, and goes on', async () => {
    const { runId, models } = await runModels(db.store);
    expect(String(models.detail!.influencer_classification)).toMatch(/^skipped: .*(class|profitable)/i);
    const skipped = (await sql<{ task: string; skipped: string }>`SELECT task, skipped FROM ops.model_runs WHERE run_id = ${runId} AND entity = 'influencer' AND skipped IS NOT NULL`.execute(db.store.db)).rows;
    expect(skipped.map((s) => s.task)).toContain('classification');
    // regression still trains and scores
    const n = (await sql<{ n: number }>`SELECT count(predicted_roas)::int AS n FROM mart.influencer_scores`.execute(db.store.db)).rows[0]!.n;
    expect(n).toBe(50);
  });
});
