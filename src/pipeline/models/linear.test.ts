import { describe, expect, it } from 'vitest';
import { seededRandom } from '../shared/random.ts';
import { fitLinear, predictLinear } from './linear.ts';

/** ROAS whose log1p is exactly intercept + X·weights (kept ≥ 0, so no ROAS is clamped). */
function exactData(n: number, intercept: number, weights: number[], seed: number) {
  const rand = seededRandom(seed);
  const X = Array.from({ length: n }, () => Float64Array.from(weights, () => rand() * 2 - 1));
  const roas = X.map((row) => Math.expm1(intercept + row.reduce((s, v, j) => s + v * weights[j], 0)));
  return { X, roas };
}

describe('fitLinear', () => {
  it('recovers exact coefficients on noise-free data, and predicts the data back', () => {
    const truth = { intercept: 2, weights: [0.5, -0.3, 0.2, 0] };
    const { X, roas } = exactData(200, truth.intercept, truth.weights, 1);
    const m = fitLinear(X, roas);
    expect(m.solver).toBe('ml-regression-multivariate-linear');
    expect(Math.abs(m.intercept - truth.intercept)).toBeLessThan(1e-9);
    m.weights.forEach((w, j) => expect(Math.abs(w - truth.weights[j])).toBeLessThan(1e-9));
    // no residuals: the smearing factor is exactly the back-transform's 1
    expect(Math.abs(m.smearing - 1)).toBeLessThan(1e-12);
    const fitted = predictLinear(m, X);
    roas.forEach((r, i) => expect(Math.abs(fitted[i] - r)).toBeLessThan(1e-8 * (1 + r)));
  });

  it('fits collinear columns (one-hot levels beside the intercept) and still predicts exactly', () => {
    const rand = seededRandom(2);
    // two one-hot levels that always sum to 1, like a categorical with its other/null column
    const X = Array.from({ length: 100 }, () => {
      const a = rand() < 0.5 ? 1 : 0;
      return Float64Array.of(rand() * 2 - 1, a, 1 - a);
    });
    const roas = X.map((r) => Math.expm1(1 + 0.4 * r[0] + 0.6 * r[1]));
    const m = fitLinear(X, roas);
    expect([m.intercept, ...m.weights].every(Number.isFinite)).toBe(true);
    expect(Math.abs(m.weights[0] - 0.4)).toBeLessThan(1e-9);
    // only the difference between the levels is identified
    expect(Math.abs(m.weights[1] - m.weights[2] - 0.6)).toBeLessThan(1e-9);
    const fitted = predictLinear(m, X);
    roas.forEach((r, i) => expect(Math.abs(fitted[i] - r)).toBeLessThan(1e-8 * (1 + r)));
  });

  it('holds predictions within the observed range and never below 0', () => {
    const { X, roas } = exactData(50, 1, [1], 3);
    const m = fitLinear(X, roas);
    const far = predictLinear(m, [Float64Array.of(100), Float64Array.of(-100)]);
    expect(far[0]).toBeCloseTo(Math.max(...roas), 9);
    expect(far[1]).toBeCloseTo(Math.min(...roas), 9);
    expect(
      predictLinear(
        fitLinear(
          X,
          roas.map(() => -5),
        ),
        X,
      ).every((v) => v === 0),
    ).toBe(true);
  });
});
