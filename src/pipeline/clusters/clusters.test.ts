import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../models/metrics.ts';
import { seededRandom } from '../shared/random.ts';
import type { Clustered, ClusterInput, ClusterResult } from './clusters.ts';
import { clusterEntities, defaultLabeller } from './clusters.ts';

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Points around the given centres (one blob per centre, `each` points, spread `sd`), with the true blob. */
function blobs(centres: Record<string, number>[], each: number, sd: number, seed: number, scale: 'normal' | 'lognormal' = 'normal') {
  const rand = seededRandom(seed);
  const rows: ClusterInput[] = [];
  const truth: number[] = [];
  centres.forEach((centre, b) => {
    for (let i = 0; i < each; i++) {
      const features = Object.fromEntries(
        Object.entries(centre).map(([f, m]) => [f, scale === 'normal' ? m + sd * normal(rand) : m * Math.exp(sd * normal(rand))]),
      );
      rows.push({ id: `b${b}-${i}`, features });
      truth.push(b);
    }
  });
  return { rows, truth };
}

function clustered(r: ClusterResult): Clustered {
  if ('skipped' in r) throw new Error(`unexpectedly skipped: ${r.skipped}`);
  return r;
}

function allFinite(value: unknown): boolean {
  const seen: number[] = [];
  JSON.stringify(value, (_k, v) => {
    if (typeof v === 'number') seen.push(v);
    return v;
  });
  return seen.every(Number.isFinite);
}

