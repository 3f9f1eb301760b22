/**
 * Gradient boosting of shallow histogram CART trees (forest.ts's binning and tree builder), the
 * third candidate for both questions: log-loss for "profitable", squared loss for ROAS. Each
 * round fits a depth-limited least-squares tree to the residuals (the negative gradient) on a
 * seeded subsample of at most `maxSamples` rows; the classifier's leaves take the Newton step
 * Σresidual / (Σp(1-p) + l2). Features are binned once, so a round costs O(sample × features ×
 * depth) plus one pass over the rows to update the margins: 100 rounds of depth 3 stay well
 * under a second at 40,000 training rows.
 */
import { seededRandom } from '../shared/random.ts';
import { binnedColumns, buildTree, lowerBound, type TreeArrays } from './forest.ts';

export interface BoostParams {
  loss: 'logloss' | 'squared';
  nRounds: number;
  learningRate: number;
  maxDepth: number;
  minLeaf: number;
  /** Fraction of the rows each round sees (without replacement), capped at maxSamples. */
  subsample: number;
  maxSamples: number;
  maxBins: number;
  /** L2 penalty in the Newton leaf of the log-loss (XGBoost's lambda); squared loss uses leaf means. */
  l2: number;
  seed: number;
}

export interface BoostModel {
  name: 'gradient_boosting_histogram_cart';
  params: BoostParams;
  nFeatures: number;
  /** Starting margin: log-odds of the training rate (log-loss) or the training mean (squared). */
  init: number;
  /** Leaf values already multiplied by the learning rate; split is x <= threshold → left. */
  trees: TreeArrays[];
}

function sigmoid(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

function treeValue(t: TreeArrays, row: ArrayLike<number>): number {
  let node = 0;
  while (t.feature[node] >= 0) node = row[t.feature[node]] <= t.threshold[node] ? t.left[node] : t.right[node];
  return t.value[node];
}

/**
 * margin[i] += the tree's value for row i, walking the bins rather than the rows: x <= edges[b]
 * exactly when its bin is <= b, and the bin columns stay in cache where the rows would not.
 */
function addTree(t: TreeArrays, codes: Uint8Array[], edges: Float64Array[], margin: Float64Array) {
  const bin = t.feature.map((f, node) => (f >= 0 ? lowerBound(edges[f], t.threshold[node]) : -1));
  const n = margin.length;
  for (let i = 0; i < n; i++) {
    let node = 0;
    while (t.feature[node] >= 0) node = codes[t.feature[node]][i] <= bin[node] ? t.left[node] : t.right[node];
    margin[i] += t.value[node];
  }
}

export function fitBoost(X: Float64Array[], y: ArrayLike<number>, params: BoostParams): BoostModel {
  const n = X.length;
  const p = n ? X[0].length : 0;
  const logloss = params.loss === 'logloss';
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean = n ? mean / n : 0;
  const rate = Math.min(Math.max(mean, 1e-6), 1 - 1e-6);
  const init = logloss ? Math.log(rate / (1 - rate)) : mean;
  const model: BoostModel = { name: 'gradient_boosting_histogram_cart', params, nFeatures: p, init, trees: [] };
  if (n === 0 || p === 0) return model;

  const { codes, edges } = binnedColumns(X, Math.min(params.maxBins, 256));
  const margin = new Float64Array(n).fill(init);
  const residual = new Float64Array(n);
  const hess = new Float64Array(n);
  const m = Math.max(1, Math.min(n, params.maxSamples, Math.ceil(params.subsample * n)));
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const sample = new Int32Array(m);
  const rand = seededRandom(params.seed);
  for (let round = 0; round < params.nRounds; round++) {
    // A partial Fisher–Yates shuffle draws the round's rows without replacement in O(m).
    for (let k = 0; k < m; k++) {
      const j = k + Math.floor(rand() * (n - k));
      const tmp = perm[k];
      perm[k] = perm[j];
      perm[j] = tmp;
      sample[k] = perm[k];
    }
    for (let k = 0; k < m; k++) {
      const i = sample[k];
      if (logloss) {
        const q = sigmoid(margin[i]);
        residual[i] = y[i] - q;
        hess[i] = Math.max(q * (1 - q), 1e-6);
      } else residual[i] = y[i] - margin[i];
    }
    const tree = buildTree(codes, edges, residual, sample, p, params, rand, logloss ? { h: hess, l2: params.l2 } : undefined);
    for (let v = 0; v < tree.value.length; v++) tree.value[v] *= params.learningRate;
    model.trees.push(tree);
    addTree(tree, codes, edges, margin);
  }
  return model;
}

/** The additive margin: log-odds (log-loss) or the prediction itself (squared loss). */
export function boostMargin(m: BoostModel, X: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(X.length).fill(m.init);
  for (const t of m.trees) for (let i = 0; i < X.length; i++) out[i] += treeValue(t, X[i]);
  return out;
}

/** Probability of the positive class (log-loss) or the predicted value (squared loss). */
export function predictBoost(m: BoostModel, X: ArrayLike<number>[]): Float64Array {
  const margin = boostMargin(m, X);
  return m.params.loss === 'logloss' ? margin.map(sigmoid) : margin;
}
