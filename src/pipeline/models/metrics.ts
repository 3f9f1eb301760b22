/**
 * Model and cluster quality measures. Each returns a finite number, or null where the measure is
 * undefined (AUC with one class, R² of a constant), so nothing downstream ever meets NaN.
 */

type Nums = ArrayLike<number>;

/** Area under the ROC curve by the rank-sum formula, ties sharing their average rank. */
export function auc(labels: Nums, scores: Nums): number | null {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (labels[order[t]] === 1) {
        positives++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function accuracy(labels: Nums, predicted: Nums): number | null {
  if (labels.length === 0) return null;
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) hit++;
  return hit / labels.length;
}

/** F1 of the positive class (1); 0 when there is nothing to be right about (no zero-division NaN). */
export function f1(labels: Nums, predicted: Nums): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    if (predicted[i] === 1 && labels[i] === 1) tp++;
    else if (predicted[i] === 1) fp++;
    else if (labels[i] === 1) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

export function mae(actual: Nums, predicted: Nums): number | null {
  if (actual.length === 0) return null;
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(actual[i] - predicted[i]);
  return s / actual.length;
}

export function rmse(actual: Nums, predicted: Nums): number | null {
  if (actual.length === 0) return null;
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += (actual[i] - predicted[i]) ** 2;
  return Math.sqrt(s / actual.length);
}

/** Coefficient of determination against the mean of `actual`; null when `actual` is constant. */
export function r2(actual: Nums, predicted: Nums): number | null {
  const n = actual.length;
  if (n === 0) return null;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i];
  mean /= n;
  let ssTot = 0;
  let ssRes = 0;
  for (let i = 0; i < n; i++) {
    ssTot += (actual[i] - mean) ** 2;
    ssRes += (actual[i] - predicted[i]) ** 2;
  }
  return ssTot > 0 ? 1 - ssRes / ssTot : null;
}

/**
 * Mean silhouette (Euclidean) of the given points. O(n²·d) time and O(n·k) memory, so callers
 * sample first. A point alone in its cluster scores 0; a single cluster scores 0.
 */
export function silhouette(points: ArrayLike<number>[], labels: Nums): number {
  const n = points.length;
  if (n < 2) return 0;
  const ids = new Map<number, number>();
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!ids.has(labels[i])) ids.set(labels[i], ids.size);
    lab[i] = ids.get(labels[i])!;
  }
  const k = ids.size;
  if (k < 2) return 0;
  const size = new Float64Array(k);
  for (let i = 0; i < n; i++) size[lab[i]]++;
  const sums = new Float64Array(n * k);
  const d = points[0].length;
  for (let i = 0; i < n; i++) {
    const p = points[i];
    for (let j = i + 1; j < n; j++) {
      const q = points[j];
      let s = 0;
      for (let t = 0; t < d; t++) s += (p[t] - q[t]) ** 2;
      const dist = Math.sqrt(s);
      sums[i * k + lab[j]] += dist;
      sums[j * k + lab[i]] += dist;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const own = lab[i];
    if (size[own] < 2) continue;
    const a = sums[i * k + own] / (size[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own) b = Math.min(b, sums[i * k + c] / size[c]);
    const m = Math.max(a, b);
    if (m > 0) total += (b - a) / m;
  }
  return total / n;
}

/** Hubert–Arabie adjusted Rand index of two labelings of the same points (1 = identical partitions). */
export function adjustedRandIndex(a: Nums, b: Nums): number {
  const n = a.length;
  const pairs = (x: number) => (x * (x - 1)) / 2;
  const cells = new Map<string, number>();
  const rowsA = new Map<number, number>();
  const colsB = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}\u0000${b[i]}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
    rowsA.set(a[i], (rowsA.get(a[i]) ?? 0) + 1);
    colsB.set(b[i], (colsB.get(b[i]) ?? 0) + 1);
  }
  let index = 0;
  for (const v of cells.values()) index += pairs(v);
  let sumA = 0;
  for (const v of rowsA.values()) sumA += pairs(v);
  let sumB = 0;
  for (const v of colsB.values()) sumB += pairs(v);
  const total = pairs(n);
  if (total === 0) return 1;
  const expected = (sumA * sumB) / total;
  const max = (sumA + sumB) / 2;
  // Both partitions trivial (all one cluster, or all singletons): identical by construction.
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

/** Mean of the non-null values, or null when there are none. */
export function meanOf(values: (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : null;
}