describe('clusterEntities', () => {
  const four = blobs(
    [
      { a: 0, b: 0, c: 0 },
      { a: 10, b: 0, c: 5 },
      { a: 0, b: 10, c: -5 },
      { a: 10, b: 10, c: 10 },
    ],
    150,
    1,
    3,
  );

  it('finds 4 well-separated blobs: k = 4 and adjusted Rand index >= 0.95', () => {
    const r = clustered(clusterEntities(four.rows, { seed: 42 }));
    expect(r.k).toBe(4);
    expect(r.candidates.map((c) => c.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(r.silhouette).toBe(Math.max(...r.candidates.map((c) => c.silhouette)));
    expect(
      adjustedRandIndex(
        four.truth,
        r.assignments.map((a) => a.cluster),
      ),
    ).toBeGreaterThanOrEqual(0.95);
    expect(r.centroids.map((c) => c.size).reduce((s, v) => s + v, 0)).toBe(600);
  });

  it('is deterministic, labels included', () => {
    const a = clusterEntities(four.rows, { seed: 42 });
    const b = clusterEntities(
      four.rows.map((r) => ({ ...r, features: { ...r.features } })),
      { seed: 42 },
    );
    expect(b).toEqual(a);
  });

  it('samples the silhouette above sampleSize and still finds the blobs', () => {
    const big = blobs(
      [
        { x: 0, y: 0 },
        { x: 8, y: 8 },
        { x: -8, y: 8 },
      ],
      1000,
      1,
      5,
    );
    const r = clustered(clusterEntities(big.rows, { seed: 1, sampleSize: 500 }));
    expect(r.params.silhouetteRows).toBe(500);
    expect(r.k).toBe(3);
    expect(
      adjustedRandIndex(
        big.truth,
        r.assignments.map((a) => a.cluster),
      ),
    ).toBeGreaterThanOrEqual(0.95);
  });

  it('labels influencer segments from the centroids in raw units', () => {
    const segs = blobs(
      [
        { roas: 6, iroas: 4, engagement_rate: 0.05, cost_per_order: 8 },
        { roas: 0.5, iroas: 0.1, engagement_rate: 0.01, cost_per_order: 80 },
        { roas: 6, iroas: 4, engagement_rate: 0.05, cost_per_order: 80 },
        { roas: 0.5, iroas: 0.1, engagement_rate: 0.01, cost_per_order: 8 },
      ],
      100,
      0.15,
      9,
      'lognormal',
    );
    const r = clustered(clusterEntities(segs.rows, { seed: 3 }));
    expect(r.k).toBe(4);
    expect(new Set(r.centroids.map((c) => c.label))).toEqual(
      new Set(['High ROAS – Low Cost', 'Low ROAS – High Cost', 'High ROAS – High Cost', 'Low ROAS – Low Cost']),
    );
    const star = r.centroids.find((c) => c.label === 'High ROAS – Low Cost')!;
    expect(star.means.roas).toBeGreaterThan(5);
    expect(star.means.cost_per_order).toBeLessThan(10);
    expect(r.assignments.find((a) => a.id === 'b0-0')!.label).toBe('High ROAS – Low Cost');
  });

  it('labels ad campaigns by ROI and CPA, and keeps colliding labels apart', () => {
    const ads = blobs(
      [
        { ctr: 0.05, cpc: 0.4, cpa: 5, roi: 3 },
        { ctr: 0.005, cpc: 0.4, cpa: 5, roi: 3 },
        { ctr: 0.02, cpc: 2, cpa: 60, roi: -0.5 },
      ],
      100,
      0.1,
      4,
      'lognormal',
    );
    // roi is negative for one blob in the real world; shift it so the lognormal stays signed.
    for (const r of ads.rows) if (r.id.startsWith('b2')) r.features.roi = -(r.features.roi as number);
    const r = clustered(clusterEntities(ads.rows, { seed: 5 }));
    expect(r.k).toBe(3);
    const labels = r.centroids.map((c) => c.label);
    expect(new Set(labels).size).toBe(3);
    expect(labels.filter((l) => l.startsWith('Low ROI – High Cost'))).toHaveLength(1);
    // The two high-ROI, low-cost segments differ only by CTR: the label must say so.
    const twins = labels.filter((l) => l.includes('– Low Cost'));
    expect(twins).toHaveLength(2);
    expect(twins.every((l) => /CTR/.test(l))).toBe(true);
  });

  it("makes a custom labeller's labels unique too", () => {
    const r = clustered(clusterEntities(four.rows, { seed: 42, labeller: () => 'Segment' }));
    expect(new Set(r.centroids.map((c) => c.label)).size).toBe(r.k);
    expect(r.centroids.every((c) => c.label.startsWith('Segment'))).toBe(true);
  });

  it('default labeller names the return measure High, Mid or Low', () => {
    const ctx = { features: ['roi', 'cpc'], median: { roi: 0, cpc: 1 }, p33: { roi: -0.2, cpc: 0.8 }, p67: { roi: 0.3, cpc: 1.2 } };
    const at = (roi: number, cpc: number) => defaultLabeller({ cluster: 0, size: 1, means: { roi, cpc }, centre: { roi, cpc } }, ctx);
    expect(at(1, 0.5)).toBe('High ROI – Low Cost');
    expect(at(0.1, 2)).toBe('Mid ROI – High Cost');
    expect(at(-1, 2)).toBe('Low ROI – High Cost');
  });
});

describe('clusterEntities guards', () => {
  it('skips with a reason on too few rows', () => {
    const r = clusterEntities(four(2), { seed: 1 });
    expect('skipped' in r && r.skipped).toMatch(/only 2 rows/);
  });

  it('skips when nothing varies, and imputes missing values without NaN', () => {
    const same = Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, features: { roas: 2, cpa: null } }));
    expect(clusterEntities(same, { seed: 1 })).toEqual({
      skipped: 'no feature varies across the rows (all missing or constant)',
      rows: 10,
    });
    const fewDistinct = Array.from({ length: 10 }, (_, i) => ({ id: `d${i}`, features: { roas: i % 2 } }));
    const two = clustered(clusterEntities(fewDistinct, { seed: 1 }));
    expect(two.k).toBe(2);
    const gappy = blobs(
      [
        { roas: 0, cpa: 0 },
        { roas: 9, cpa: 9 },
      ],
      30,
      1,
      2,
    ).rows.map((r, i) => ({
      ...r,
      features: { ...r.features, roas: i % 5 === 0 ? null : r.features.roas, cpa: i % 7 === 0 ? Number.NaN : r.features.cpa, constant: 1 },
    }));
    const g = clustered(clusterEntities(gappy, { seed: 1 }));
    expect(g.dropped).toEqual([{ feature: 'constant', reason: 'the same value for every row' }]);
    expect(allFinite(g)).toBe(true);
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
  });
});

function four(n: number): ClusterInput[] {
  return Array.from({ length: n }, (_, i) => ({ id: `r${i}`, features: { roas: i, cpa: i * 2 } }));
}
