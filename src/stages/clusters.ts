import { adCampaignClusterInputs, type Entity, influencerClusterInputs, recordClusters, reusableRun } from '../db/models-repo.ts';
import { type ClusterInput, type ClusterResult, clusterEntities, clusteringInputHash } from '../pipeline/clusters/clusters.ts';
import { defineStage } from './stage.ts';

type Planned = { entity: Entity; hash: string | null } & ({ reusedFrom: string } | { result: ClusterResult });

/**
 * k-means segments of influencers and ad campaigns, k chosen by silhouette. An entity whose inputs
 * hash as its newest clustering run did (issue 19) is not clustered again: its segments stand.
 */
export const clustersStage = defineStage({
  name: 'clusters',
  async run(deps) {
    const { store, runId, log } = deps;
    const seed = deps.config.PULSE_SEED;
    const plan = async (entity: Entity, rows: ClusterInput[]): Promise<Planned> => {
      const hash = clusteringInputHash(rows, { seed });
      const reusedFrom = await reusableRun(store.db, entity, ['clustering'], hash);
      return reusedFrom !== null ? { entity, hash, reusedFrom } : { entity, hash, result: clusterEntities(rows, { seed }) };
    };
    const inf = await plan('influencer', await influencerClusterInputs(store.db));
    const ad = await plan('ad_campaign', await adCampaignClusterInputs(store.db));
    let rows = 0;
    await store.db.transaction().execute(async (trx) => {
      for (const p of [inf, ad]) if ('result' in p) rows += await recordClusters(trx, runId, p.entity, p.result, p.hash);
    });
    const describe = (p: Planned) => {
      if ('reusedFrom' in p) {
        log.info({ entity: p.entity, run: p.reusedFrom }, 'cluster inputs unchanged: clusters reused');
        return `inputs unchanged since run ${p.reusedFrom}: clusters reused`;
      }
      const r = p.result;
      return 'skipped' in r
        ? `skipped: ${r.skipped}`
        : `k=${r.k}, silhouette ${r.silhouette.toFixed(2)}: ${r.centroids.map((c) => `${c.label} (${c.size})`).join(', ')}`;
    };
    return { rows, detail: { influencer: describe(inf), ad_campaign: describe(ad) } };
  },
});
