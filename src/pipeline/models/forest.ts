/**
 * Random forest of histogram CART trees, the non-linear candidate for both questions (the leaf
 * value is the fraction profitable for the classifier, the mean ROAS for the regressor).
 * Written here rather than taken from ml-random-forest: ml-cart finds splits in O(n²) per
 * feature and node (50 trees on 500 rows took 2.8 s, on 2,000 rows 33 s on the 2-core box), and
 * its predictProbability drops the first tree's vote. Binning each feature into quantile bins
 * once makes a split search linear in the node's rows, and bootstrapping a bounded sample per
 * tree bounds the cost whatever the number of entities (models.ts uses ≤ 64 bins, ≤ 5,000 rows).
 */
import { seededRandom } from '../shared/random.ts';

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

export function lowerBound(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface Binned {
  codes: Uint8Array[];
  edges: Float64Array[];
}

// The classifier and regressor forests and boosters of a fold fit the same encoded rows: bin them
// once. Keyed by the row array, which train.ts never changes after encoding it.
const binnedCache = new WeakMap<Float64Array[], Map<number, Binned>>();

/** binColumns of X, computed once per row array and bin count (the arrays must not change after). */
export function binnedColumns(X: Float64Array[], maxBins: number): Binned {
  let byBins = binnedCache.get(X);
  if (!byBins) binnedCache.set(X, (byBins = new Map()));
  let b = byBins.get(maxBins);
  if (!b) byBins.set(maxBins, (b = binColumns(X, X.length ? X[0].length : 0, maxBins)));
  return b;
}

/** Quantile bins per column (≤ maxBins, ≤ 256): codes[f][i] is the bin of X[i][f], edges[f] its cut points. */
export function binColumns(X: Float64Array[], p: number, maxBins: number): { codes: Uint8Array[]; edges: Float64Array[] } {
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
      if (Number.isNaN(a)) a = v;
      else if (Number.isNaN(b)) b = v;
      else few = false;
    }
    let cuts: number[];
    if (few) {
      cuts = !Number.isNaN(b) ? [(Math.min(a, b) + Math.max(a, b)) / 2] : [];
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

/** Tree shape limits, and for a Newton leaf (boost.ts) the L2 penalty on the leaf value. */
export interface TreeShape {
  maxDepth: number;
  minLeaf: number;
}

/**
 * One least-squares CART tree on the rows `idx` (reordered in place) over binned columns, trying
 * `mtry` random features per split. A leaf holds the mean of y, or with `hess` the Newton step
 * Σy / (Σhess + l2) that gradient boosting with log-loss wants (y then being the residual).
 */
export function buildTree(
  codes: Uint8Array[],
  edges: Float64Array[],
  y: Float64Array,
  idx: Int32Array,
  mtry: number,
  params: TreeShape,
  rand: () => number,
  hess?: { h: Float64Array; l2: number },
): TreeArrays {
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
    let sh = 0;
    for (let i = start; i < end; i++) {
      const v = y[idx[i]];
      s += v;
      s2 += v * v;
      if (hess) sh += hess.h[idx[i]];
    }
    t.value[node] = hess ? s / (sh + hess.l2) : s / n;
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
  const { codes, edges } = binnedColumns(X, Math.min(params.maxBins, 256));
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
