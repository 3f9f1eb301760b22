/**
 * Will an influencer be profitable (ROAS > 1), and what ROAS should we expect? (DESIGN.md "Models
 * and clusters"). Only pre-spend features go in; three candidates per question are compared by
 * stratified k-fold cross-validation, each metric beside its trivial baseline (majority class,
 * AUC 0.5, the training fold's mean). Rows that belong together (an ad campaign's days) are kept
 * in one fold, or the task is skipped when there are too few such groups: otherwise a model that
 * recognises the campaign scores well without predicting anything.
 *
 * Scores: an entity with a ROAS gets its out-of-fold score from the chosen algorithm (the model
 * that scored it never saw its outcome); only entities without a ROAS (the ones we are deciding
 * whether to pay) get a prediction from the final model, refitted on every labelled row.
 *
 * The learners live beside this file: logistic.ts (ridge IRLS), forest.ts (histogram CART
 * random forest), boost.ts (gradient boosting of shallow trees on forest.ts's bins) and
 * linear.ts (log1p linear regression); each says why it is not the installed mljs one.
 */

import type { TrainingRow } from '../shared/drift.ts';
import { inputHash } from '../shared/hash.ts';
import { seededRandom, shuffleInPlace } from '../shared/random.ts';
import { type BoostParams, fitBoost, predictBoost } from './boost.ts';
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
  /** The unit whose rows must stay in one fold (an ad campaign); used when ModelOptions.groupedBy is set. */
  group?: string | null;
}

export type Algorithm =
  | 'logistic_regression'
  | 'random_forest_classifier'
  | 'gradient_boosting_classifier'
  | 'linear_regression'
  | 'random_forest_regressor'
  | 'gradient_boosting_regressor';
export type Params = Record<string, string | number | boolean>;
export type Metrics = Record<string, number | null>;

export interface Candidate {
  algorithm: Algorithm;
  params: Params;
  /** Mean over the folds. Classification: auc, accuracy, f1. Regression (ROAS scale): mae, rmse, r2. */
  metrics: Metrics;
  /**
   * The same measures of a model that knows nothing, over the same folds: the training fold's
   * majority class (accuracy, F1), 0.5 (AUC), the training fold's mean ROAS (MAE, RMSE, R²).
   */
  baseline: Metrics;
  foldMetrics: Metrics[];
  chosen: boolean;
}

export interface ChosenModel {
  algorithm: Algorithm;
  params: Params;
  /** Encoding fitted on all labelled rows: with `model` it reproduces every prediction (predictChosen). */
  features: FeatureSpec;
  model: unknown;
  trainedRows: number;
}

export interface TaskTrained {
  rows: number;
  folds: number;
  /** The fold scheme, e.g. 'stratified 5-fold' or 'stratified 5-fold grouped by campaign'. */
  cv: string;
  candidates: Candidate[];
  chosen: ChosenModel;
}
export interface TaskSkipped {
  skipped: string;
  rows: number;
}
export type TaskResult = TaskTrained | TaskSkipped;

/** 'out_of_fold': the entity has an outcome and was scored by a fold model that never saw it; 'prediction': the final model's. */
export type ScoreKind = 'out_of_fold' | 'prediction';

export interface EntityScore {
  id: string;
  p_profitable: number | null;
  predicted_roas: number | null;
  /** Null when neither task trained (both scores are null then). */
  score_kind: ScoreKind | null;
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
  /** Name of the unit in ModelInput.group (e.g. 'campaign'): its rows never sit in both a training and a test fold. */
  groupedBy?: string;
  /** Fixes each labelled row's fold (tests hold folds fixed while changing an outcome); by default folds are drawn from the seed. */
  foldOf?: (row: ModelInput) => number;
}

/** Below this many rows with a ROAS, cross-validated metrics are noise dressed up as numbers. */
export const MIN_LABELLED_ROWS = 20;

// ---------------------------------------------------------------- learners

interface Fitted {
  predict(X: Float64Array[]): Float64Array;
  json: unknown;
}
interface Learner {
  algorithm: Algorithm;
  params: Params;
  fit(X: Float64Array[], y: ArrayLike<number>, seed: number): Fitted;
}

