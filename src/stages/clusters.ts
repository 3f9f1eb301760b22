import { adCampaignClusterInputs, type Entity, influencerClusterInputs, recordClusters } from '../db/models-repo.ts';
import { type ClusterInput, type ClusterResult, clusteringInputHash, clusterTrainingRows } from '../pipeline/clusters/clusters.ts';
import { keepTrainingSet, type Planned, planFit, withFitter } from './refit.ts';
import { defineStage } from './stage.ts';

/**
 * k-means segments of influencers and ad campaigns, k chosen by silhouette. An entity whose
 * segments still stand (src/stages/refit.ts: the same inputs, or the same creators or campaigns
 * with their figures moved by at most MODEL_REFIT_DRIFT) is not clustered again. Fits run in a
 * helper process (src/stages/fitter.ts), started when the first one is needed.
 */
export const clustersStage = defineStage({
  name: 'clusters',
  async run(deps) {
    const { store, runId } = deps;
    const seed = deps.config.PULSE_SEED;
    const [inf, ad] = await withFitter(async (fitter) => {
      const plan = (entity: Entity, rows: ClusterInput[]) =>
        planFit(
          deps,
          entity,
          'clustering',
          ['clustering'],
          { hash: clusteringInputHash(rows, { seed }), optionsHash: clusteringInputHash([], { seed }), rows: clusterTrainingRows(rows) },
          () => fitter().call('clusterEntities', rows, { seed }),
        );
      return [
        await plan('influencer', await influencerClusterInputs(store.db)),
        await plan('ad_campaign', await adCampaignClusterInputs(store.db)),
      ];
    });
    let rows = 0;
    await store.db.transaction().execute(async (trx) => {
      for (const p of [inf, ad]) {
        if (!('result' in p)) continue;
        rows += await recordClusters(trx, runId, p.entity, p.result, p.inputs.hash);
        await keepTrainingSet(trx, p.entity, 'clustering', runId, p.inputs);
      }
    });
    const describe = (p: Planned<ClusterResult>) => {
      if ('reusedFrom' in p) return p.note;
      const r = p.result;
      return 'skipped' in r
        ? `skipped: ${r.skipped}`
        : `k=${r.k}, silhouette ${r.silhouette.toFixed(2)}: ${r.centroids.map((c) => `${c.label} (${c.size})`).join(', ')}`;
    };
    const detail: Record<string, string> = { influencer: describe(inf), ad_campaign: describe(ad) };
    for (const [key, p] of [
      ['influencer', inf],
      ['ad_campaign', ad],
    ] as const)
      if ('refit' in p) detail[`${key}_fitted_because`] = p.refit;
    return { rows, detail };
  },
});
