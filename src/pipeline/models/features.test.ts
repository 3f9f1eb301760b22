import { describe, expect, it } from 'vitest';
import { sampleIndices, seededRandom } from '../shared/random.ts';
import type { FeatureRow } from './features.ts';
import { encodeRows, fitFeatureSpec, median, OTHER_LEVEL, wantsLog } from './features.ts';

const row = (platform: string | null, followers: number | null, rate: number | null): FeatureRow => ({
  categorical: { platform },
  numeric: { followers, rate },
});

describe('fitFeatureSpec / encodeRows', () => {
  const train = [
    row('instagram', 100, 10),
    row('instagram', 200, 20),
    row('youtube', null, 30),
    row('youtube', 400, 40),
    row(null, 300, null),
    row('instagram', 500, 50),
  ];
  const spec = fitFeatureSpec(train, { minLevelCount: 2 });

  it('imputes the training median, one-hots with other/null, standardises with training stats', () => {
    expect(spec.columns).toEqual(['followers', 'rate', 'platform=instagram', 'platform=youtube', `platform=${OTHER_LEVEL}`]);
    expect(spec.numeric[0].median).toBe(300);
    const X = encodeRows(spec, train);
    for (const j of [0, 1]) {
      const col = X.map((r) => r[j]);
      const mean = col.reduce((s, v) => s + v, 0) / col.length;
      const sd = Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / (col.length - 1));
      expect(mean).toBeCloseTo(0, 12);
      expect(sd).toBeCloseTo(1, 12);
    }
    expect(X[2][0]).toBeCloseTo(X[4][0], 12); // missing followers = median 300, like row 4's real 300
    expect(Array.from(X[4].slice(2))).toEqual([0, 0, 1]);
  });

  it('sends unseen levels and nulls to other/null and never emits NaN', () => {
    const [x] = encodeRows(spec, [{ categorical: { platform: 'snapchat' }, numeric: { followers: Number.NaN } }]);
    expect(Array.from(x.slice(2))).toEqual([0, 0, 1]);
    expect(Array.from(x).every(Number.isFinite)).toBe(true);
  });

  it('does not look at the rows it encodes (no leakage across folds)', () => {
    const test = [row('youtube', 1e6, 1e6)];
    const before = JSON.stringify(spec);
    const [x] = encodeRows(spec, test);
    expect(JSON.stringify(spec)).toBe(before);
    expect(x[0]).toBeCloseTo((1e6 - spec.numeric[0].mean) / spec.numeric[0].sd, 9);
  });

  it('drops constant and empty features, and rare levels join other/null', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({
      categorical: { tier: i === 0 ? 'mega' : 'micro', empty: null },
      numeric: { same: 3, none: null, x: i },
    }));
    const s = fitFeatureSpec(rows);
    expect(s.columns).toEqual(['x', 'tier=micro', `tier=${OTHER_LEVEL}`]);
    expect(s.dropped.map((d) => d.name).sort()).toEqual(['empty', 'none', 'same']);
  });

  it('log1p-scales skewed non-negative measures only', () => {
    expect(wantsLog([1, 2, 3, 2, 1, 2, 3, 1000, 2, 1, 3, 2])).toBe(true);
    expect(wantsLog([1, 2, 3, 4, 5])).toBe(false);
    expect(wantsLog([-1, 2, 3, 2, 1, 2, 3, 1000, 2, 1])).toBe(false);
    expect(median([3, null as unknown as number, 1, 2])).toBe(2);
  });
});

describe('seeded sampling', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    const c = seededRandom(6);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    const s = sampleIndices(100, 10, seededRandom(1));
    expect(new Set(s).size).toBe(10);
    expect([...s].sort((x, y) => x - y)).toEqual(s);
    expect(sampleIndices(5, 10, seededRandom(1))).toEqual([0, 1, 2, 3, 4]);
  });
});
