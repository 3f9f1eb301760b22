import { adCampaignModelInputs, influencerModelInputs, recordTask, replaceInfluencerScores } from '../db/models-repo.ts';
import { trainAndScore } from '../pipeline/models/train.ts';
import { defineStage } from './stage.ts';

/**
 * Trains the profitability classifier and ROAS regressor for influencers and ad campaigns,
 * records every candidate in ops.model_runs and writes the chosen models' influencer scores
 * (out-of-fold for influencers with a ROAS, the final model's prediction for the others).
 * A task that cannot be trained (too few rows, one class) is recorded as skipped with its reason.
 */
export const modelsStage = defineStage({
  name: 'models',
  async run(deps) {
    const { store, runId, log } = deps;
    const seed = deps.config.PULSE_SEED;
    const inf = trainAndScore(await influencerModelInputs(store.db), { seed });
    // A campaign's days are alike: folds keep each campaign whole, or the metrics reward recognising it.
    const ad = trainAndScore(await adCampaignModelInputs(store.db), { seed, groupedBy: 'campaign' });
    await store.db.transaction().execute(async (trx) => {
      const classifier = await recordTask(trx, runId, 'influencer', 'classification', inf.classification);
      const regressor = await recordTask(trx, runId, 'influencer', 'regression', inf.regression);
      await replaceInfluencerScores(trx, classifier || regressor ? inf.scores : [], classifier, regressor);
      await recordTask(trx, runId, 'ad_campaign', 'classification', ad.classification);
      await recordTask(trx, runId, 'ad_campaign', 'regression', ad.regression);
    });
    const detail: Record<string, string> = {};
    const tasks = {
      influencer_classification: inf.classification,
      influencer_regression: inf.regression,
      ad_classification: ad.classification,
      ad_regression: ad.regression,
    };
    for (const [name, t] of Object.entries(tasks)) {
      detail[name] =
        'skipped' in t
          ? `skipped: ${t.skipped}`
          : `${t.chosen.algorithm} ${JSON.stringify(t.candidates.find((c) => c.chosen)!.metrics)} baseline ${JSON.stringify(t.candidates[0]!.baseline)} (${t.cv})`;
      if ('skipped' in t) log.warn({ task: name, reason: t.skipped }, 'model skipped');
    }
    return { rows: inf.scores.length, detail };
  },
});
