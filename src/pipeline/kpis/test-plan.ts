/**
 * Test plans for creators whose holdout verdict is inconclusive (issue 17): how many control and
 * exposed users a new holdout test needs to tell the creator's incremental ROAS from zero with
 * 80 % power in a two-sided Welch test at 5 %, keeping the creator's control/exposed ratio and
 * its observed per-user revenue variances, and how many weeks that takes at its current pace.
 */
import { studentTQuantile, studentTTail } from '../shared/statistics.ts';

export const PLAN_POWER = 0.8;
export const PLAN_ALPHA = 0.05;
/** A plan that needs more weeks than this is reported as not feasible. */
export const PLAN_MAX_WEEKS = 12;
/**
 * The smallest incremental ROAS a test is planned to detect, at the creator's current scale:
 * when the estimate is nearer zero than this (or is zero), the test is sized for ± this
 * instead. 0.5 is half the payout back in incremental revenue: smaller effects do not change
 * what to do with the creator, and sizing for them asks for tests no creator can run.
 */
export const PLAN_MIN_IROAS = 0.5;

export interface PlanInput {
  controlUsers: number;
  exposedUsers: number;
  /** Sample variances of revenue per user in each group. */
  controlVariance: number;
  exposedVariance: number;
  /** rpu_exposed − rpu_control, the current estimate of the per-user effect. */
  rpuDifference: number;
  payout: number;
  /** Weeks in which the creator had orders: its pace is (control + exposed users) / these weeks. */
  weeksWithOrders: number;
  /**
   * Users each group needs for a holdout to count as ok rather than underpowered (MIN_HOLDOUT_USERS):
   * a plan never asks for fewer, whatever the power calculation gives.
   */
  minGroupUsers?: number;
}

export interface TestPlan {
  /** The per-user revenue difference the test is sized to detect (> 0). */
  effect: number;
  effectBasis: 'estimate' | 'minimum';
  /** That effect as an incremental ROAS at the current exposed users and payout. */
  assumedIroas: number | null;
  controlUsersNeeded: number;
  exposedUsersNeeded: number;
  /** Power of the planned test at that effect (≥ PLAN_POWER). */
  power: number;
  usersPerWeek: number | null;
  weeksNeeded: number | null;
  feasible: boolean;
  /** Why the plan is not feasible; null when it is. */
  reason: string | null;
}

/** Welch standard error and Welch–Satterthwaite degrees of freedom at given group sizes. */
export function welchSe(nc: number, ne: number, vc: number, ve: number): { se: number; df: number } {
  const a = vc / nc;
  const b = ve / ne;
  const se2 = a + b;
  return { se: Math.sqrt(se2), df: (se2 * se2) / ((a * a) / (nc - 1) + (b * b) / (ne - 1)) };
}

/**
 * Power of a two-sided Welch test at level alpha when the true difference is `effect`: the
 * statistic is taken as a t with the Welch degrees of freedom shifted by effect / se (the usual
 * approximation of the noncentral t; the simulation test checks it).
 */
export function welchPower(effect: number, nc: number, ne: number, vc: number, ve: number, alpha = PLAN_ALPHA): number {
  const { se, df } = welchSe(nc, ne, vc, ve);
  const t = studentTQuantile(1 - alpha / 2, df);
  const shift = Math.abs(effect) / se;
  return studentTTail(t - shift, df) + studentTTail(t + shift, df);
}

/** The group sizes for a test of `effect` with the given power, keeping control/exposed = ratio. */
export function groupSizes(
  effect: number,
  ratio: number,
  vc: number,
  ve: number,
  power = PLAN_POWER,
  alpha = PLAN_ALPHA,
): { controlUsers: number; exposedUsers: number; power: number } | null {
  if (!(effect > 0) || !(ratio > 0) || !(vc + ve > 0)) return null;
  const sizes = (ne: number) => ({ ne, nc: Math.max(2, Math.ceil(ratio * ne - 1e-9)) });
  const powerAt = (ne: number) => {
    const s = sizes(ne);
    return welchPower(effect, s.nc, s.ne, vc, ve, alpha);
  };
  // start from the normal approximation, then bracket and bisect on whole users
  const z = 1.959963984540054 + 0.8416212335729143;
  const guess = Math.max(2, Math.ceil(((z * z) / (effect * effect)) * (vc / ratio + ve)));
  if (!Number.isFinite(guess) || guess > 1e12) return null;
  let lo = 1;
  let hi = guess;
  while (powerAt(hi) < power) {
    lo = hi;
    hi *= 2;
    if (hi > 1e12) return null;
  }
  if (hi > 2) {
    lo = Math.max(lo, 2);
    if (powerAt(lo) >= power) hi = lo;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (powerAt(mid) >= power) hi = mid;
      else lo = mid;
    }
  }
  const s = sizes(Math.max(2, hi));
  return { controlUsers: s.nc, exposedUsers: s.ne, power: welchPower(effect, s.nc, s.ne, vc, ve, alpha) };
}

/** The test plan for one creator; null when its data give no variances or no effect to size for. */
export function planTest(p: PlanInput): TestPlan | null {
  if (p.controlUsers < 2 || p.exposedUsers < 2) return null;
  const perIroas = p.payout > 0 ? p.exposedUsers / p.payout : null;
  const minimum = perIroas ? PLAN_MIN_IROAS / perIroas : 0;
  const observed = Math.abs(p.rpuDifference);
  const basis = observed >= minimum ? 'estimate' : 'minimum';
  const effect = basis === 'estimate' ? observed : minimum;
  const ratio = p.controlUsers / p.exposedUsers;
  const sizes = groupSizes(effect, ratio, p.controlVariance, p.exposedVariance);
  if (!sizes) return null;
  const min = p.minGroupUsers ?? 0;
  if (sizes.controlUsers < min || sizes.exposedUsers < min) {
    // the smallest exposed group, with the ratio kept, in which both groups reach the minimum
    let ne = Math.max(sizes.exposedUsers, min, Math.ceil(min / ratio));
    while (Math.max(2, Math.ceil(ratio * ne - 1e-9)) < min) ne++;
    sizes.exposedUsers = ne;
    sizes.controlUsers = Math.max(2, Math.ceil(ratio * ne - 1e-9));
    sizes.power = welchPower(effect, sizes.controlUsers, ne, p.controlVariance, p.exposedVariance);
  }
  const users = p.controlUsers + p.exposedUsers;
  const usersPerWeek = p.weeksWithOrders > 0 ? users / p.weeksWithOrders : null;
  const needed = sizes.controlUsers + sizes.exposedUsers;
  const weeksNeeded = usersPerWeek ? Math.ceil(needed / usersPerWeek - 1e-9) : null;
  const feasible = weeksNeeded !== null && weeksNeeded <= PLAN_MAX_WEEKS;
  return {
    effect,
    effectBasis: basis,
    assumedIroas: perIroas === null ? null : effect * perIroas,
    controlUsersNeeded: sizes.controlUsers,
    exposedUsersNeeded: sizes.exposedUsers,
    power: sizes.power,
    usersPerWeek,
    weeksNeeded,
    feasible,
    reason: feasible
      ? null
      : usersPerWeek === null
        ? 'no weeks with orders to measure its pace'
        : `not feasible within ${PLAN_MAX_WEEKS} weeks: needs ${needed.toLocaleString('en-US')} users, ${weeksNeeded} weeks at ${Math.round(usersPerWeek).toLocaleString('en-US')} users a week`,
  };
}
