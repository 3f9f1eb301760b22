import { randomUUID } from 'node:crypto';
import { type Config, parseConfig } from '../../src/config.ts';
import type { Store } from '../../src/db/database.ts';
import { recomputeKpis } from '../../src/db/kpis-repo.ts';
import { startRun } from '../../src/db/runs-repo.ts';
import { logger } from '../../src/logger.ts';
import { clustersStage } from '../../src/stages/clusters.ts';
import { digestStage } from '../../src/stages/digest.ts';
import { ingestInbox } from '../../src/stages/ingest.ts';
import { modelsStage } from '../../src/stages/models.ts';
import type { StageParams } from '../../src/stages/params.ts';
import type { StageDeps } from '../../src/stages/stage.ts';

export const testConfig = (overrides: Record<string, string> = {}): Config => parseConfig({ LOG_LEVEL: 'warn', ...overrides });

export function ingest(
  store: Store,
  inbox: { inbox: string; archive: string },
  now = new Date('2026-11-23T08:00:00Z'),
  maxFingerprints?: number,
) {
  return ingestInbox(store, { inboxDir: inbox.inbox, archiveDir: inbox.archive, runId: randomUUID(), now, log: logger, maxFingerprints });
}

export function kpis(store: Store, opts: { rebuild?: boolean; baselineRevenuePerOrder?: number } = {}) {
  return recomputeKpis(store.db, { baselineRevenuePerOrder: 300, minHoldoutUsers: 30, ...opts });
}

/**
 * A run opened in ops.pipeline_runs, and its stages called directly (not through the runner,
 * so a test sees each stage's outcome and error as the stage returns it).
 */
export async function testRun(store: Store, config: Config, now = new Date('2026-01-05T07:00:00Z')) {
  const runId = randomUUID();
  await startRun(store.db, { runId, trigger: 'test' });
  const deps = (cfg: Config = config): StageDeps => ({ store, config: cfg, log: logger, clock: () => now, runId });
  return {
    runId,
    deps,
    models: () => modelsStage.run(deps(), {}),
    clusters: () => clustersStage.run(deps(), {}),
    digest: (params: StageParams<'digest'> = {}, cfg?: Config) => digestStage.run(deps(cfg), params),
  };
}
