import { recomputeKpis } from '../db/kpis-repo.ts';
import { defineStage } from './stage.ts';

/** The kpis stage: folds new loads into the sums and recomputes the marts they touch. */
export const kpisStage = defineStage({
  name: 'kpis',
  async run(deps, params) {
    const r = await recomputeKpis(deps.store.db, {
      baselineRevenuePerOrder: deps.config.BASELINE_REVENUE_PER_ORDER,
      minHoldoutUsers: deps.config.MIN_HOLDOUT_USERS,
      rebuild: params.rebuild,
      log: deps.log,
    });
    return { rows: r.influencers, detail: r };
  },
});
