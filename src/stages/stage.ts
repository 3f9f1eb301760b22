import type { Config } from '../config.ts';
import type { Store } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { StageName, StageParams } from './params.ts';

/** What every stage gets, the same in the inline runner and in a BullMQ worker. */
export interface StageDeps {
  store: Store;
  config: Config;
  log: Logger;
  /** The run's clock: every stage of a run sees the instant the run was asked for. */
  clock: () => Date;
  runId: string;
}

export interface StageOutcome<Detail = Record<string, unknown>> {
  rows: number;
  detail?: Detail;
  /** Set when the stage did nothing, with the reason (recorded as state 'skipped'). */
  skipped?: string;
}

/** One stage: the same signature for every stage, registered in ./registry.ts. */
export interface Stage<N extends StageName, Detail = Record<string, unknown>> {
  name: N;
  run(deps: StageDeps, params: StageParams<N>): Promise<StageOutcome<Detail>>;
}

export const defineStage = <N extends StageName, Detail>(stage: Stage<N, Detail>): Stage<N, Detail> => stage;
