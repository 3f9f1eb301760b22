import { ingestInbox } from './ingest.ts';
import { recomputeKpis } from './kpis.ts';
import { clustersStage, modelsStage } from './models.ts';
import { digestStage } from './digest.ts';
import type { StageContext, StageName, StageOutcome } from './stage.ts';

export const stageHandlers: Record<StageName, (ctx: StageContext) => Promise<StageOutcome>> = {
  async ingest(ctx) {
    const files = await ingestInbox(ctx.store, {
      inboxDir: ctx.inboxDir ?? ctx.config.INBOX_DIR,
      archiveDir: ctx.config.ARCHIVE_DIR,
      runId: ctx.runId,
      now: ctx.now,
      revenuePerConversion: ctx.config.REVENUE_PER_CONVERSION,
      log: ctx.log,
    });
    const rows = files.reduce((n, f) => n + (f.loaded ?? 0), 0);
    return { rows, detail: { files } };
  },
  async kpis(ctx) {
    const r = await recomputeKpis(ctx.store.db, {
      baselineRevenuePerOrder: ctx.config.BASELINE_REVENUE_PER_ORDER,
      minHoldoutUsers: ctx.config.MIN_HOLDOUT_USERS,
      rebuild: ctx.rebuild,
      log: ctx.log,
    });
    return { rows: r.influencers, detail: { ...r } };
  },
  models: modelsStage,
  clusters: clustersStage,
  digest: digestStage,
};
