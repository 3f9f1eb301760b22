import { randomUUID } from 'node:crypto';
import { parseConfig, type Config } from '../../src/config.ts';
import type { Store } from '../../src/db/database.ts';
import { logger } from '../../src/logger.ts';
import { ingestInbox } from '../../src/stages/ingest.ts';
import { recomputeKpis } from '../../src/stages/kpis.ts';

export const testConfig = (overrides: Record<string, string> = {}): Config => parseConfig({ LOG_LEVEL: 'warn', ...overrides });

export function ingest(store: Store, inbox: { inbox: string; archive: string }, now = new Date('2026-11-23T08:00:00Z'), maxFingerprints?: number) {
  return ingestInbox(store, { inboxDir: inbox.inbox, archiveDir: inbox.archive, runId: randomUUID(), now, log: logger, maxFingerprints });
}

export function kpis(store: Store, opts: { full?: boolean; rebuild?: boolean; baselineRevenuePerOrder?: number } = {}) {
  return recomputeKpis(store.db, { baselineRevenuePerOrder: 300, minHoldoutUsers: 30, ...opts });
}
