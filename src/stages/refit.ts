import type { DbOrTrx } from '../db/database.ts';
import { type Entity, fittedTrainingSet, latestRuns, type ModelTask, type Purpose, saveTrainingSet } from '../db/models-repo.ts';
import { type Helper, openHelper } from '../helper-process.ts';
import { type TrainingRow, trainingSetDrift } from '../pipeline/shared/drift.ts';
import type { FitterMethods } from './fitter.ts';
import type { StageDeps } from './stage.ts';

/**
 * Runs a stage's plans with the helper process its fits run in (src/stages/fitter.ts): `fitter()`
 * starts it at the first fit (a night whose fits stand starts none), and it is closed after.
 */
export async function withFitter<T>(plans: (fitter: () => Helper<FitterMethods>) => Promise<T>): Promise<T> {
  let started: Helper<FitterMethods> | undefined;
  try {
    return await plans(() => (started ??= openHelper<FitterMethods>(new URL('./fitter.ts', import.meta.url), 'model fitter')));
  } finally {
    started?.close();
  }
}

/** The inputs of one entity's fit: their exact hash, the hash of the options alone, the rows as drift compares them. */
export interface FitInputs {
  hash: string | null;
  optionsHash: string | null;
  rows: TrainingRow[];
}

/** Why the newest fit stands (its run and a line for the stage's detail), or why it must be refitted. */
export type Standing = { runId: string; note: string } | { refit: string };

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : 'from all zeros');

/**
 * Whether an entity's newest models (or clustering) stand for these inputs: when they were
 * computed from the same inputs (the hash), or from the same set whose drifting values have
 * moved by at most `maxDrift` (MODEL_REFIT_DRIFT) since (a nightly day's orders, say).
 * Otherwise they are refitted, and the caller keeps the new training set (keepTrainingSet).
 */
export async function standingFit(
  db: DbOrTrx,
  entity: Entity,
  purpose: Purpose,
  tasks: ModelTask[],
  inputs: FitInputs,
  maxDrift: number,
): Promise<Standing> {
  const what = purpose === 'models' ? 'models' : 'clusters';
  const latest = await latestRuns(db, entity);
  // the run whose results every task's newest run still carries, when all were computed from inputs with this hash
  const standingOn = (hash: string | null) => {
    const runs = tasks.map((t) => latest.get(t));
    return hash !== null && runs.every((r) => r?.inputHash === hash) ? (runs[0]!.runId ?? '(unnamed)') : null;
  };
  const exact = standingOn(inputs.hash);
  if (exact !== null) return { runId: exact, note: `inputs unchanged since run ${exact}: ${what} reused` };
  const set = await fittedTrainingSet(db, entity, purpose);
  if (!set || inputs.optionsHash === null || set.optionsHash !== inputs.optionsHash) return { refit: 'no earlier fit with these options' };
  // the set must be the one behind the newest runs (a fit recorded without its set is not compared)
  if (standingOn(set.inputHash) === null) return { refit: 'the newest runs were not fitted on the kept set' };
  const drift = trainingSetDrift(set.rows, inputs.rows);
  if ('different' in drift) return { refit: `${drift.different} since run ${set.runId}` };
  if (drift.drift > maxDrift)
    return { refit: `${drift.column} moved ${pct(drift.drift)} since run ${set.runId}, over MODEL_REFIT_DRIFT ${pct(maxDrift)}` };
  const most = drift.column ? `; ${drift.column} moved most, ${pct(drift.drift)}` : '';
  return { runId: set.runId, note: `inputs within ${pct(maxDrift)} of run ${set.runId}'s${most}: ${what} reused` };
}

/** One entity's plan: its newest fit stands (with the line saying so), or a new fit and why it was made. */
export type Planned<R> = { entity: Entity; inputs: FitInputs } & ({ reusedFrom: string; note: string } | { refit: string; result: R });

/** Fits an entity's models or segments again (`train`) unless its newest fit stands (standingFit); logs which, and why. */
export async function planFit<R>(
  deps: StageDeps,
  entity: Entity,
  purpose: Purpose,
  tasks: ModelTask[],
  inputs: FitInputs,
  train: () => R | Promise<R>,
): Promise<Planned<R>> {
  const standing = await standingFit(deps.store.db, entity, purpose, tasks, inputs, deps.config.MODEL_REFIT_DRIFT);
  if ('runId' in standing) {
    deps.log.info({ entity, run: standing.runId, note: standing.note }, `${purpose} reused`);
    return { entity, inputs, reusedFrom: standing.runId, note: standing.note };
  }
  deps.log.info({ entity, reason: standing.refit }, `fitting ${purpose}`);
  return { entity, inputs, refit: standing.refit, result: await train() };
}

/** Keeps the set a fit was made on beside its runs, for the next run to measure drift against (when its inputs could be hashed). */
export async function keepTrainingSet(db: DbOrTrx, entity: Entity, purpose: Purpose, runId: string, inputs: FitInputs): Promise<void> {
  if (inputs.hash === null || inputs.optionsHash === null) return;
  await saveTrainingSet(db, entity, purpose, { runId, inputHash: inputs.hash, optionsHash: inputs.optionsHash, rows: inputs.rows });
}
