/**
 * Holdout incremental ROAS (DESIGN.md "Metrics"): users are the unit. Revenue per user of
 * each group, incremental revenue = (rpu_exposed - rpu_control) x exposed users, with a
 * 95% Welch interval and p-value, treating the exposed user count as fixed.
 */
import { studentTQuantile, studentTTail } from '../shared/statistics.ts';

export interface GroupStats {
  users: number;
  revenue: number;
  variance: number | null;
}

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
  const empty = {
    exposedUsers: ne,
    controlUsers: nc,
    rpuExposed: null,
    rpuControl: null,
    incrementalRevenue: null,
    iroas: null,
    low: null,
    high: null,
    p: null,
  };
  if (nc === 0 || ne === 0)
    return { ...empty, rpuExposed: ne ? exposed!.revenue / ne : null, rpuControl: nc ? control!.revenue / nc : null, status: 'no_control' };
  const status = nc < minUsers || ne < minUsers ? 'underpowered' : 'ok';
  const mc = control!.revenue / nc;
  const me = exposed!.revenue / ne;
  const incremental = (me - mc) * ne;
  const perPayout = (x: number) => (payout > 0 ? x / payout : null);
  const result: HoldoutResult = {
    ...empty,
    rpuExposed: me,
    rpuControl: mc,
    incrementalRevenue: incremental,
    iroas: perPayout(incremental),
    status,
  };
  if (nc < 2 || ne < 2) return result;
  const vc = control!.variance ?? 0;
  const ve = exposed!.variance ?? 0;
  const se2 = vc / nc + ve / ne;
  if (se2 <= 0) return result;
  const se = Math.sqrt(se2);
  // Welch–Satterthwaite degrees of freedom
  const df = (se2 * se2) / ((vc / nc) ** 2 / (nc - 1) + (ve / ne) ** 2 / (ne - 1));
  const t = studentTQuantile(0.975, df);
  const p = twoSidedP(Math.abs(me - mc) / se, df);
  return { ...result, low: perPayout((me - mc - t * se) * ne), high: perPayout((me - mc + t * se) * ne), p };
}

/**
 * Two-sided p-value of a t statistic, from the tail itself: 2 × (1 − cdf) rounds to 0 once the
 * cdf is within half a double of 1 (t ≈ 9 at 30 degrees of freedom), and a p-value of 0 claims
 * certainty no sample gives. A tail below the smallest double is reported as that double.
 */
export function twoSidedP(t: number, df: number): number {
  return Math.min(1, Math.max(Number.MIN_VALUE, 2 * studentTTail(Math.abs(t), df)));
}
