/**
 * Will an influencer be profitable (ROAS > 1), and what ROAS should we expect? (DESIGN.md "Models
 * and clusters"). Only pre-spend features go in; two candidates per question are compared by
 * stratified k-fold cross-validation, the best is refitted on every labelled row and scores every
 * entity, including those without a ROAS yet (the ones we are deciding whether to pay).
 *
 * The learners live beside this file: logistic.ts (ridge IRLS), forest.ts (histogram CART
 * random forest) and linear.ts (log1p linear regression); each says why it is not the installed
 * mljs one.
 */

import { seededRandom, shuffleInPlace } from '../shared/random.ts';
import type { FeatureRow, FeatureSpec } from './features.ts';
import { encodeRows, fitFeatureSpec, isPresent } from './features.ts';
import type { ForestParams } from './forest.ts';
import { fitForest, predictForest } from './forest.ts';
import { fitLinear, predictLinear } from './linear.ts';
import { fitLogistic, predictLogistic } from './logistic.ts';
import { accuracy, auc, f1, mae, meanOf, r2, rmse } from './metrics.ts';

export interface ModelInput extends FeatureRow {
  id: string;
  roas: number | null;
}

export type Algorithm = 'logistic_regression' | 'random_forest_classifier' | 'linear_regression' | 'random_forest_regressor';
export type Params = Record<string, string | number | boolean>;

export interface Candidate {
  algorithm: Algorithm;
  params: Params;
  /** Mean over the folds. Classification: auc, accuracy, f1. Regression (ROAS scale): mae, rmse, r2. */
  metrics: Record<string, number | null>;
  foldMetrics: Record<string, number | null>[];
  chosen: boolean;
}

export interface ChosenModel {
  algorithm: Algorithm;
  params: Params;
  /** Encoding fitted on all labelled rows: with `model` it reproduces every score. */
  features: FeatureSpec;
  model: unknown;
  trainedRows: number;
}

export interface TaskTrained {
  rows: number;
  folds: number;
  candidates: Candidate[];
  chosen: ChosenModel;
}
export interface TaskSkipped {
  skipped: string;
  rows: number;
}
export type TaskResult = TaskTrained | TaskSkipped;

export interface EntityScore {
  id: string;
  p_profitable: number | null;
  predicted_roas: number | null;
}

export interface ModelResult {
  labelledRows: number;
  classification: TaskResult;
  regression: TaskResult;
  scores: EntityScore[];
}

export interface ModelOptions {
  seed: number;
  folds?: number;
}

/** Below this many rows with a ROAS, cross-validated metrics are noise dressed up as numbers. */
export const MIN_LABELLED_ROWS = 20;

// ---------------------------------------------------------------- cross-validation and scoring

interface Learner {
  algorithm: Algorithm;
  params: Params;
  fit(X: Float64Array[], y: ArrayLike<number>, seed: number): { predict(X: Float64Array[]): Float64Array; json: unknown };
}

const FOREST_DEFAULTS = { nTrees: 50, maxDepth: 12, minLeaf: 5, maxSamples: 5000, maxBins: 64 };

function forestLearner(algorithm: Algorithm, mtry: ForestParams['mtry'], extra: Params): Learner {
  return {
    algorithm,
    params: { ...FOREST_DEFAULTS, mtry, bootstrap: true, implementation: 'histogram CART (own)', ...extra },
    fit(X, y, seed) {
      const m = fitForest(X, y, { ...FOREST_DEFAULTS, mtry, seed });
      return { predict: (Xs) => predictForest(m, Xs), json: m };
    },
  };
}

const classifiers: Learner[] = [
  {
    algorithm: 'logistic_regression',
    params: { solver: 'irls', lambda: 1, maxIterations: 50, threshold: 0.5 },
    fit(X, y) {
      const m = fitLogistic(X, y, 1, 50);
      return { predict: (Xs) => predictLogistic(m, Xs), json: m };
    },
  },
  forestLearner('random_forest_classifier', 'sqrt', {
    target: 'roas > 1',
    probability: 'mean over trees of the leaf fraction profitable',
    threshold: 0.5,
  }),
];

