import {
  adCampaignModelInputs,
  type Entity,
  influencerModelInputs,
  recordTask,
  replaceInfluencerScores,
  reusableRun,
} from '../db/models-repo.ts';
import { type ModelInput, type ModelOptions, type ModelResult, trainAndScore, trainingInputHash } from '../pipeline/models/train.ts';
import { defineStage } from './stage.ts';

type Planned = { entity: Entity; hash: string | null } & ({ reusedFrom: string } | { result: ModelResult });

/**
 * Trains the profitability classifier and ROAS regressor for influencers and ad campaigns,
 * records every candidate in ops.model_runs and writes the chosen models' influencer scores
 * (out-of-fold for influencers with a ROAS, the final model's prediction for the others).
 * A task that cannot be trained (too few rows, one class) is recorded as skipped with its reason.
 * An entity whose inputs hash as its newest recorded runs did (issue 19) is not trained again:
 * its runs and scores stand, and nothing new is recorded for it.
 */
export const modelsStage = defineStage({
  name: 'models',
  async run(deps) {
    const { store, runId, log } = deps;
    const seed = deps.config.PULSE_SEED;
    const plan = async (entity: Entity, rows: ModelInput[], opts: ModelOptions): Promise<Planned> => {
      const hash = trainingInputHash(rows, opts);
      const reusedFrom = await reusableRun(store.db, entity, ['classification', 'regression'], hash);
      return reusedFrom !== null ? { entity, hash, reusedFrom } : { entity, hash, result: trainAndScore(rows, opts) };
    };
    const inf = await plan('influencer', await influencerModelInputs(store.db), { seed });
    // A campaign's days are alike: folds keep each campaign whole, or the metrics reward recognising it.
    const ad = await plan('ad_campaign', await adCampaignModelInputs(store.db), { seed, groupedBy: 'campaign' });
    await store.db.transaction().execute(async (trx) => {
      if ('result' in inf) {
        const classifier = await recordTask(trx, runId, 'influencer', 'classification', inf.result.classification, inf.hash);
        const regressor = await recordTask(trx, runId, 'influencer', 'regression', inf.result.regression, inf.hash);
        await replaceInfluencerScores(trx, classifier || regressor ? inf.result.scores : [], classifier, regressor);
      }
      if ('result' in ad) {
        await recordTask(trx, runId, 'ad_campaign', 'classification', ad.result.classification, ad.hash);
        await recordTask(trx, runId, 'ad_campaign', 'regression', ad.result.regression, ad.hash);
      }
    });
    const detail: Record<string, string> = {};
    for (const [prefix, p] of [
      ['influencer', inf],
      ['ad', ad],
    ] as const) {
      if ('reusedFrom' in p) {
        const note = `inputs unchanged since run ${p.reusedFrom}: models reused`;
        detail[`${prefix}_classification`] = note;
        detail[`${prefix}_regression`] = note;
        log.info({ entity: p.entity, run: p.reusedFrom }, 'model inputs unchanged: models reused');
        continue;
      }
      for (const [task, t] of [
        ['classification', p.result.classification],
        ['regression', p.result.regression],
      ] as const) {
        const name = `${prefix}_${task}`;
        detail[name] =
          'skipped' in t
            ? `skipped: ${t.skipped}`
            : `${t.chosen.algorithm} ${JSON.stringify(t.candidates.find((c) => c.chosen)!.metrics)} baseline ${JSON.stringify(t.candidates[0]!.baseline)} (${t.cv})`;
        if ('skipped' in t) log.warn({ task: name, reason: t.skipped }, 'model skipped');
      }
    }
    return { rows: 'result' in inf ? inf.result.scores.length : 0, detail };
  },
});
