import { adCampaignClusterInputs, influencerClusterInputs, recordClusters } from '../db/models-repo.ts';
import { clusterEntities } from '../pipeline/clusters/clusters.ts';
import { defineStage } from './stage.ts';

/** k-means segments of influencers and ad campaigns, k chosen by silhouette. */
export const clustersStage = defineStage({
  name: 'clusters',
  async run(deps) {
    const { store, runId } = deps;
    const seed = deps.config.PULSE_SEED;
    const inf = clusterEntities(await influencerClusterInputs(store.db), { seed });
    const ad = clusterEntities(await adCampaignClusterInputs(store.db), { seed });
    let rows = 0;
    await store.db.transaction().execute(async (trx) => {
      rows += await recordClusters(trx, runId, 'influencer', inf);
      rows += await recordClusters(trx, runId, 'ad_campaign', ad);
    });
    const describe = (r: typeof inf) =>
      'skipped' in r
        ? `skipped: ${r.skipped}`
        : `k=${r.k}, silhouette ${r.silhouette.toFixed(2)}: ${r.centroids.map((c) => `${c.label} (${c.size})`).join(', ')}`;
    return { rows, detail: { influencer: describe(inf), ad_campaign: describe(ad) } };
  },
});
