import { describe, expect, it } from 'vitest';
import { keyedRng, normalSampler, seededRandom } from '../shared/random.ts';
import { fitLogistic, predictLogistic } from './logistic.ts';

const sigmoid = (e: number) => 1 / (1 + Math.exp(-e));

/** n rows of p standard-normal features and labels drawn from a known logistic model. */
function logisticData(n: number, intercept: number, weights: number[], seed: number) {
  const normal = normalSampler(keyedRng(seed, 1));
  const coin = seededRandom(seed);
  const X = Array.from({ length: n }, () => Float64Array.from(weights, () => normal()));
  const y = X.map((row) => (coin() < sigmoid(intercept + row.reduce((s, v, j) => s + v * weights[j], 0)) ? 1 : 0));
  return { X, y };
}

describe('fitLogistic', () => {
  it('recovers the coefficients of a generated logistic model', () => {
    const truth = { intercept: -0.5, weights: [1.5, -2, 0.5] };
    const { X, y } = logisticData(20_000, truth.intercept, truth.weights, 3);
    const m = fitLogistic(X, y, 1, 50);
    expect(m.converged).toBe(true);
    expect(m.iterations).toBeLessThan(15);
    // standard errors are about 0.03 at this n; the ridge penalty of 1 shrinks by far less
    expect(Math.abs(m.intercept - truth.intercept)).toBeLessThan(0.1);
    m.weights.forEach((w, j) => expect(Math.abs(w - truth.weights[j])).toBeLessThan(0.1));
  });

  it('stays finite and separates perfectly separable classes', () => {
    const rand = seededRandom(5);
    const X = Array.from({ length: 400 }, () => Float64Array.of(rand() * 2 - 1, rand() * 2 - 1));
    const y = X.map((r) => (r[0] > 0 ? 1 : 0));
    const m = fitLogistic(X, y, 1, 50);
    expect(m.converged).toBe(true);
    expect([m.intercept, ...m.weights].every(Number.isFinite)).toBe(true);
    expect(m.weights[0]).toBeGreaterThan(5);
    expect(Math.abs(m.weights[1])).toBeLessThan(1);
    const p = predictLogistic(m, X);
    expect(X.every((r, i) => p[i] > 0.5 === r[0] > 0 || Math.abs(r[0]) < 0.02)).toBe(true);
  });

  it('copes with duplicated and constant columns (a singular Hessian without the penalty)', () => {
    const { X: base, y } = logisticData(2_000, 0.3, [1], 11);
    const X = base.map((r) => Float64Array.of(r[0], r[0], 0));
    const m = fitLogistic(X, y, 1, 50);
    expect(m.converged).toBe(true);
    expect([m.intercept, ...m.weights].every(Number.isFinite)).toBe(true);
    // the penalty splits the effect evenly between the twins and leaves the empty column at 0
    expect(m.weights[0]).toBeCloseTo(m.weights[1], 6);
    expect(Math.abs(m.weights[0] + m.weights[1] - 1)).toBeLessThan(0.2);
    expect(m.weights[2]).toBe(0);
    // nearly no penalty: still finite
    const loose = fitLogistic(X, y, 1e-9, 50);
    expect([loose.intercept, ...loose.weights].every(Number.isFinite)).toBe(true);
    expect(predictLogistic(loose, X).every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('falls back to the base rate without features', () => {
    const X = Array.from({ length: 10 }, () => new Float64Array(0));
    const m = fitLogistic(X, [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], 1, 50);
    expect(sigmoid(m.intercept)).toBeCloseTo(0.3, 6);
    expect(m.weights).toEqual([]);
  });
});
