import { describe, expect, it } from 'vitest';
import { keyedRng, normalSampler } from '../shared/random.ts';
import { twoSidedP } from './holdout.ts';
import { groupSizes, PLAN_MAX_WEEKS, PLAN_MIN_IROAS, planTest, welchPower } from './test-plan.ts';

/** Share of `runs` simulated Welch tests at the given sizes that reject at 5 % (two-sided). */
function rejectionRate(runs: number, nc: number, ne: number, control: () => number, exposed: () => number): number {
  let rejected = 0;
  for (let r = 0; r < runs; r++) {
    const c = sample(nc, control);
    const e = sample(ne, exposed);
    const a = c.v / nc;
    const b = e.v / ne;
    const se = Math.sqrt(a + b);
    const df = (a + b) ** 2 / ((a * a) / (nc - 1) + (b * b) / (ne - 1));
    if (twoSidedP((e.m - c.m) / se, df) < 0.05) rejected++;
  }
  return rejected / runs;
  function sample(n: number, draw: () => number) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = draw();
      s += x;
      s2 += x * x;
    }
    const m = s / n;
    return { m, v: (s2 - n * m * m) / (n - 1) };
  }
}

describe('test plans', () => {
  // a creator with an inconclusive holdout: 60 control and 180 exposed users, a small positive estimate
  const pilot = {
    controlUsers: 60,
    exposedUsers: 180,
    controlVariance: 90 ** 2,
    exposedVariance: 110 ** 2,
    rpuDifference: 18,
    payout: 2000,
    weeksWithOrders: 10,
  };

  it('sizes the test for 80 % power at the estimate, keeping the control/exposed ratio', () => {
    const plan = planTest(pilot)!;
    expect(plan.effectBasis).toBe('estimate');
    expect(plan.effect).toBe(18);
    expect(plan.assumedIroas).toBeCloseTo((18 * 180) / 2000, 12);
    expect(plan.controlUsersNeeded / plan.exposedUsersNeeded).toBeCloseTo(1 / 3, 2);
    expect(plan.power).toBeGreaterThanOrEqual(0.8);
    // one exposed user fewer falls short of 80 %
    expect(welchPower(18, Math.ceil((plan.exposedUsersNeeded - 1) / 3), plan.exposedUsersNeeded - 1, 90 ** 2, 110 ** 2)).toBeLessThan(0.8);
    // 24 users a week
    expect(plan.usersPerWeek).toBe(24);
    expect(plan.weeksNeeded).toBe(Math.ceil((plan.controlUsersNeeded + plan.exposedUsersNeeded) / 24));
    expect(plan.feasible).toBe(plan.weeksNeeded! <= PLAN_MAX_WEEKS);
  });

  it('sizes for the stated minimum effect when the estimate is about zero, and says when it is not feasible', () => {
    const plan = planTest({ ...pilot, rpuDifference: 0.01 })!;
    expect(plan.effectBasis).toBe('minimum');
    expect(plan.assumedIroas).toBeCloseTo(PLAN_MIN_IROAS, 12);
    const slow = planTest({ ...pilot, rpuDifference: 0.01, weeksWithOrders: 200 })!;
    expect(slow.feasible).toBe(false);
    expect(slow.reason).toMatch(/^not feasible within 12 weeks: needs [\d,]+ users, \d+ weeks at 1 users a week$/);
  });

  it('never plans fewer users per group than a holdout needs to count as ok', () => {
    const plan = planTest({ ...pilot, controlUsers: 5, exposedUsers: 12, rpuDifference: 300, minGroupUsers: 30 })!;
    expect(plan.controlUsersNeeded).toBeGreaterThanOrEqual(30);
    expect(plan.exposedUsersNeeded).toBe(72);
    expect(plan.controlUsersNeeded).toBe(Math.ceil((72 * 5) / 12));
    expect(planTest({ ...pilot, controlUsers: 5, exposedUsers: 12, rpuDifference: 300 })!.exposedUsersNeeded).toBeLessThan(30);
  });

  it('has no plan without two users in each group', () => {
    expect(planTest({ ...pilot, controlUsers: 1 })).toBeNull();
    expect(groupSizes(0, 1, 1, 1)).toBeNull();
  });

  // The plan's promise, checked by simulation: at the planned sizes a Welch test on data with
  // the assumed effect rejects in 80 % of tests, and with no effect in 5 %.
  const cases = [
    { name: 'normal revenue', pilot, draw: (rand: () => number) => normalSampler(rand) },
    {
      // skewed per-user revenue, as orders give: lognormal with the same mean and variance shape
      name: 'skewed revenue',
      pilot: {
        ...pilot,
        controlVariance: 100 ** 2 * (Math.exp(0.64) - 1),
        exposedVariance: 100 ** 2 * (Math.exp(0.64) - 1),
        rpuDifference: 9,
      },
      draw: (rand: () => number) => {
        const z = normalSampler(rand);
        // mean 0, variance 1: a standardised lognormal with sigma 0.8
        const s = Math.sqrt(Math.exp(0.64) - 1);
        return () => (Math.exp(0.8 * z() - 0.32) - 1) / s;
      },
    },
  ];
  for (const c of cases)
    it(`a simulated Welch test at the planned sizes rejects 80 ± 5 % with the effect and 5 ± 2 % without (${c.name})`, () => {
      const plan = planTest(c.pilot)!;
      const nc = plan.controlUsersNeeded;
      const ne = plan.exposedUsersNeeded;
      expect(ne).toBeGreaterThan(50);
      const sc = Math.sqrt(c.pilot.controlVariance);
      const sd = Math.sqrt(c.pilot.exposedVariance);
      const runs = 2000;
      const zc = c.draw(keyedRng(17, 1));
      const ze = c.draw(keyedRng(17, 2));
      const power = rejectionRate(
        runs,
        nc,
        ne,
        () => 100 + sc * zc(),
        () => 100 + plan.effect + sd * ze(),
      );
      const zc0 = c.draw(keyedRng(17, 3));
      const ze0 = c.draw(keyedRng(17, 4));
      const alpha = rejectionRate(
        runs,
        nc,
        ne,
        () => 100 + sc * zc0(),
        () => 100 + sd * ze0(),
      );
      console.info(`${c.name}: ${nc} control + ${ne} exposed users, power ${power}, false positives ${alpha}`);
      expect(Math.abs(power - 0.8)).toBeLessThanOrEqual(0.05);
      expect(Math.abs(alpha - 0.05)).toBeLessThanOrEqual(0.02);
    });
});
