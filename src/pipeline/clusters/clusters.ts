/**
 * Segments of influencers (ROAS, incremental ROAS, engagement rate, cost per order) or ad campaigns
 * (CTR, CPC, CPA, ROI) by k-means (DESIGN.md "Models and clusters"). k runs from kMin to kMax and
 * the best mean silhouette wins; labels are read off the centroids in raw units, so the same input
 * always gives the same segments with the same names.
 */
import { kmeans } from 'ml-kmeans';
import { isPresent, quantileSorted, wantsLog } from '../models/features.ts';
import { silhouette } from '../models/metrics.ts';
import type { TrainingRow } from '../shared/drift.ts';
import { inputHash } from '../shared/hash.ts';
import { sampleIndices, seededRandom } from '../shared/random.ts';

export interface ClusterInput {
  id: string;
  features: Record<string, number | null>;
}

export interface CentroidInfo {
  cluster: number;
  size: number;
  /** Arithmetic mean of the members' raw values (missing values left out). */
  means: Record<string, number>;
  /** The k-means centroid taken back to raw units (through the log and standardisation): a typical member. */
  centre: Record<string, number>;
}

export interface LabelContext {
  features: string[];
  /** Raw-unit distribution of every row, for "High" and "Low" to mean something. */
  median: Record<string, number>;
  p33: Record<string, number>;
  p67: Record<string, number>;
}

export type Labeller = (centroid: CentroidInfo, context: LabelContext) => string;

export interface ClusterOptions {
  seed: number;
  kMin?: number;
  kMax?: number;
  /** Silhouette is O(n²): above this many rows it is computed on a seeded sample of this size. */
  sampleSize?: number;
  labeller?: Labeller;
  maxIterations?: number;
}

export interface FeatureTransform {
  feature: string;
  median: number;
  log1p: boolean;
  /** Winsorised at the 1st and 99th percentile so one extreme account cannot claim a cluster of its own. */
  clip: [number, number];
  mean: number;
  sd: number;
}

export interface Clustered {
  k: number;
  silhouette: number;
  features: string[];
  transforms: FeatureTransform[];
  dropped: { feature: string; reason: string }[];
  candidates: { k: number; silhouette: number }[];
  assignments: { id: string; cluster: number; label: string }[];
  centroids: (CentroidInfo & { label: string })[];
  params: {
    seed: number;
    kMin: number;
    kMax: number;
    sampleSize: number;
    silhouetteRows: number;
    initialization: 'kmeans++';
    maxIterations: number;
  };
}

export type ClusterResult = Clustered | { skipped: string; rows: number };

const RETURN_FEATURES = ['roas', 'roi', 'iroas'];
const COST_FEATURES = ['cost_per_order', 'cpa', 'cpc'];
const DISPLAY: Record<string, string> = {
  roas: 'ROAS',
  roi: 'ROI',
  iroas: 'iROAS',
  engagement_rate: 'Engagement',
  ctr: 'CTR',
  cpc: 'CPC',
  cpa: 'CPA',
  cpm: 'CPM',
  cost_per_order: 'Cost per Order',
};

export function displayName(feature: string): string {
  return DISPLAY[feature] ?? feature.replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
}

function tertile(value: number, feature: string, ctx: LabelContext): 'High' | 'Mid' | 'Low' {
  if (value > ctx.p67[feature]) return 'High';
  if (value < ctx.p33[feature]) return 'Low';
  return 'Mid';
}

/**
 * "High ROAS – Low Cost": the return measure (roas, else roi, else iroas, else the first feature)
 * as High/Mid/Low against the overall tertiles, and the cost measure (cost per order, else CPA,
 * else CPC) as High/Low against the overall median.
 */
export const defaultLabeller: Labeller = (c, ctx) => {
  const ret = RETURN_FEATURES.find((f) => ctx.features.includes(f)) ?? ctx.features[0];
  const cost = COST_FEATURES.find((f) => ctx.features.includes(f) && f !== ret);
  const parts = [`${tertile(c.centre[ret], ret, ctx)} ${displayName(ret)}`];
  if (cost) parts.push(c.centre[cost] > ctx.median[cost] ? 'High Cost' : 'Low Cost');
  return parts.join(' – ');
};

