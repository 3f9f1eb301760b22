/**
 * Will an influencer be profitable (ROAS > 1), and what ROAS should we expect? (DESIGN.md "Models
 * and clusters"). Only pre-spend features go in; two candidates per question are compared by
 * stratified k-fold cross-validation, the best is refitted on every labelled row and scores every
 * entity, including those without a ROAS yet (the ones we are deciding whether to pay).
 *
 * Learners, and why they are not all the installed mljs ones:
 * - logistic regression: ml-logistic-regression runs 50,000 fixed-step gradient steps without an
 *   intercept, so here is a small ridge-penalised IRLS (Newton) fit instead;
 * - random forest: ml-random-forest (ml-cart) finds splits in O(n²) per feature and node
 *   (50 trees on 500 rows took 2.8 s, on 2,000 rows 33 s on the 2-core box), and its
 *   predictProbability drops the first tree's vote, so here is a histogram CART forest
 *   (≤ 64 quantile bins per feature, bootstrap of ≤ 5,000 rows per tree);
 * - linear regression: ml-regression-multivariate-linear, with a ridge solve if it returns
 *   non-finite weights.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import { encodeRows, fitFeatureSpec, isPresent, seededRandom, shuffleInPlace } from './features.ts';
import type { FeatureRow, FeatureSpec } from './features.ts';
import { accuracy, auc, f1, mae, meanOf, r2, rmse } from './ml-metrics.ts';

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

export function isSkipped(t: TaskResult): t is TaskSkipped {
  return 'skipped' in t;
}

// ---------------------------------------------------------------- logistic regression (IRLS)

export interface LogisticModel {
  name: 'logistic_regression_irls';
  lambda: number;
  intercept: number;
  weights: number[];
  iterations: number;
  converged: boolean;
}

function sigmoid(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

function log1pExp(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

// Symmetric positive-definite solve; adds jitter when the factorisation is borderline.
function solveSpd(h: Float64Array, g: Float64Array, q: number): Float64Array {
  for (let jitter = 0; jitter <= 1e-2; jitter = jitter === 0 ? 1e-10 : jitter * 100) {
    const m = new Matrix(q, q);
    for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) m.set(i, j, h[i * q + j] + (i === j ? jitter : 0));
    const chol = new CholeskyDecomposition(m);
    if (!chol.isPositiveDefinite()) continue;
    const x = chol.solve(Matrix.columnVector(Array.from(g))).getColumn(0);
    if (x.every(Number.isFinite)) return Float64Array.from(x);
  }
  return new Float64Array(q);
}

/**
 * Ridge-penalised logistic regression by Newton/IRLS over the sparse rows (one-hot columns are
 * mostly zero, so the Hessian costs n × nnz² rather than n × p²). The intercept is not penalised.
 */
