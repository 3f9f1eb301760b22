/**
 * Holdout incremental ROAS (DESIGN.md "Metrics"): users are the unit. Revenue per user of
 * each group, incremental revenue = (rpu_exposed - rpu_control) x exposed users, with a
 * 95% Welch interval and p-value, treating the exposed user count as fixed.
 */
export interface GroupStats { users: number; revenue: number; variance: number | null }

export interface HoldoutResult {
  exposedUsers: number;
  controlUsers: number;
  rpuExposed: number | null;
  rpuControl: number | null;
  incrementalRevenue: number | null;
  iroas: number | null;
  low: number | null;
  high: number | null;
  p: number | null;
  status: 'ok' | 'underpowered' | 'no_control';
}

export function holdout(control: GroupStats | undefined, exposed: GroupStats | undefined, payout: number, minUsers: number): HoldoutResult {
  const nc = control?.users ?? 0;
  const ne = exposed?.users ?? 0;
  const empty = { exposedUsers: ne, controlUsers: nc, rpuExposed: null, rpuControl: null, incrementalRevenue: null, iroas: null, low: null, high: null, p: null };
  if (nc === 0 || ne === 0) return { ...empty, rpuExposed: ne ? exposed!.revenue / ne : null, rpuControl: nc ? control!.revenue / nc : null, status: 'no_control' };
  const status = nc < minUsers || ne < minUsers ? 'underpowered' : 'ok';
  const mc = control!.revenue / nc;
  const me = exposed!.revenue / ne;
  const incremental = (me - mc) * ne;
  const perPayout = (x: number) => (payout > 0 ? x / payout : null);
  const result: HoldoutResult = { ...empty, rpuExposed: me, rpuControl: mc, incrementalRevenue: incremental, iroas: perPayout(incremental), status };
  if (nc < 2 || ne < 2) return result;
  const vc = control!.variance ?? 0;
  const ve = exposed!.variance ?? 0;
  const se2 = vc / nc + ve / ne;
  if (se2 <= 0) return result;
  const se = Math.sqrt(se2);
  // Welch–Satterthwaite degrees of freedom
  const df = (se2 * se2) / ((vc / nc) ** 2 / (nc - 1) + (ve / ne) ** 2 / (ne - 1));
  const t = studentTQuantile(0.975, df);
  const p = 2 * (1 - studentTCdf(Math.abs(me - mc) / se, df));
  return { ...result, low: perPayout((me - mc - t * se) * ne), high: perPayout((me - mc + t * se) * ne), p };
}

/** P(T <= t) for Student's t with df degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The t with P(T <= t) = prob: Newton steps from 0, each kept inside a bisection bracket
 * (about six evaluations of the CDF where bisection alone took forty-five: this runs once per
 * influencer in every recompute).
 */
export function studentTQuantile(prob: number, df: number): number {
  let lo = -1e3;
  let hi = 1e3;
  let t = 0;
  // the density's constant factor, once: log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ)
  const logScale = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  for (let i = 0; i < 200 && hi - lo > 1e-10; i++) {
    const miss = studentTCdf(t, df) - prob;
    if (miss === 0) return t;
    if (miss < 0) lo = t;
    else hi = t;
    const density = Math.exp(logScale - ((df + 1) / 2) * Math.log1p((t * t) / df));
    const newton = t - miss / density;
    const next = newton > lo && newton < hi ? newton : (lo + hi) / 2;
    if (Math.abs(next - t) < 1e-12) return next;
    t = next;
  }
  return t;
}

// Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes §6.4).
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d; d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = 1 + num / c; c = Math.abs(c) < tiny ? tiny : c;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d; d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = 1 + num / c; c = Math.abs(c) < tiny ? tiny : c;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-12) break;
  }
  return (front * f) / a;
}

function logGamma(z: number): number {
  const g = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let x = 0.99999999999980993;
  for (let i = 0; i < g.length; i++) x += g[i]! / (z + i + 1);
  const t = z + g.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}