const FOREST_DEFAULTS = { nTrees: 50, maxDepth: 12, minLeaf: 5, maxSamples: 5000, maxBins: 64 };
// Shallow trees, a modest rate and a bounded sample per round: about as cheap as the forest.
const BOOST_DEFAULTS = { nRounds: 100, learningRate: 0.1, maxDepth: 3, minLeaf: 20, subsample: 0.5, maxSamples: 2000, maxBins: 64, l2: 1 };

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

function boostLearner(algorithm: Algorithm, loss: BoostParams['loss'], extra: Params): Learner {
  return {
    algorithm,
    params: { ...BOOST_DEFAULTS, loss, implementation: 'histogram CART gradient boosting (own)', ...extra },
    fit(X, y, seed) {
      const m = fitBoost(X, y, { ...BOOST_DEFAULTS, loss, seed });
      return { predict: (Xs) => predictBoost(m, Xs), json: m };
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
  boostLearner('gradient_boosting_classifier', 'logloss', {
    target: 'roas > 1',
    probability: 'sigmoid of the summed margins',
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
  // Raw ROAS, not log: squared-error splits then optimise the RMSE the trees are judged by.
  forestLearner('random_forest_regressor', 'third', { target: 'roas' }),
  boostLearner('gradient_boosting_regressor', 'squared', { target: 'roas' }),
];

/** Re-applies a chosen model (as stored in ops.model_runs) to rows: the final model's predictions. */
export function predictChosen(chosen: Pick<ChosenModel, 'algorithm' | 'features' | 'model'>, rows: FeatureRow[]): Float64Array {
  const X = encodeRows(chosen.features, rows);
  const m = chosen.model as never;
  switch (chosen.algorithm) {
    case 'logistic_regression':
      return predictLogistic(m, X);
    case 'random_forest_classifier':
    case 'random_forest_regressor':
      return predictForest(m, X);
    case 'gradient_boosting_classifier':
    case 'gradient_boosting_regressor':
      return predictBoost(m, X);
    case 'linear_regression':
      return predictLinear(m, X);
  }
}

// ---------------------------------------------------------------- metrics and their baselines

function classificationMetrics(y: ArrayLike<number>, prob: Float64Array): Metrics {
  const pred = prob.map((v) => (v >= 0.5 ? 1 : 0));
  return { auc: auc(y, prob), accuracy: accuracy(y, pred), f1: f1(y, pred) };
}

/** Always answering the training fold's majority class (ties: profitable); AUC of a constant is 0.5. */
function classificationBaseline(ytr: ArrayLike<number>, yte: ArrayLike<number>): Metrics {
  let pos = 0;
  for (let i = 0; i < ytr.length; i++) pos += ytr[i];
  const majority = 2 * pos >= ytr.length ? 1 : 0;
  const pred = Float64Array.from(yte, () => majority);
  return { auc: 0.5, accuracy: accuracy(yte, pred), f1: f1(yte, pred) };
}

function regressionMetrics(y: ArrayLike<number>, pred: Float64Array): Metrics {
  return { mae: mae(y, pred), rmse: rmse(y, pred), r2: r2(y, pred) };
}

/** Always answering the training fold's mean ROAS (R² is then at most 0 on the test fold). */
function regressionBaseline(ytr: ArrayLike<number>, yte: ArrayLike<number>): Metrics {
  let mean = 0;
  for (let i = 0; i < ytr.length; i++) mean += ytr[i];
  mean /= Math.max(1, ytr.length);
  return regressionMetrics(
    yte,
    Float64Array.from(yte, () => mean),
  );
}

// ---------------------------------------------------------------- folds

interface Folds {
  foldOf: Int32Array;
  cv: string;
}

/** Fold number per row: stratified by profitable when both classes can fill every fold. */
function assignFolds(profitable: number[], folds: number, rand: () => number): Folds {
  const pos = profitable.flatMap((v, i) => (v === 1 ? [i] : []));
  const neg = profitable.flatMap((v, i) => (v === 1 ? [] : [i]));
  const stratified = pos.length >= folds && neg.length >= folds;
  const groups = stratified ? [neg, pos] : [[...neg, ...pos].sort((a, b) => a - b)];
  const out = new Int32Array(profitable.length);
  let k = 0;
  for (const g of groups) for (const i of shuffleInPlace(g, rand)) out[i] = k++ % folds;
  return { foldOf: out, cv: `${stratified ? 'stratified ' : ''}${folds}-fold` };
}

/**
 * Stratified group k-fold: every row of a group lands in the same fold. Groups, largest first
 * (ties in seeded random order), go one by one to the fold where they unbalance the class shares
 * least: the fold minimising Σ_class (count in fold / class total)², ties to the fold with fewer
 * rows. With at least `folds` groups no fold is empty.
 */
export function groupedFolds(profitable: number[], keys: string[], folds: number, rand: () => number): Int32Array {
  const byKey = new Map<string, { rows: number[]; pos: number }>();
  keys.forEach((k, i) => {
    let g = byKey.get(k);
    if (!g) byKey.set(k, (g = { rows: [], pos: 0 }));
    g.rows.push(i);
    g.pos += profitable[i];
  });
  const groups = shuffleInPlace([...byKey.values()], rand).sort((a, b) => b.rows.length - a.rows.length);
  const totalPos = profitable.reduce((s, v) => s + v, 0);
  const totalNeg = profitable.length - totalPos;
  const pos = new Float64Array(folds);
  const neg = new Float64Array(folds);
  const size = new Float64Array(folds);
  const out = new Int32Array(profitable.length);
  for (const g of groups) {
    const gPos = g.pos;
    const gNeg = g.rows.length - g.pos;
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < folds; f++) {
      // Increase of Σ share² from adding the group to fold f.
      const cost =
        (totalPos ? (gPos * (2 * pos[f] + gPos)) / totalPos ** 2 : 0) + (totalNeg ? (gNeg * (2 * neg[f] + gNeg)) / totalNeg ** 2 : 0);
      if (cost < bestCost - 1e-15 || (Math.abs(cost - bestCost) <= 1e-15 && size[f] < size[best])) {
        best = f;
        bestCost = cost;
      }
    }
    pos[best] += gPos;
    neg[best] += gNeg;
    size[best] += g.rows.length;
    for (const i of g.rows) out[i] = best;
  }
  return out;
}

// ---------------------------------------------------------------- guards

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

/** Too few groups for grouped folds: reported as a skip, never as metrics from leaky folds. */
function groupGuard(keys: string[], profitable: number[] | null, folds: number, unit: string): string | null {
  const why = (n: number, what: string) =>
    `only ${n} ${unit}s ${what}; ${folds}-fold cross-validation grouped by ${unit} needs at least ${folds} (a ${unit}'s rows never sit in both the training and the test fold)`;
  const all = new Set(keys);
  if (all.size < folds) return why(all.size, 'have a ROAS');
  if (profitable) {
    const withPos = new Set(keys.filter((_, i) => profitable[i] === 1)).size;
    const withNeg = new Set(keys.filter((_, i) => profitable[i] !== 1)).size;
    if (withPos < folds) return why(withPos, 'have a profitable row');
    if (withNeg < folds) return why(withNeg, 'have an unprofitable row');
  }
  return null;
}

// ---------------------------------------------------------------- training

interface Task {
  name: 'classifier' | 'regressor';
  learners: Learner[];
  target: number[];
  evaluate: (y: ArrayLike<number>, pred: Float64Array) => Metrics;
  baseline: (ytr: ArrayLike<number>, yte: ArrayLike<number>) => Metrics;
  better: (a: Candidate, b: Candidate) => boolean;
  /** Why the task is not trained (a guard, or a learner that threw). */
  why: string | null;
  foldMetrics: Metrics[][];
  foldBaselines: Metrics[];
  /** Out-of-fold predictions per learner, one per labelled row. */
  oof: Float64Array[];
}

const higherAuc = (a: Candidate, b: Candidate) => (a.metrics.auc ?? -Infinity) > (b.metrics.auc ?? -Infinity);
const lowerRmse = (a: Candidate, b: Candidate) => (a.metrics.rmse ?? Infinity) < (b.metrics.rmse ?? Infinity);

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function meanMetrics(rows: Metrics[]): Metrics {
  const keys = Object.keys(rows[0] ?? {});
  return Object.fromEntries(keys.map((k) => [k, meanOf(rows.map((m) => m[k]))]));
}

function guarded(task: Task, work: () => void) {
  if (task.why) return;
  try {
    work();
  } catch (e) {
    // The stage must still write a run row a person can read, so a learner failure becomes a skip.
    task.why = `${task.name} training failed: ${(e as Error).message}`;
  }
}

/**
 * Bump when training changes in a way the learners' parameters do not show (feature encoding,
 * fold assignment, choice of the best, scoring): stored runs then no longer match any new hash.
 */
export const TRAINING_VERSION = 1;

const foldsOf = (opts: ModelOptions) => Math.min(20, Math.max(2, Math.trunc(opts.folds ?? 5)));

/**
 * What trainAndScore's result depends on, hashed (ops.model_runs.input_hash): the rows in the
 * order given, the seed, folds, grouping, every learner's parameters and TRAINING_VERSION. The same
 * hash means training again would give the same models and scores. Options with a caller's foldOf
 * cannot be hashed (a function): they return null, and null never matches a stored run.
 */
export function trainingInputHash(rows: ModelInput[], opts: ModelOptions): string | null {
  if (opts.foldOf) return null;
  return inputHash({
    version: TRAINING_VERSION,
    seed: Math.trunc(opts.seed),
    folds: foldsOf(opts),
    groupedBy: opts.groupedBy ?? null,
    minLabelledRows: MIN_LABELLED_ROWS,
    learners: [...classifiers, ...regressors].map((l) => ({ algorithm: l.algorithm, params: l.params })),
    forest: FOREST_DEFAULTS,
    boost: BOOST_DEFAULTS,
    rows: rows.map((r) => ({
      id: r.id,
      // Entries, not objects: the canonical JSON sorts keys, and the order of features is the order of columns.
      categorical: Object.entries(r.categorical ?? {}),
      numeric: Object.entries(r.numeric ?? {}),
      roas: r.roas ?? null,
      group: r.group ?? null,
    })),
  });
}

/**
 * The set trainAndScore fits, as trainingSetDrift compares it: the features and which rows have a
 * ROAS are fixed (scores are computed from the features, and the rows with a ROAS are the ones
 * trained on), the target and its label may drift.
 */
export function modelTrainingRows(rows: ModelInput[]): TrainingRow[] {
  return rows.map((r) => {
    const roas = isPresent(r.roas) ? r.roas : null;
    return {
      id: r.id,
      // which rows have a target is fixed too: they are the rows trained on and scored out of fold
      fixed: [...Object.entries(r.categorical ?? {}).flat(), ...Object.entries(r.numeric ?? {}).flat(), r.group ?? null, roas !== null],
      drifting: { roas, 'profitable (ROAS > 1)': roas === null ? null : roas > 1 ? 1 : 0 },
    };
  });
}

export function trainAndScore(rows: ModelInput[], opts: ModelOptions): ModelResult {
  const folds = foldsOf(opts);
  const seed = Math.trunc(opts.seed);
  const all: FeatureRow[] = rows.map((r) => ({ categorical: r.categorical ?? {}, numeric: r.numeric ?? {} }));
  const labelledIdx = rows.flatMap((r, i) => (isPresent(r.roas) ? [i] : []));
  const unlabelledIdx = rows.flatMap((r, i) => (isPresent(r.roas) ? [] : [i]));
  const labelled = labelledIdx.map((i) => all[i]);
  const roas = labelledIdx.map((i) => rows[i].roas as number);
  const profitable = roas.map((v) => (v > 1 ? 1 : 0));
  const positives = profitable.reduce<number>((s, v) => s + v, 0);
  const n = labelled.length;

  const fullSpec = fitFeatureSpec(labelled);
  const noFeatures =
    fullSpec.columns.length === 0 ? 'no usable pre-spend feature: every feature is missing or constant in the rows with a ROAS' : null;
  const unit = opts.groupedBy;
  // A row without a group is a group of its own.
  const keys = unit ? labelledIdx.map((i) => rows[i].group ?? `\u0000${rows[i].id}`) : null;
  const task = (name: Task['name'], learners: Learner[], target: number[], why: string | null): Task => ({
    name,
    learners,
    target,
    evaluate: name === 'classifier' ? classificationMetrics : regressionMetrics,
    baseline: name === 'classifier' ? classificationBaseline : regressionBaseline,
    better: name === 'classifier' ? higherAuc : lowerRmse,
    why,
    foldMetrics: learners.map(() => []),
    foldBaselines: [],
    oof: learners.map(() => new Float64Array(n).fill(NaN)),
  });
  const tasks = [
    task(
      'classifier',
      classifiers,
      profitable,
      classificationGuard(n, positives, folds) ?? (keys && unit ? groupGuard(keys, profitable, folds, unit) : null) ?? noFeatures,
    ),
    task('regressor', regressors, roas, regressionGuard(roas) ?? (keys && unit ? groupGuard(keys, null, folds, unit) : null) ?? noFeatures),
  ];

  let foldOf: Int32Array;
  let cv: string;
  if (opts.foldOf) {
    const given = opts.foldOf;
    foldOf = Int32Array.from(labelledIdx, (i) => (((Math.trunc(given(rows[i])) % folds) + folds) % folds) | 0);
    cv = `${folds}-fold given by the caller`;
  } else if (keys) {
    foldOf = groupedFolds(profitable, keys, folds, seededRandom(seed));
    cv = `stratified ${folds}-fold`;
  } else ({ foldOf, cv } = assignFolds(profitable, folds, seededRandom(seed)));
  if (keys && unit) cv += ` grouped by ${unit}`;

  // Each fold is encoded once for both tasks; medians, levels, means and sds come from its training rows only.
  if (tasks.some((t) => !t.why))
    for (let f = 0; f < folds; f++) {
      const train: number[] = [];
      const test: number[] = [];
      foldOf.forEach((k, i) => (k === f ? test : train).push(i));
      if (!test.length || !train.length) continue;
      const spec = fitFeatureSpec(train.map((i) => labelled[i]));
      const Xtr = encodeRows(
        spec,
        train.map((i) => labelled[i]),
      );
      const Xte = encodeRows(
        spec,
        test.map((i) => labelled[i]),
      );
      for (const t of tasks)
        guarded(t, () => {
          const ytr = train.map((i) => t.target[i]);
          const yte = test.map((i) => t.target[i]);
          t.foldBaselines.push(t.baseline(ytr, yte));
          t.learners.forEach((l, li) => {
            const pred = l.fit(Xtr, ytr, seed + 1009 * (f + 1)).predict(Xte);
            t.foldMetrics[li].push(t.evaluate(yte, pred));
            test.forEach((i, k) => {
              t.oof[li][i] = pred[k];
            });
          });
        });
    }

  const Xall = tasks.some((t) => !t.why) ? encodeRows(fullSpec, labelled) : [];
  const Xnew = tasks.some((t) => !t.why)
    ? encodeRows(
        fullSpec,
        unlabelledIdx.map((i) => all[i]),
      )
    : [];
  const results = tasks.map((t) => {
    let result: TaskResult | null = null;
    let scores: Float64Array | null = null;
    guarded(t, () => {
      const baseline = meanMetrics(t.foldBaselines);
      const candidates: Candidate[] = t.learners.map((l, li) => ({
        algorithm: l.algorithm,
        params: { ...l.params, seed },
        metrics: meanMetrics(t.foldMetrics[li]),
        baseline,
        foldMetrics: t.foldMetrics[li],
        chosen: false,
      }));
      let best = 0;
      for (let i = 1; i < candidates.length; i++) if (t.better(candidates[i], candidates[best])) best = i;
      candidates[best].chosen = true;
      const learner = t.learners[best];
      const fitted = learner.fit(Xall, t.target, seed);
      scores = new Float64Array(rows.length);
      labelledIdx.forEach((i, k) => {
        scores![i] = t.oof[best][k];
      });
      const predicted = fitted.predict(Xnew);
      unlabelledIdx.forEach((i, k) => {
        scores![i] = predicted[k];
      });
      result = {
        rows: n,
        folds,
        cv,
        candidates,
        chosen: { algorithm: learner.algorithm, params: candidates[best].params, features: fullSpec, model: fitted.json, trainedRows: n },
      };
    });
    return {
      result: (t.why ? { skipped: t.why, rows: n } : result!) as TaskResult,
      scores: t.why ? null : (scores as Float64Array | null),
    };
  });
  const [cls, reg] = results;
  const labelledRow = new Uint8Array(rows.length);
  for (const i of labelledIdx) labelledRow[i] = 1;
  const anyTrained = Boolean(cls.scores || reg.scores);

  const scores = rows.map(
    (r, i): EntityScore => ({
      id: r.id,
      p_profitable: cls.scores ? finiteOrNull(cls.scores[i]) : null,
      predicted_roas: reg.scores ? finiteOrNull(reg.scores[i]) : null,
      score_kind: anyTrained ? (labelledRow[i] ? 'out_of_fold' : 'prediction') : null,
    }),
  );
  return { labelledRows: n, classification: cls.result, regression: reg.result, scores };
}