export function fitLogistic(X: Float64Array[], y: ArrayLike<number>, lambda = 1, maxIterations = 50): LogisticModel {
  const n = X.length;
  const p = n ? X[0].length : 0;
  const q = p + 1;
  const nzIdx: Int32Array[] = [];
  const nzVal: Float64Array[] = [];
  for (const row of X) {
    const idx: number[] = [];
    for (let j = 0; j < p; j++) if (row[j] !== 0) idx.push(j);
    idx.push(p);
    nzIdx.push(Int32Array.from(idx));
    nzVal.push(Float64Array.from(idx, (j) => (j === p ? 1 : row[j])));
  }
  let ySum = 0;
  for (let i = 0; i < n; i++) ySum += y[i];
  const base = Math.min(Math.max(ySum / n, 1e-6), 1 - 1e-6);
  let beta = new Float64Array(q);
  beta[p] = Math.log(base / (1 - base));

  const eta = (b: Float64Array, i: number) => {
    const idx = nzIdx[i];
    const val = nzVal[i];
    let s = 0;
    for (let t = 0; t < idx.length; t++) s += b[idx[t]] * val[t];
    return s;
  };
  const penalisedLogLik = (b: Float64Array) => {
    let ll = 0;
    for (let i = 0; i < n; i++) {
      const e = eta(b, i);
      ll += y[i] * e - log1pExp(e);
    }
    let pen = 0;
    for (let j = 0; j < p; j++) pen += b[j] * b[j];
    return ll - (lambda / 2) * pen;
  };

  let current = penalisedLogLik(beta);
  let iterations = 0;
  let converged = false;
  const h = new Float64Array(q * q);
  const g = new Float64Array(q);
  while (iterations < maxIterations && !converged) {
    iterations++;
    h.fill(0);
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const idx = nzIdx[i];
      const val = nzVal[i];
      const mu = sigmoid(eta(beta, i));
      const w = Math.max(mu * (1 - mu), 1e-10);
      const r = y[i] - mu;
      for (let a = 0; a < idx.length; a++) {
        const ia = idx[a];
        const wa = w * val[a];
        g[ia] += val[a] * r;
        for (let b = a; b < idx.length; b++) h[ia * q + idx[b]] += wa * val[b];
      }
    }
    for (let a = 0; a < q; a++) for (let b = 0; b < a; b++) h[a * q + b] = h[b * q + a];
    for (let j = 0; j < p; j++) {
      h[j * q + j] += lambda;
      g[j] -= lambda * beta[j];
    }
    const delta = solveSpd(h, g, q);
    // Step halving keeps Newton from overshooting when the start is far from the optimum.
    let step = 1;
    let next = beta;
    let nextLl = current;
    for (let tries = 0; tries < 30; tries++, step /= 2) {
      const cand = Float64Array.from(beta, (v, j) => v + step * delta[j]);
      const ll = penalisedLogLik(cand);
      if (ll >= current - 1e-12 * Math.abs(current)) {
        next = cand;
        nextLl = ll;
        break;
      }
    }
    let maxDelta = 0;
    for (let j = 0; j < q; j++) maxDelta = Math.max(maxDelta, Math.abs(next[j] - beta[j]));
    converged = maxDelta < 1e-7 || next === beta;
    beta = next;
    current = nextLl;
  }
  return { name: 'logistic_regression_irls', lambda, intercept: beta[p], weights: Array.from(beta.subarray(0, p)), iterations, converged };
}

export function predictLogistic(m: LogisticModel, X: Float64Array[]): Float64Array {
  return Float64Array.from(X, (row) => {
    let e = m.intercept;
    for (let j = 0; j < m.weights.length; j++) e += m.weights[j] * row[j];
    return sigmoid(e);
  });
}

// ---------------------------------------------------------------- random forest (histogram CART)

export interface ForestParams {
  nTrees: number;
  maxDepth: number;
  minLeaf: number;
  /** Features tried per split: 'sqrt' (classification) or 'third' (regression), as usual. */
  mtry: 'sqrt' | 'third';
  /** Rows bootstrapped per tree: bounds the cost at 50,000 entities whatever the fold size. */
  maxSamples: number;
  maxBins: number;
  seed: number;
}

