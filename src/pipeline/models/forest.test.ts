import { describe, expect, it } from 'vitest';
import { seededRandom } from '../shared/random.ts';
import { type ForestParams, fitForest, predictForest } from './forest.ts';

// As train.ts fits its forests.
const PARAMS: ForestParams = { nTrees: 50, maxDepth: 12, minLeaf: 5, maxSamples: 5000, maxBins: 64, mtry: 'sqrt', seed: 7 };

/** Three uniform features and a one-hot pair; the label is an axis-aligned rule on two of them. */
function ruleData(n: number, seed: number) {
  const rand = seededRandom(seed);
  const X = Array.from({ length: n }, () => {
    const level = rand() < 0.5 ? 1 : 0;
    return Float64Array.of(rand(), rand(), rand(), level, 1 - level);
  });
  const y = X.map((r) => ((r[0] > 0.6 && r[1] <= 0.3) || (r[3] === 1 && r[2] > 0.8) ? 1 : 0));
  return { X, y };
}

describe('fitForest', () => {
  it('learns an axis-aligned rule nearly perfectly on new rows', () => {
    const train = ruleData(3_000, 1);
    const test = ruleData(2_000, 2);
    const m = fitForest(train.X, train.y, PARAMS);
    const p = predictForest(m, test.X);
    const correct = test.y.filter((label, i) => (p[i] > 0.5 ? 1 : 0) === label).length;
    expect(correct / test.y.length).toBeGreaterThan(0.97);
    // the rule's two classes are both present in the test rows, so this is not a constant guess
    expect(test.y.filter((v) => v === 1).length).toBeGreaterThan(300);
  });

  it('gives probabilities in [0, 1] and a regression mean within the targets', () => {
    const { X, y } = ruleData(1_000, 3);
    const p = predictForest(fitForest(X, y, PARAMS), X);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    const roas = X.map((r) => 3 * r[0] + (r[3] === 1 ? 2 : 0));
    const fitted = predictForest(fitForest(X, roas, { ...PARAMS, mtry: 'third' }), X);
    expect(fitted.every((v) => v >= Math.min(...roas) && v <= Math.max(...roas))).toBe(true);
    const rmse = Math.sqrt(fitted.reduce((s, v, i) => s + (v - roas[i]) ** 2, 0) / fitted.length);
    expect(rmse).toBeLessThan(0.25);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const { X, y } = ruleData(800, 4);
    const a = fitForest(X, y, PARAMS);
    const b = fitForest(X, y, PARAMS);
    expect(b).toEqual(a);
    expect(predictForest(b, X)).toEqual(predictForest(a, X));
    const other = fitForest(X, y, { ...PARAMS, seed: 8 });
    expect(other.trees).not.toEqual(a.trees);
  });

  it('respects the tree shape limits', () => {
    const { X, y } = ruleData(1_000, 5);
    const m = fitForest(X, y, { ...PARAMS, nTrees: 5, maxDepth: 2 });
    expect(m.trees).toHaveLength(5);
    expect(m.mtryCount).toBe(2); // round(sqrt(5))
    // depth 2: at most 3 splits and 4 leaves a tree
    for (const t of m.trees) expect(t.feature.length).toBeLessThanOrEqual(7);
  });
});