/**
 * Two segments must never share a name in one digest. Colliding ones get the feature that tells
 * them apart ("…, High Engagement"); whatever still collides gets " (2)", " (3)" in cluster order.
 */
function uniqueLabels(labels: string[], centroids: CentroidInfo[], ctx: LabelContext): string[] {
  const out = [...labels];
  const groups = new Map<string, number[]>();
  out.forEach((l, i) => groups.set(l, [...(groups.get(l) ?? []), i]));
  for (const [label, members] of groups) {
    if (members.length < 2) continue;
    let bestFeature: string | null = null;
    let bestDistinct = 1;
    for (const f of ctx.features) {
      if (label.includes(displayName(f))) continue;
      const distinct = new Set(members.map((i) => tertile(centroids[i].centre[f], f, ctx))).size;
      if (distinct > bestDistinct) {
        bestDistinct = distinct;
        bestFeature = f;
      }
    }
    if (bestFeature) {
      const f = bestFeature;
      for (const i of members) out[i] = `${label}, ${tertile(centroids[i].centre[f], f, ctx)} ${displayName(f)}`;
    }
  }
  const seen = new Map<string, number>();
  return out.map((l) => {
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}

function featureNames(rows: ClusterInput[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.features ?? {})) seen.add(k);
  return [...seen];
}

/** Bump when clustering or labelling changes in a way its settings do not show: stored runs then no longer match. */
export const CLUSTERING_VERSION = 1;

function settings(opts: ClusterOptions) {
  const seed = Math.trunc(opts.seed);
  const kMin = Math.max(2, Math.trunc(opts.kMin ?? 2));
  const kMax = Math.max(kMin, Math.trunc(opts.kMax ?? 8));
  const sampleSize = Math.max(kMax + 1, Math.trunc(opts.sampleSize ?? 2000));
  const maxIterations = opts.maxIterations ?? 100;
  return { seed, kMin, kMax, sampleSize, maxIterations };
}

/**
 * What clusterEntities' result depends on, hashed (ops.model_runs.input_hash): the rows in the
 * order given, the resolved settings and CLUSTERING_VERSION. A caller's own labeller cannot be
 * hashed (a function): it returns null, and null never matches a stored run.
 */
export function clusteringInputHash(rows: ClusterInput[], opts: ClusterOptions): string | null {
  if (opts.labeller) return null;
  return inputHash({
    version: CLUSTERING_VERSION,
    settings: settings(opts),
    // Entries, not objects: the canonical JSON sorts keys, and the order of features is the order of columns.
    rows: rows.map((r) => ({ id: r.id, features: Object.entries(r.features ?? {}) })),
  });
}

/** The set clusterEntities segments, as trainingSetDrift compares it: every feature is an outcome that may drift. */
export function clusterTrainingRows(rows: ClusterInput[]): TrainingRow[] {
  return rows.map((r) => ({
    id: r.id,
    fixed: [],
    // as clustering reads them: a value that is not a finite number is missing
    drifting: Object.fromEntries(Object.entries(r.features ?? {}).map(([k, v]) => [k, isPresent(v) ? v : null])),
  }));
}

export function clusterEntities(rows: ClusterInput[], opts: ClusterOptions): ClusterResult {
  const { seed, kMin, kMax, sampleSize, maxIterations } = settings(opts);
  const labeller = opts.labeller ?? defaultLabeller;
  const n = rows.length;
  if (n < kMin + 1) return { skipped: `only ${n} rows; splitting into at least ${kMin} segments needs ${kMin + 1} or more`, rows: n };

  const dropped: Clustered['dropped'] = [];
  const transforms: FeatureTransform[] = [];
  const columns: Float64Array[] = [];
  const rawColumns: (number | null)[][] = [];
  const context: LabelContext = { features: [], median: {}, p33: {}, p67: {} };
  for (const feature of featureNames(rows)) {
    const raw = rows.map((r) => (isPresent(r.features?.[feature]) ? (r.features[feature] as number) : null));
    const present = Float64Array.from(raw.filter(isPresent)).sort();
    if (present.length === 0) {
      dropped.push({ feature, reason: 'no values' });
      continue;
    }
    const median = quantileSorted(present, 0.5);
    const log1p = wantsLog(present);
    const t = (v: number) => (log1p ? Math.log1p(v) : v);
    const tSorted = present.map(t);
    const clip: [number, number] = [quantileSorted(tSorted, 0.01), quantileSorted(tSorted, 0.99)];
    const col = Float64Array.from(raw, (v) => Math.min(clip[1], Math.max(clip[0], t(v ?? median))));
    let mean = 0;
    for (const v of col) mean += v;
    mean /= n;
    let ss = 0;
    for (const v of col) ss += (v - mean) ** 2;
    const sd = Math.sqrt(ss / (n - 1));
    if (!(sd > 1e-12)) {
      dropped.push({ feature, reason: 'the same value for every row' });
      continue;
    }
    for (let i = 0; i < n; i++) col[i] = (col[i] - mean) / sd;
    transforms.push({ feature, median, log1p, clip, mean, sd });
    columns.push(col);
    rawColumns.push(raw);
    context.features.push(feature);
    context.median[feature] = median;
    context.p33[feature] = quantileSorted(present, 1 / 3);
    context.p67[feature] = quantileSorted(present, 2 / 3);
  }
  const d = columns.length;
  if (d === 0) return { skipped: 'no feature varies across the rows (all missing or constant)', rows: n };

  const points = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => columns[j][i]));
  const distinct = new Set(points.map((p) => p.join(','))).size;
  const kTop = Math.min(kMax, n - 1, distinct);
  if (kTop < kMin)
    return { skipped: `only ${distinct} distinct rows after standardising; at least ${kMin + 1} are needed for ${kMin} segments`, rows: n };

  const sample = sampleIndices(n, Math.min(n, sampleSize), seededRandom(seed));
  const samplePoints = sample.map((i) => points[i]);
  const candidates: Clustered['candidates'] = [];
  let best: { k: number; silhouette: number; clusters: number[] } | null = null;
  for (let k = kMin; k <= kTop; k++) {
    const res = kmeans(points, k, { seed, initialization: 'kmeans++', maxIterations });
    const s = silhouette(
      samplePoints,
      sample.map((i) => res.clusters[i]),
    );
    candidates.push({ k, silhouette: s });
    // Strictly better only: on a tie the simpler segmentation stays.
    if (!best || s > best.silhouette) best = { k, silhouette: s, clusters: res.clusters };
  }
  const chosen = best!;

  // Renumber by size (largest first) so cluster 0 means the same kind of thing across runs.
  const sizes = new Map<number, number>();
  for (const c of chosen.clusters) sizes.set(c, (sizes.get(c) ?? 0) + 1);
  const order = [...sizes.keys()].sort((a, b) => sizes.get(b)! - sizes.get(a)! || a - b);
  const renumber = new Map(order.map((c, i) => [c, i]));
  const cluster = chosen.clusters.map((c) => renumber.get(c)!);
  const k = order.length;

  const centroids: CentroidInfo[] = Array.from({ length: k }, (_, c) => ({ cluster: c, size: 0, means: {}, centre: {} }));
  for (const c of cluster) centroids[c].size++;
  context.features.forEach((feature, j) => {
    const tr = transforms[j];
    for (let c = 0; c < k; c++) {
      let zSum = 0;
      let rawSum = 0;
      let rawN = 0;
      for (let i = 0; i < n; i++) {
        if (cluster[i] !== c) continue;
        zSum += columns[j][i];
        const v = rawColumns[j][i];
        if (v !== null) {
          rawSum += v;
          rawN++;
        }
      }
      const z = zSum / centroids[c].size;
      const t = z * tr.sd + tr.mean;
      centroids[c].centre[feature] = tr.log1p ? Math.expm1(t) : t;
      centroids[c].means[feature] = rawN ? rawSum / rawN : tr.median;
    }
  });

  const labels = uniqueLabels(
    centroids.map((c) => labeller(c, context)),
    centroids,
    context,
  );
  return {
    k,
    silhouette: chosen.silhouette,
    features: context.features,
    transforms,
    dropped,
    candidates,
    assignments: rows.map((r, i) => ({ id: r.id, cluster: cluster[i], label: labels[cluster[i]] })),
    centroids: centroids.map((c) => ({ ...c, label: labels[c.cluster] })),
    params: { seed, kMin, kMax, sampleSize, silhouetteRows: sample.length, initialization: 'kmeans++', maxIterations },
  };
}
