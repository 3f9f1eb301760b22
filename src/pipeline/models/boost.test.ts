import { describe, expect, it } from 'vitest';
import { seededRandom } from '../shared/random.ts';
import { type BoostParams, fitBoost, predictBoost } from './boost.ts';
import { fitLogistic, predictLogistic } from './logistic.ts';
import { auc, r2 } from './metrics.ts';

// As train.ts fits them.
const CLS: BoostParams = {
  loss: 'logloss',
  nRounds: 100,
  learningRate: 0.1,
  maxDepth: 3,
  minLeaf: 20,
  subsample: 0.5,
  maxSamples: 2000,
  maxBins: 64,
  l2: 1,
  seed: 7,
};
const REG: BoostParams = { ...CLS, loss: 'squared' };

/** Two informative features whose effect is an XOR (no linear signal at all), one noise feature, a one-hot pair. */
function xorData(n: number, seed: number) {
  const rand = seededRandom(seed);
  const X = Array.from({ length: n }, () => {
    const level = rand() < 0.5 ? 1 : 0;
    return Float64Array.of(rand() * 2 - 1, rand() * 2 - 1, rand(), level, 1 - level);
  });
  // 90% of labels follow the sign of x0·x1, 10% are flipped
  const y = X.map((r) => ((r[0] * r[1] > 0 ? 1 : 0) ^ (rand() < 0.1 ? 1 : 0)) as number);
  return { X, y };
}

describe('fitBoost', () => {
  it('learns an interaction a linear model cannot (XOR: AUC ≈ 0.9 against ≈ 0.5)', () => {
    const train = xorData(4000, 1);
    const test = xorData(2000, 2);
    const boosted = auc(test.y, predictBoost(fitBoost(train.X, train.y, CLS), test.X))!;
    const linear = auc(test.y, predictLogistic(fitLogistic(train.X, train.y), test.X))!;
    expect(boosted).toBeGreaterThan(0.85);
    expect(linear).toBeGreaterThan(0.4);
    expect(linear).toBeLessThan(0.6);
  });

  it('gives probabilities in [0, 1], and a regression that fits a non-linear target', () => {
    const { X, y } = xorData(2000, 3);
    const p = predictBoost(fitBoost(X, y, CLS), X);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    // the mean probability stays near the base rate (log-loss is calibrated in the large)
    const rate = y.reduce((s, v) => s + v, 0) / y.length;
    expect(Math.abs(p.reduce((s, v) => s + v, 0) / p.length - rate)).toBeLessThan(0.03);

    const target = X.map((r) => 2 * Math.abs(r[0]) + (r[3] === 1 ? 1 : 0) * r[1]);
    const test = xorData(1000, 4);
    const testTarget = test.X.map((r) => 2 * Math.abs(r[0]) + (r[3] === 1 ? 1 : 0) * r[1]);
    expect(r2(testTarget, predictBoost(fitBoost(X, target, REG), test.X))!).toBeGreaterThan(0.9);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const { X, y } = xorData(1500, 5);
    const a = fitBoost(X, y, CLS);
    expect(fitBoost(X, y, CLS)).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    const other = fitBoost(X, y, { ...CLS, seed: 8 });
    expect(other.trees).not.toEqual(a.trees);
  });

  it('respects rounds and depth, and copes with no rows or one class', () => {
    const { X, y } = xorData(500, 6);
    const m = fitBoost(X, y, { ...CLS, nRounds: 7, maxDepth: 2 });
    expect(m.trees).toHaveLength(7);
    for (const t of m.trees) expect(t.feature.length).toBeLessThanOrEqual(7);
    expect(fitBoost([], [], CLS).trees).toEqual([]);
    const ones = predictBoost(
      fitBoost(
        X,
        X.map(() => 1),
        CLS,
      ),
      X,
    );
    expect(ones.every((v) => v > 0.99 && v <= 1)).toBe(true);
  });
});