export interface TreeArrays {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface ForestModel {
  name: 'random_forest_histogram_cart';
  params: ForestParams;
  nFeatures: number;
  mtryCount: number;
  /** Leaf value: fraction of profitable rows (classifier) or mean target (regressor); split is x <= threshold → left. */
  trees: TreeArrays[];
}

function lowerBound(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function binColumns(X: Float64Array[], p: number, maxBins: number): { codes: Uint8Array[]; edges: Float64Array[] } {
  const n = X.length;
  const codes: Uint8Array[] = [];
  const edges: Float64Array[] = [];
  for (let f = 0; f < p; f++) {
    const col = new Float64Array(n);
    // One-hot columns hold two values: skip the sort, which is most of the binning time.
    let a = NaN;
    let b = NaN;
    let few = true;
    for (let i = 0; i < n; i++) {
      const v = X[i][f];
      col[i] = v;
      if (v === a || v === b) continue;
      if (a !== a) a = v;
      else if (b !== b) b = v;
      else few = false;
    }
    let cuts: number[];
    if (few) {
      cuts = b === b ? [(Math.min(a, b) + Math.max(a, b)) / 2] : [];
    } else {
      const sorted = col.slice().sort();
      const uniq: number[] = [];
      for (let i = 0; i < n && uniq.length <= maxBins; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) uniq.push(sorted[i]);
      if (uniq.length <= maxBins) {
        cuts = uniq.slice(1).map((v, i) => (uniq[i] + v) / 2);
      } else {
        cuts = [];
        for (let k = 1; k < maxBins; k++) {
          const v = sorted[Math.floor((k * n) / maxBins)];
          if (cuts.length === 0 || v > cuts[cuts.length - 1]) cuts.push(v);
        }
      }
    }
    const e = Float64Array.from(cuts);
    const code = new Uint8Array(n);
    for (let i = 0; i < n; i++) code[i] = lowerBound(e, col[i]);
    edges.push(e);
    codes.push(code);
  }
  return { codes, edges };
}

function buildTree(codes: Uint8Array[], edges: Float64Array[], y: Float64Array, idx: Int32Array, mtry: number, params: ForestParams, rand: () => number): TreeArrays {
  const p = codes.length;
  const t: TreeArrays = { feature: [], threshold: [], left: [], right: [], value: [] };
  const addNode = () => {
    t.feature.push(-1);
    t.threshold.push(0);
    t.left.push(-1);
    t.right.push(-1);
    t.value.push(0);
    return t.feature.length - 1;
  };
  const order = Int32Array.from({ length: p }, (_, i) => i);
  const cnt = new Float64Array(256);
  const sum = new Float64Array(256);
  const stack: [number, number, number, number][] = [[0, idx.length, 0, addNode()]];
  while (stack.length) {
    const [start, end, depth, node] = stack.pop()!;
    const n = end - start;
    let s = 0;
    let s2 = 0;
    for (let i = start; i < end; i++) {
      const v = y[idx[i]];
      s += v;
      s2 += v * v;
    }
    t.value[node] = s / n;
    const sse = s2 - (s * s) / n;
    if (depth >= params.maxDepth || n < 2 * params.minLeaf || sse <= 1e-12 * Math.max(1, s2)) continue;
    const parent = (s * s) / n;
    let bestGain = 1e-9 * sse;
    let bestF = -1;
    let bestB = -1;
    let tried = 0;
    for (let k = 0; k < p; k++) {
      if (tried >= mtry && bestF >= 0) break;
      const j = k + Math.floor(rand() * (p - k));
      const f = order[j];
      order[j] = order[k];
      order[k] = f;
      const nb = edges[f].length + 1;
      if (nb < 2) continue;
      tried++;
      cnt.fill(0, 0, nb);
      sum.fill(0, 0, nb);
      const code = codes[f];
      for (let i = start; i < end; i++) {
        const r = idx[i];
        cnt[code[r]]++;
        sum[code[r]] += y[r];
      }
      let nl = 0;
      let sl = 0;
      for (let b = 0; b < nb - 1; b++) {
        nl += cnt[b];
        sl += sum[b];
        const nr = n - nl;
        if (nl < params.minLeaf) continue;
        if (nr < params.minLeaf) break;
        const gain = (sl * sl) / nl + ((s - sl) * (s - sl)) / nr - parent;
        if (gain > bestGain) {
          bestGain = gain;
          bestF = f;
          bestB = b;
        }
      }
    }
    if (bestF < 0) continue;
    const code = codes[bestF];
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (code[idx[i]] <= bestB) i++;
      else {
        const tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
        j--;
      }
    }
    const left = addNode();
    const right = addNode();
    t.feature[node] = bestF;
    t.threshold[node] = edges[bestF][bestB];
    t.left[node] = left;
    t.right[node] = right;
    stack.push([i, end, depth + 1, right], [start, i, depth + 1, left]);
  }
  return t;
}

export function fitForest(X: Float64Array[], y: ArrayLike<number>, params: ForestParams): ForestModel {
  const n = X.length;
  const p = n ? X[0].length : 0;
  const mtryCount = Math.max(1, params.mtry === 'sqrt' ? Math.round(Math.sqrt(p)) : Math.round(p / 3));
  const { codes, edges } = binColumns(X, p, Math.min(params.maxBins, 256));
  const target = Float64Array.from(y);
  const master = seededRandom(params.seed);
  const m = Math.min(n, params.maxSamples);
  const trees: TreeArrays[] = [];
  for (let k = 0; k < params.nTrees; k++) {
    const rand = seededRandom(Math.floor(master() * 2 ** 31));
    const sample = Int32Array.from({ length: m }, () => Math.floor(rand() * n));
    trees.push(buildTree(codes, edges, target, sample, mtryCount, params, rand));
  }
  return { name: 'random_forest_histogram_cart', params, nFeatures: p, mtryCount, trees };
}

export function predictForest(m: ForestModel, X: Float64Array[]): Float64Array {
  const out = new Float64Array(X.length);
  for (const t of m.trees) {
    for (let i = 0; i < X.length; i++) {
      const row = X[i];
      let node = 0;
      while (t.feature[node] >= 0) node = row[t.feature[node]] <= t.threshold[node] ? t.left[node] : t.right[node];
      out[i] += t.value[node];
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= Math.max(1, m.trees.length);
  return out;
}

// ---------------------------------------------------------------- linear regression on log1p(ROAS)

export interface LinearModel {
  name: 'linear_regression_log1p';
  solver: 'ml-regression-multivariate-linear' | 'ridge';
  intercept: number;
  weights: number[];
  /** Duan's smearing factor: mean exp(residual), so exp(fit) estimates a mean, not a median. */
  smearing: number;
  /** Predictions are held within the observed log1p(ROAS) range: exp() of an extrapolation explodes. */
  minLog: number;
  maxLog: number;
  library?: unknown;
}

function ridgeWeights(X: Float64Array[], z: Float64Array, lambda: number): number[] {
  const p = X[0].length;
  const q = p + 1;
  const h = new Float64Array(q * q);
  const g = new Float64Array(q);
  X.forEach((row, i) => {
    for (let a = 0; a < q; a++) {
      const va = a === p ? 1 : row[a];
      if (va === 0) continue;
      g[a] += va * z[i];
      for (let b = a; b < q; b++) h[a * q + b] += va * (b === p ? 1 : row[b]);
    }
  });
  for (let a = 0; a < q; a++) for (let b = 0; b < a; b++) h[a * q + b] = h[b * q + a];
  for (let j = 0; j < p; j++) h[j * q + j] += lambda;
  return Array.from(solveSpd(h, g, q));
}

export function fitLinear(X: Float64Array[], roas: ArrayLike<number>): LinearModel {
  const n = X.length;
  const p = n ? X[0].length : 0;
  // ROAS below 0 (refunds beyond revenue) cannot be logged; it counts as 0 for the fit only.
  const z = Float64Array.from({ length: n }, (_, i) => Math.log1p(Math.max(0, roas[i])));
  let weights: number[];
  let intercept: number;
  let solver: LinearModel['solver'] = 'ml-regression-multivariate-linear';
  let library: unknown;
  if (p === 0) {
    weights = [];
    intercept = z.reduce((s, v) => s + v, 0) / Math.max(1, n);
  } else {
    // The one-hot levels plus intercept are collinear; the library's SVD inverse copes (minimum norm).
    const mlr = new MultivariateLinearRegression(X.map((r) => Array.from(r)), Array.from(z, (v) => [v]), { intercept: true, statistics: false });
    const w = mlr.weights.map((r) => r[0]);
    if (w.every(Number.isFinite)) {
      weights = w.slice(0, p);
      intercept = w[p];
      library = mlr.toJSON();
    } else {
      const rw = ridgeWeights(X, z, 1);
      weights = rw.slice(0, p);
      intercept = rw[p];
      solver = 'ridge';
    }
  }
  let minLog = Infinity;
  let maxLog = -Infinity;
  for (const v of z) {
    minLog = Math.min(minLog, v);
    maxLog = Math.max(maxLog, v);
  }
  const partial: LinearModel = { name: 'linear_regression_log1p', solver, intercept, weights, smearing: 1, minLog, maxLog };
  const fitted = linearLogFit(partial, X);
  let smear = 0;
  for (let i = 0; i < n; i++) smear += Math.exp(z[i] - fitted[i]);
  const smearing = n && Number.isFinite(smear) ? smear / n : 1;
  return { ...partial, smearing, ...(library ? { library } : {}) };
}

function linearLogFit(m: LinearModel, X: Float64Array[]): Float64Array {
  return Float64Array.from(X, (row) => {
    let e = m.intercept;
    for (let j = 0; j < m.weights.length; j++) e += m.weights[j] * row[j];
    return Math.min(m.maxLog, Math.max(m.minLog, e));
  });
}

export function predictLinear(m: LinearModel, X: Float64Array[]): Float64Array {
  return linearLogFit(m, X).map((e) => Math.max(0, Math.exp(e) * m.smearing - 1));
}

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
  forestLearner('random_forest_classifier', 'sqrt', { target: 'roas > 1', probability: 'mean over trees of the leaf fraction profitable', threshold: 0.5 }),
];

const regressors: Learner[] = [
  {
    algorithm: 'linear_regression',
    params: { target: 'log1p(roas)', back_transform: 'exp with smearing, clamped to the observed range', library: 'ml-regression-multivariate-linear', fallback: 'ridge lambda 1' },
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
  if (labelled < MIN_LABELLED_ROWS) return `only ${labelled} rows have a ROAS; at least ${MIN_LABELLED_ROWS} are needed to train and cross-validate a classifier`;
  if (positives === 0) return `none of the ${labelled} rows with a ROAS is profitable (ROAS > 1); a classifier needs both outcomes`;
  if (negatives === 0) return `all ${labelled} rows with a ROAS are profitable (ROAS > 1); a classifier needs both outcomes`;
  const fewer = Math.min(positives, negatives);
  if (fewer < folds) return `only ${fewer} ${positives < negatives ? 'profitable' : 'unprofitable'} rows; ${folds}-fold cross-validation needs at least ${folds} of each outcome`;
  return null;
}

function regressionGuard(roas: number[]): string | null {
  if (roas.length < MIN_LABELLED_ROWS) return `only ${roas.length} rows have a ROAS; at least ${MIN_LABELLED_ROWS} are needed to train and cross-validate a regressor`;
  if (roas.every((v) => v === roas[0])) return `every one of the ${roas.length} rows has the same ROAS (${roas[0]}); there is nothing to predict`;
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
    const Xtr = encodeRows(spec, train.map((i) => labelled[i]));
    const Xte = encodeRows(spec, test.map((i) => labelled[i]));
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
      chosen: { algorithm: learner.algorithm, params: candidates[best].params, features: fullSpec, model: fitted.json, trainedRows: labelled.length },
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
  const noFeatures = fullSpec.columns.length === 0
    ? 'no usable pre-spend feature: every feature is missing or constant in the rows with a ROAS'
    : null;
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
    runTask(classifiers, profitable, labelled, foldOf, folds, seed, classificationMetrics, higherAuc, fullSpec, all));
  const reg = attempt(regressionWhy, 'regressor', () =>
    runTask(regressors, roas, labelled, foldOf, folds, seed, regressionMetrics, lowerRmse, fullSpec, all));
  const pScores = cls.scores;
  const rScores = reg.scores;

  const scores = rows.map((r, i) => ({
    id: r.id,
    p_profitable: pScores ? finiteOrNull(pScores[i]) : null,
    predicted_roas: rScores ? finiteOrNull(rScores[i]) : null,
  }));
  return { labelledRows: labelled.length, classification: cls.result, regression: reg.result, scores };
}