const regressors: Learner[] = [
  {
    algorithm: 'linear_regression',
    params: {
      target: 'log1p(roas)',
      back_transform: 'exp with smearing, clamped to the observed range',
      library: 'ml-regression-multivariate-linear',
      fallback: 'ridge lambda 1',
    },
    fit(X, y) {
      const m = fitLinear(X, y);
      return { predict: (Xs) => predictLinear(m, Xs), json: m };
    },
  },
  // Raw ROAS, not log: the forest's squared-error splits then optimise the RMSE it is judged by.
  forestLearner('random_forest_regressor', 'third', { target: 'roas' }),
];

function classificationMetrics(y: ArrayLike<number>, prob: Float64Array): Record<string, number | null> {
  const pred = prob.map((v) => (v >= 0.5 ? 1 : 0));
  return { auc: auc(y, prob), accuracy: accuracy(y, pred), f1: f1(y, pred) };
}

function regressionMetrics(y: ArrayLike<number>, pred: Float64Array): Record<string, number | null> {
  return { mae: mae(y, pred), rmse: rmse(y, pred), r2: r2(y, pred) };
}

/** Fold number per row: stratified by profitable when both classes can fill every fold. */
function assignFolds(profitable: number[], folds: number, rand: () => number): Int32Array {
  const pos = profitable.flatMap((v, i) => (v === 1 ? [i] : []));
  const neg = profitable.flatMap((v, i) => (v === 1 ? [] : [i]));
  const groups = pos.length >= folds && neg.length >= folds ? [neg, pos] : [[...neg, ...pos].sort((a, b) => a - b)];
  const out = new Int32Array(profitable.length);
  let k = 0;
  for (const g of groups) for (const i of shuffleInPlace(g, rand)) out[i] = k++ % folds;
  return out;
}

function classificationGuard(labelled: number, positives: number, folds: number): string | null {
  const negatives = labelled - positives;
  if (labelled < MIN_LABELLED_ROWS)
    return `only ${labelled} rows have a ROAS; at least ${MIN_LABELLED_ROWS} are needed to train and cross-validate a classifier`;
  if (positives === 0) return `none of the ${labelled} rows with a ROAS is profitable (ROAS > 1); a classifier needs both outcomes`;
  if (negatives === 0) return `all ${labelled} rows with a ROAS are profitable (ROAS > 1); a classifier needs both outcomes`;
  const fewer = Math.min(positives, negatives);
  if (fewer < folds)
    return `only ${fewer} ${positives < negatives ? 'profitable' : 'unprofitable'} rows; ${folds}-fold cross-validation needs at least ${folds} of each outcome`;
  return null;
}

function regressionGuard(roas: number[]): string | null {
  if (roas.length < MIN_LABELLED_ROWS)
    return `only ${roas.length} rows have a ROAS; at least ${MIN_LABELLED_ROWS} are needed to train and cross-validate a regressor`;
  if (roas.every((v) => v === roas[0]))
    return `every one of the ${roas.length} rows has the same ROAS (${roas[0]}); there is nothing to predict`;
  return null;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function runTask(
  learners: Learner[],
  target: number[],
  labelled: FeatureRow[],
  foldOf: Int32Array,
  folds: number,
  seed: number,
  evaluate: (y: number[], pred: Float64Array) => Record<string, number | null>,
  better: (a: Candidate, b: Candidate) => boolean,
  fullSpec: FeatureSpec,
  allRows: FeatureRow[],
): { result: TaskTrained; scores: Float64Array } {
  const foldMetrics: Record<string, number | null>[][] = learners.map(() => []);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    foldOf.forEach((k, i) => (k === f ? test : train).push(i));
    // Medians, levels, means and sds come from the training fold only.
    const spec = fitFeatureSpec(train.map((i) => labelled[i]));
    const Xtr = encodeRows(
      spec,
      train.map((i) => labelled[i]),
    );
    const Xte = encodeRows(
      spec,
      test.map((i) => labelled[i]),
    );
    const ytr = train.map((i) => target[i]);
    const yte = test.map((i) => target[i]);
    learners.forEach((l, li) => {
      const fitted = l.fit(Xtr, ytr, seed + 1009 * (f + 1));
      foldMetrics[li].push(evaluate(yte, fitted.predict(Xte)));
    });
  }
  const candidates: Candidate[] = learners.map((l, li) => {
    const keys = Object.keys(foldMetrics[li][0] ?? {});
    const metrics = Object.fromEntries(keys.map((k) => [k, meanOf(foldMetrics[li].map((m) => m[k]))]));
    return { algorithm: l.algorithm, params: { ...l.params, seed }, metrics, foldMetrics: foldMetrics[li], chosen: false };
  });
  let best = 0;
  for (let i = 1; i < candidates.length; i++) if (better(candidates[i], candidates[best])) best = i;
  candidates[best].chosen = true;
  const learner = learners[best];
  const fitted = learner.fit(encodeRows(fullSpec, labelled), target, seed);
  const scores = fitted.predict(encodeRows(fullSpec, allRows));
  return {
    result: {
      rows: labelled.length,
      folds,
      candidates,
      chosen: {
        algorithm: learner.algorithm,
        params: candidates[best].params,
        features: fullSpec,
        model: fitted.json,
        trainedRows: labelled.length,
      },
    },
    scores,
  };
}

