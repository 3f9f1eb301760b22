/**
 * Student's t distribution for the holdout's Welch intervals and p-values: the CDF through the
 * regularised incomplete beta function, and its inverse. Pure arithmetic, no dependency.
 */

/** P(T <= t) for Student's t with df degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = tailBeyond(Math.abs(t), df);
  return t >= 0 ? 1 - tail : tail;
}

/** P(T > t), the upper tail: accurate in relative terms far out, where 1 − studentTCdf rounds. */
export function studentTTail(t: number, df: number): number {
  const tail = tailBeyond(Math.abs(t), df);
  return t >= 0 ? tail : 1 - tail;
}

/**
 * P(T > |t|) = ½ I_x(ν/2, ½) with x = ν / (ν + t²). 1 − x is passed as t² / (ν + t²), not
 * computed: near x = 1 (small t, large ν) the subtraction would leave only a few digits.
 */
function tailBeyond(t: number, df: number): number {
  const t2 = t * t;
  return 0.5 * regularizedBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

/**
 * The t with P(T <= t) = prob. It is solved in the nearer tail (q = min(prob, 1 − prob), where
 * 1 − prob is exact for prob ≥ ½), so far-out quantiles keep their digits: for one degree of
 * freedom P(T <= 636.6) = 0.9995 differs from 1 by 5e-4, and an error of one double in the CDF
 * there moves t by 1e-10. Newton steps on log P(T > t) = log q, which is close to linear in
 * log t in a heavy tail and concave in a light one, start at t = 1 and stay inside a bracket
 * that always holds the root (bisected when a step would leave it); about six evaluations of
 * the tail for the 97.5% quantile at the degrees of freedom a holdout has (it runs once per
 * influencer in every recompute).
 */
export function studentTQuantile(prob: number, df: number): number {
  if (Number.isNaN(prob) || Number.isNaN(df)) return Number.NaN;
  if (prob <= 0) return -Infinity;
  if (prob >= 1) return Infinity;
  if (prob === 0.5) return 0;
  const q = prob < 0.5 ? prob : 1 - prob;
  const logQ = Math.log(q);
  // the density's constant factor, once: log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ)
  const logScale = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  let lo = 0;
  let hi = Infinity;
  let t = 1;
  for (let i = 0; i < 100; i++) {
    const tail = tailBeyond(t, df);
    const miss = Math.log(tail) - logQ; // > 0: the tail beyond t is too heavy, t is too small
    if (miss === 0) break;
    if (miss > 0) lo = t;
    else hi = t;
    const density = Math.exp(logScale - ((df + 1) / 2) * Math.log1p((t * t) / df));
    const newton = t + (miss * tail) / density;
    const next = newton > lo && newton < hi ? newton : lo > 0 && hi > 4 * lo ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    const step = Math.abs(next - t);
    t = next;
    if (step <= 1e-14 * t) break;
  }
  return prob < 0.5 ? -t : t;
}

/**
 * Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes §6.4),
 * iterated to the precision of a double. `y` is 1 − x, for a caller that knows it more exactly.
 */
export function regularizedBeta(x: number, a: number, b: number, y = 1 - x): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(y, b, a, x);
  // log x and log(1 − x) from whichever of x, y is the small one: a·log x with x = 0.9998 and
  // a = 5000 would otherwise carry x's rounding 5000-fold
  const logX = x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const logY = y > 0.5 ? Math.log1p(-x) : Math.log(y);
  const front = Math.exp(a * logX + b * logY - logBeta(a, b));
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = 1 + num / c;
    c = Math.abs(c) < tiny ? tiny : c;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = 1 + num / c;
    c = Math.abs(c) < tiny ? tiny : c;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return (front * f) / a;
}

/**
 * log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b). With a large argument (ν/2 for a t with
 * thousands of degrees of freedom) the three logs are near 4e4 each and their difference would
 * keep only about eleven digits, so log Γ(big) − log Γ(big + small) is taken from Stirling's
 * series, differenced term by term (log1p, no cancellation).
 */
export function logBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < 20) return logGamma(a) + logGamma(b) - logGamma(a + b);
  const sum = big + small;
  return logGamma(small) - (big - 0.5) * Math.log1p(small / big) - small * Math.log(sum) + small + stirlingTail(big) - stirlingTail(sum);
}

/** log Γ(z) − [(z − ½) log z − z + ½ log 2π]: the series to z⁻⁹, within 1e-15 from z = 20. */
function stirlingTail(z: number): number {
  const r = 1 / (z * z);
  return (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r * (1 / 1680 - r / 1188)))) / z;
}

export function logGamma(z: number): number {
  const g = [
    676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let x = 0.99999999999980993;
  for (let i = 0; i < g.length; i++) x += g[i]! / (z + i + 1);
  const t = z + g.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}
