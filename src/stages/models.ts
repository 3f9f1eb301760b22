import { adCampaignClusterInputs, adCampaignModelInputs, influencerClusterInputs, influencerModelInputs, recordClusters, recordTask, replaceInfluencerScores } from '../db/models-repo.ts';
import { clusterEntities } from '../pipeline/clusters/clusters.ts';
import { trainAndScore } from '../pipeline/models/train.ts';
import type { StageContext, StageOutcome } from './stage.ts';

/**
 * Trains the profitability classifier and ROAS regressor for influencers and ad campaigns,
 * records every candidate in ops.model_runs and writes the chosen models' influencer scores.
 * A task that cannot be trained (too few rows, one class) is recorded as skipped with its reason.
 */
export async function modelsStage(ctx: StageContext): Promise<StageOutcome> {
  const seed = ctx.config.PULSE_SEED;
  const influencers = await influencerModelInputs(ctx.store.db);
  const ads = await adCampaignModelInputs(ctx.store.db);
  const inf = trainAndScore(influencers, { seed });
  const ad = trainAndScore(ads, { seed });
  const detail: Record<string, string> = {};
  await ctx.store.db.transaction().execute(async (trx) => {
    const classifier = await recordTask(trx, ctx.runId, 'influencer', 'classification', inf.classification);
    const regressor = await recordTask(trx, ctx.runId, 'influencer', 'regression', inf.regression);
    await replaceInfluencerScores(trx, classifier || regressor ? inf.scores : [], classifier, regressor);
    await recordTask(trx, ctx.runId, 'ad_campaign', 'classification', ad.classification);
    await recordTask(trx, ctx.runId, 'ad_campaign', 'regression', ad.regression);
  });
  for (const [name, t] of Object.entries({ influencer_classification: inf.classification, influencer_regression: inf.regression, ad_classification: ad.classification, ad_regression: ad.regression })) {
    detail[name] = 'skipped' in t ? `skipped: ${t.skipped}` : `${t.chosen.algorithm} ${JSON.stringify(t.candidates.find((c) => c.chosen)!.metrics)}`;
    if ('skipped' in t) ctx.log.warn({ task: name, reason: t.skipped }, 'model skipped');
  }
  return { rows: inf.scores.length, detail };
}

/** k-means segments of influencers and ad campaigns, k chosen by silhouette. */
export async function clustersStage(ctx: StageContext): Promise<StageOutcome> {
  const seed = ctx.config.PULSE_SEED;
  const inf = clusterEntities(await influencerClusterInputs(ctx.store.db), { seed });
  const ad = clusterEntities(await adCampaignClusterInputs(ctx.store.db), { seed });
  let rows = 0;
  await ctx.store.db.transaction().execute(async (trx) => {
    rows += await recordClusters(trx, ctx.runId, 'influencer', inf);
    rows += await recordClusters(trx, ctx.runId, 'ad_campaign', ad);
  });
  const describe = (r: typeof inf) => ('skipped' in r ? `skipped: ${r.skipped}` : `k=${r.k}, silhouette ${r.silhouette.toFixed(2)}: ${r.centroids.map((c) => `${c.label} (${c.size})`).join(', ')}`);
  return { rows, detail: { influencer: describe(inf), ad_campaign: describe(ad) } };
}
