import { adCampaignModelInputs, type Entity, influencerModelInputs, recordTask, replaceInfluencerScores } from '../db/models-repo.ts';
import { type ModelInput, type ModelOptions, modelTrainingRows, trainingInputHash } from '../pipeline/models/train.ts';
import { keepTrainingSet, planFit, withFitter } from './refit.ts';
import { defineStage } from './stage.ts';

/**
 * Trains the profitability classifier and ROAS regressor for influencers and ad campaigns,
 * records every candidate in ops.model_runs and writes the chosen models' influencer scores
 * (out-of-fold for influencers with a ROAS, the final model's prediction for the others).
 * A task that cannot be trained (too few rows, one class) is recorded as skipped with its reason.
 * An entity whose models still stand (src/stages/refit.ts: the same inputs, or the same set with
 * its targets moved by at most MODEL_REFIT_DRIFT) is not trained again: its runs and scores
 * stand, and nothing new is recorded for it. Fits run in a helper process (src/stages/fitter.ts),
 * started when the first one is needed.
 */
export const modelsStage = defineStage({
  name: 'models',
  async run(deps) {
    const { store, runId, log } = deps;
    const seed = deps.config.PULSE_SEED;
    const [inf, ad] = await withFitter(async (fitter) => {
      const plan = (entity: Entity, rows: ModelInput[], opts: ModelOptions) =>
        planFit(
          deps,
          entity,
          'models',
          ['classification', 'regression'],
          { hash: trainingInputHash(rows, opts), optionsHash: trainingInputHash([], opts), rows: modelTrainingRows(rows) },
          () => fitter().call('trainAndScore', rows, opts),
        );
      return [
        await plan('influencer', await influencerModelInputs(store.db), { seed }),
        // A campaign's days are alike: folds keep each campaign whole, or the metrics reward recognising it.
        await plan('ad_campaign', await adCampaignModelInputs(store.db), { seed, groupedBy: 'campaign' }),
      ];
    });
    await store.db.transaction().execute(async (trx) => {
      if ('result' in inf) {
        const classifier = await recordTask(trx, runId, 'influencer', 'classification', inf.result.classification, inf.inputs.hash);
        const regressor = await recordTask(trx, runId, 'influencer', 'regression', inf.result.regression, inf.inputs.hash);
        await replaceInfluencerScores(trx, classifier || regressor ? inf.result.scores : [], classifier, regressor);
      }
      if ('result' in ad) {
        await recordTask(trx, runId, 'ad_campaign', 'classification', ad.result.classification, ad.inputs.hash);
        await recordTask(trx, runId, 'ad_campaign', 'regression', ad.result.regression, ad.inputs.hash);
      }
      for (const p of [inf, ad]) if ('result' in p) await keepTrainingSet(trx, p.entity, 'models', runId, p.inputs);
    });
    const detail: Record<string, string> = {};
    for (const [prefix, p] of [
      ['influencer', inf],
      ['ad', ad],
    ] as const) {
      if ('reusedFrom' in p) {
        detail[`${prefix}_classification`] = p.note;
        detail[`${prefix}_regression`] = p.note;
        continue;
      }
      detail[`${prefix}_fitted_because`] = p.refit;
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
