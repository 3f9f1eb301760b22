/**
 * Linear regression on log1p(ROAS), the linear candidate for "what ROAS should we expect". The
 * fit is ml-regression-multivariate-linear's; a ridge solve stands in when it returns
 * non-finite weights. ROAS is right-skewed, hence the log, and the smearing factor turns the
 * back-transformed fit into an estimate of the mean again.
 */
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import { solveSpd } from './logistic.ts';

export interface LinearModel {
  name: 'linear_regression_log1p';
  solver: 'ml-regression-multivariate-linear' | 'ridge';
  intercept: number;
  weights: number[];
  /** Duan's smearing factor: mean exp(residual), so exp(fit) estimates a mean, not a median. */
  smearing: number;
  /** Predictions are held within the observed log1p(ROAS) range: exp() of an extrapolation explodes. */
  minLog: number;
  maxLog: number;
  library?: unknown;
}

function ridgeWeights(X: Float64Array[], z: Float64Array, lambda: number): number[] {
  const p = X[0].length;
  const q = p + 1;
  const h = new Float64Array(q * q);
  const g = new Float64Array(q);
  X.forEach((row, i) => {
    for (let a = 0; a < q; a++) {
      const va = a === p ? 1 : row[a];
      if (va === 0) continue;
      g[a] += va * z[i];
      for (let b = a; b < q; b++) h[a * q + b] += va * (b === p ? 1 : row[b]);
    }
  });
  for (let a = 0; a < q; a++) for (let b = 0; b < a; b++) h[a * q + b] = h[b * q + a];
  for (let j = 0; j < p; j++) h[j * q + j] += lambda;
  return Array.from(solveSpd(h, g, q));
}

export function fitLinear(X: Float64Array[], roas: ArrayLike<number>): LinearModel {
  const n = X.length;
  const p = n ? X[0].length : 0;
  // ROAS below 0 (refunds beyond revenue) cannot be logged; it counts as 0 for the fit only.
  const z = Float64Array.from({ length: n }, (_, i) => Math.log1p(Math.max(0, roas[i])));
  let weights: number[];
  let intercept: number;
  let solver: LinearModel['solver'] = 'ml-regression-multivariate-linear';
  let library: unknown;
  if (p === 0) {
    weights = [];
    intercept = z.reduce((s, v) => s + v, 0) / Math.max(1, n);
  } else {
    // The one-hot levels plus intercept are collinear; the library's SVD inverse copes (minimum norm).
    const mlr = new MultivariateLinearRegression(
      X.map((r) => Array.from(r)),
      Array.from(z, (v) => [v]),
      { intercept: true, statistics: false },
    );
    const w = mlr.weights.map((r) => r[0]);
    if (w.every(Number.isFinite)) {
      weights = w.slice(0, p);
      intercept = w[p];
      library = mlr.toJSON();
    } else {
      const rw = ridgeWeights(X, z, 1);
      weights = rw.slice(0, p);
      intercept = rw[p];
      solver = 'ridge';
    }
  }
  let minLog = Infinity;
  let maxLog = -Infinity;
  for (const v of z) {
    minLog = Math.min(minLog, v);
    maxLog = Math.max(maxLog, v);
  }
  const partial: LinearModel = { name: 'linear_regression_log1p', solver, intercept, weights, smearing: 1, minLog, maxLog };
  const fitted = linearLogFit(partial, X);
  let smear = 0;
  for (let i = 0; i < n; i++) smear += Math.exp(z[i] - fitted[i]);
  const smearing = n && Number.isFinite(smear) ? smear / n : 1;
  return { ...partial, smearing, ...(library ? { library } : {}) };
}

function linearLogFit(m: LinearModel, X: Float64Array[]): Float64Array {
  return Float64Array.from(X, (row) => {
    let e = m.intercept;
    for (let j = 0; j < m.weights.length; j++) e += m.weights[j] * row[j];
    return Math.min(m.maxLog, Math.max(m.minLog, e));
  });
}

export function predictLinear(m: LinearModel, X: Float64Array[]): Float64Array {
  return linearLogFit(m, X).map((e) => Math.max(0, Math.exp(e) * m.smearing - 1));
}
