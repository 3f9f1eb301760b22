/**
 * Ridge-penalised logistic regression, the linear candidate for "will this influencer be
 * profitable". Written here rather than taken from ml-logistic-regression, which runs 50,000
 * fixed-step gradient steps without an intercept; a Newton (IRLS) fit converges in a handful of
 * iterations and the penalty keeps it finite when one-hot levels separate the classes.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

export interface LogisticModel {
  name: 'logistic_regression_irls';
  lambda: number;
  intercept: number;
  weights: number[];
  iterations: number;
  converged: boolean;
}

function sigmoid(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

function log1pExp(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

// Symmetric positive-definite solve, shared with linear.ts's ridge fallback. Jitter is added only
// when the factorisation is borderline, so well-conditioned systems are solved exactly as posed.
export function solveSpd(h: Float64Array, g: Float64Array, q: number): Float64Array {
  for (let jitter = 0; jitter <= 1e-2; jitter = jitter === 0 ? 1e-10 : jitter * 100) {
    const m = new Matrix(q, q);
    for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) m.set(i, j, h[i * q + j] + (i === j ? jitter : 0));
    const chol = new CholeskyDecomposition(m);
    if (!chol.isPositiveDefinite()) continue;
    const x = chol.solve(Matrix.columnVector(Array.from(g))).getColumn(0);
    if (x.every(Number.isFinite)) return Float64Array.from(x);
  }
  return new Float64Array(q);
}

/**
 * Ridge-penalised logistic regression by Newton/IRLS over the sparse rows (one-hot columns are
 * mostly zero, so the Hessian costs n × nnz² rather than n × p²). The intercept is not penalised.
 */
export function fitLogistic(X: Float64Array[], y: ArrayLike<number>, lambda = 1, maxIterations = 50): LogisticModel {
  const n = X.length;
  const p = n ? X[0].length : 0;
  const q = p + 1;
  const nzIdx: Int32Array[] = [];
  const nzVal: Float64Array[] = [];
  for (const row of X) {
    const idx: number[] = [];
    for (let j = 0; j < p; j++) if (row[j] !== 0) idx.push(j);
    idx.push(p);
    nzIdx.push(Int32Array.from(idx));
    nzVal.push(Float64Array.from(idx, (j) => (j === p ? 1 : row[j])));
  }
  let ySum = 0;
  for (let i = 0; i < n; i++) ySum += y[i];
  const base = Math.min(Math.max(ySum / n, 1e-6), 1 - 1e-6);
  let beta = new Float64Array(q);
  beta[p] = Math.log(base / (1 - base));

  const eta = (b: Float64Array, i: number) => {
    const idx = nzIdx[i];
    const val = nzVal[i];
    let s = 0;
    for (let t = 0; t < idx.length; t++) s += b[idx[t]] * val[t];
    return s;
  };
  const penalisedLogLik = (b: Float64Array) => {
    let ll = 0;
    for (let i = 0; i < n; i++) {
      const e = eta(b, i);
      ll += y[i] * e - log1pExp(e);
    }
    let pen = 0;
    for (let j = 0; j < p; j++) pen += b[j] * b[j];
    return ll - (lambda / 2) * pen;
  };

  let current = penalisedLogLik(beta);
  let iterations = 0;
  let converged = false;
  const h = new Float64Array(q * q);
  const g = new Float64Array(q);
  while (iterations < maxIterations && !converged) {
    iterations++;
    h.fill(0);
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const idx = nzIdx[i];
      const val = nzVal[i];
      const mu = sigmoid(eta(beta, i));
      const w = Math.max(mu * (1 - mu), 1e-10);
      const r = y[i] - mu;
      for (let a = 0; a < idx.length; a++) {
        const ia = idx[a];
        const wa = w * val[a];
        g[ia] += val[a] * r;
        for (let b = a; b < idx.length; b++) h[ia * q + idx[b]] += wa * val[b];
      }
    }
    for (let a = 0; a < q; a++) for (let b = 0; b < a; b++) h[a * q + b] = h[b * q + a];
    for (let j = 0; j < p; j++) {
      h[j * q + j] += lambda;
      g[j] -= lambda * beta[j];
    }
    const delta = solveSpd(h, g, q);
    // Step halving keeps Newton from overshooting when the start is far from the optimum.
    let step = 1;
    let next = beta;
    let nextLl = current;
    for (let tries = 0; tries < 30; tries++, step /= 2) {
      const cand = Float64Array.from(beta, (v, j) => v + step * delta[j]);
      const ll = penalisedLogLik(cand);
      if (ll >= current - 1e-12 * Math.abs(current)) {
        next = cand;
        nextLl = ll;
        break;
      }
    }
    let maxDelta = 0;
    for (let j = 0; j < q; j++) maxDelta = Math.max(maxDelta, Math.abs(next[j] - beta[j]));
    converged = maxDelta < 1e-7 || next === beta;
    beta = next;
    current = nextLl;
  }
  return { name: 'logistic_regression_irls', lambda, intercept: beta[p], weights: Array.from(beta.subarray(0, p)), iterations, converged };
}

export function predictLogistic(m: LogisticModel, X: Float64Array[]): Float64Array {
  return Float64Array.from(X, (row) => {
    let e = m.intercept;
    for (let j = 0; j < m.weights.length; j++) e += m.weights[j] * row[j];
    return sigmoid(e);
  });
}