const higherAuc = (a: Candidate, b: Candidate) => (a.metrics.auc ?? -Infinity) > (b.metrics.auc ?? -Infinity);
const lowerRmse = (a: Candidate, b: Candidate) => (a.metrics.rmse ?? Infinity) < (b.metrics.rmse ?? Infinity);

export function trainAndScore(rows: ModelInput[], opts: ModelOptions): ModelResult {
  const folds = Math.min(20, Math.max(2, Math.trunc(opts.folds ?? 5)));
  const seed = Math.trunc(opts.seed);
  const all: FeatureRow[] = rows.map((r) => ({ categorical: r.categorical ?? {}, numeric: r.numeric ?? {} }));
  const labelledIdx = rows.flatMap((r, i) => (isPresent(r.roas) ? [i] : []));
  const labelled = labelledIdx.map((i) => all[i]);
  const roas = labelledIdx.map((i) => rows[i].roas as number);
  const profitable = roas.map((v) => (v > 1 ? 1 : 0));
  const positives = profitable.reduce<number>((s, v) => s + v, 0);

  const fullSpec = fitFeatureSpec(labelled);
  const noFeatures =
    fullSpec.columns.length === 0 ? 'no usable pre-spend feature: every feature is missing or constant in the rows with a ROAS' : null;
  const classificationWhy = classificationGuard(labelled.length, positives, folds) ?? noFeatures;
  const regressionWhy = regressionGuard(roas) ?? noFeatures;
  const foldOf = assignFolds(profitable, folds, seededRandom(seed));

  const attempt = (why: string | null, task: 'classifier' | 'regressor', run: () => { result: TaskTrained; scores: Float64Array }) => {
    if (why) return { result: { skipped: why, rows: labelled.length } as TaskResult, scores: null };
    try {
      return run();
    } catch (e) {
      // The stage must still write a run row a person can read, so a learner failure becomes a skip.
      return { result: { skipped: `${task} training failed: ${(e as Error).message}`, rows: labelled.length } as TaskResult, scores: null };
    }
  };
  const cls = attempt(classificationWhy, 'classifier', () =>
    runTask(classifiers, profitable, labelled, foldOf, folds, seed, classificationMetrics, higherAuc, fullSpec, all),
  );
  const reg = attempt(regressionWhy, 'regressor', () =>
    runTask(regressors, roas, labelled, foldOf, folds, seed, regressionMetrics, lowerRmse, fullSpec, all),
  );
  const pScores = cls.scores;
  const rScores = reg.scores;

  const scores = rows.map((r, i) => ({
    id: r.id,
    p_profitable: pScores ? finiteOrNull(pScores[i]) : null,
    predicted_roas: rScores ? finiteOrNull(rScores[i]) : null,
  }));
  return { labelledRows: labelled.length, classification: cls.result, regression: reg.result, scores };
}
