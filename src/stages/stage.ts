import type { Config } from '../config.ts';
import type { Store } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/** What every stage gets: the same in the inline runner and in a BullMQ worker. */
export interface StageContext {
  store: Store;
  config: Config;
  runId: string;
  now: Date;
  log: Logger;
  /** Digest period label ("2026-W46"), "latest" for the newest week with data, or undefined for the last complete week. */
  period?: string;
  inboxDir?: string;
  /** kpis: rebuild the sums from every stored order instead of folding in new loads. */
  rebuild?: boolean;
  resend?: boolean;
  preview?: boolean;
  to?: string[];
}

export interface StageOutcome {
  rows: number;
  detail?: Record<string, unknown>;
  skipped?: string;
}

export const stageNames = ['ingest', 'kpis', 'models', 'clusters', 'digest'] as const;
export type StageName = (typeof stageNames)[number];
