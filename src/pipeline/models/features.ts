/**
 * Turning entity rows into numeric matrices for the models (DESIGN.md "Models and clusters"):
 * median imputation, one-hot with an "other/null" level, and standardisation. A FeatureSpec is
 * fitted on training rows only and then applied to any rows, so cross-validation folds never
 * see test statistics. (The seeded random numbers folds and samples use: shared/random.ts.)
 */

// test/generated.test.ts still imports these from here; they are defined in shared/random.ts.

export const OTHER_LEVEL = 'other/null';

export interface FeatureRow {
  categorical: Record<string, string | null>;
  numeric: Record<string, number | null>;
}

export interface CategoricalSpec {
  name: string;
  levels: string[];
}
export interface NumericSpec {
  name: string;
  median: number;
  log1p: boolean;
  mean: number;
  sd: number;
}

/** Everything needed to encode a row the way the model saw its training rows; stored with the model. */
export interface FeatureSpec {
  categorical: CategoricalSpec[];
  numeric: NumericSpec[];
  /** Column names of the encoded matrix, in order: numerics first, then one-hot levels. */
  columns: string[];
  dropped: { name: string; reason: string }[];
}

export interface FeatureSpecOptions {
  /** Most frequent levels kept per categorical; the rest share the other/null column. */
  maxLevels?: number;
  /** A level rarer than this in the training rows goes to other/null (too few rows to learn from). */
  minLevelCount?: number;
}

export function isPresent(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Linear-interpolated quantile of an ascending array (the usual "type 7"). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: number[]): number | null {
  const present = values.filter(isPresent);
  if (present.length === 0) return null;
  return quantileSorted(Float64Array.from(present).sort(), 0.5);
}

/** Sample skewness (moment estimate); 0 for constant input. */
export function skewness(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 3) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 ? m3 / m2 ** 1.5 : 0;
}

/**
 * Non-negative, strongly right-skewed measures (followers, rates, costs) are log1p-ed before
 * standardising: on the raw scale a handful of mega-accounts would dominate every linear
 * coefficient and every distance.
 */
export function wantsLog(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] < 0) return false;
  return skewness(values) > 2;
}

function meanSd(values: ArrayLike<number>): { mean: number; sd: number } {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

function keysInOrder(rows: FeatureRow[], part: 'categorical' | 'numeric'): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r[part] ?? {})) seen.add(k);
  return [...seen];
}

export function fitFeatureSpec(rows: FeatureRow[], opts: FeatureSpecOptions = {}): FeatureSpec {
  const maxLevels = opts.maxLevels ?? 30;
  const minLevelCount = opts.minLevelCount ?? Math.max(2, Math.ceil(rows.length * 0.005));
  const dropped: FeatureSpec['dropped'] = [];

  const numeric: NumericSpec[] = [];
  for (const name of keysInOrder(rows, 'numeric')) {
    const present = rows.map((r) => r.numeric[name]).filter(isPresent);
    if (present.length === 0) {
      dropped.push({ name, reason: 'no values in the training rows' });
      continue;
    }
    const raw = Float64Array.from(present).sort();
    const med = quantileSorted(raw, 0.5);
    const log1p = wantsLog(raw);
    // Statistics over the imputed column, exactly as encode() will see it.
    const imputed = rows.map((r) => {
      const v = isPresent(r.numeric[name]) ? (r.numeric[name] as number) : med;
      return log1p ? Math.log1p(v) : v;
    });
    const { mean, sd } = meanSd(imputed);
    if (!(sd > 1e-12)) {
      dropped.push({ name, reason: 'the same value in every training row' });
      continue;
    }
    numeric.push({ name, median: med, log1p, mean, sd });
  }

  const categorical: CategoricalSpec[] = [];
  for (const name of keysInOrder(rows, 'categorical')) {
    const counts = new Map<string, number>();
    for (const r of rows) {
      const v = r.categorical[name];
      if (v === null || v === undefined || v === '') continue;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const levels = [...counts.entries()]
      .filter(([level, n]) => n >= minLevelCount && level !== OTHER_LEVEL)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxLevels)
      .map(([level]) => level);
    if (levels.length === 0) {
      dropped.push({ name, reason: `no level with at least ${minLevelCount} training rows` });
      continue;
    }
    // other/null stays even when empty in training so unseen levels at scoring time have a column.
    categorical.push({ name, levels: [...levels, OTHER_LEVEL] });
  }

  const columns = [
    ...numeric.map((n) => (n.log1p ? `log1p(${n.name})` : n.name)),
    ...categorical.flatMap((c) => c.levels.map((l) => `${c.name}=${l}`)),
  ];
  return { categorical, numeric, columns, dropped };
}

/** Dense encoded rows (numerics standardised, one-hot as 0/1). */
export function encodeRows(spec: FeatureSpec, rows: FeatureRow[]): Float64Array[] {
  const width = spec.columns.length;
  const levelIndex = spec.categorical.map((c) => new Map(c.levels.map((l, i) => [l, i])));
  return rows.map((r) => {
    const out = new Float64Array(width);
    let col = 0;
    for (const n of spec.numeric) {
      const v0 = r.numeric?.[n.name];
      const v = isPresent(v0) ? v0 : n.median;
      // A negative value in a column logged at fit time would give NaN; clamp it to log1p(0).
      const t = n.log1p ? Math.log1p(Math.max(0, v)) : v;
      out[col++] = (t - n.mean) / n.sd;
    }
    spec.categorical.forEach((c, ci) => {
      const v = r.categorical?.[c.name];
      const at = v === null || v === undefined ? undefined : levelIndex[ci].get(v);
      out[col + (at ?? c.levels.length - 1)] = 1;
      col += c.levels.length;
    });
    return out;
  });
}
