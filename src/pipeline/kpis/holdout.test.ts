import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTQuantile } from '../shared/statistics.ts';
import { holdout, probabilityBelowZero, twoSidedP } from './holdout.ts';

describe('Student t', () => {
  it('matches published quantiles', () => {
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 2);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.96, 2);
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 10);
    expect(studentTCdf(-2.015, 5)).toBeCloseTo(0.05, 3);
  });
});

describe('holdout', () => {
  it('computes rpu, incremental revenue and iROAS to the definition', () => {
    const r = holdout({ users: 100, revenue: 1000, variance: 25 }, { users: 400, revenue: 8000, variance: 100 }, 2000, 30);
    expect(r.rpuControl).toBe(10);
    expect(r.rpuExposed).toBe(20);
    expect(r.incrementalRevenue).toBe(4000);
    expect(r.iroas).toBe(2);
    expect(r.status).toBe('ok');
    expect(r.low!).toBeLessThan(2);
    expect(r.high!).toBeGreaterThan(2);
    expect(r.p!).toBeLessThan(1e-6);
  });

  it('says no_control without a control group and underpowered with few users', () => {
    expect(holdout(undefined, { users: 50, revenue: 500, variance: 1 }, 10, 30).status).toBe('no_control');
    const small = holdout({ users: 5, revenue: 50, variance: 4 }, { users: 50, revenue: 600, variance: 4 }, 100, 30);
    expect(small.status).toBe('underpowered');
    expect(small.low).not.toBeNull();
  });

  it('gives NULL, not Infinity, for zero payout', () => {
    const r = holdout({ users: 40, revenue: 400, variance: 4 }, { users: 40, revenue: 800, variance: 4 }, 0, 30);
    expect(r.iroas).toBeNull();
    expect(r.low).toBeNull();
    expect(r.incrementalRevenue).toBe(400);
  });
});

describe('holdout against an independent Welch interval', () => {
  /** GroupStats of per-user revenue, with the sample variance as stages/kpis.ts computes it. */
  const group = (values: number[]) => {
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    return { users: n, revenue: mean * n, variance: values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) };
  };
  const near = (actual: number | null, expected: number) => expect(Math.abs(actual! / expected - 1)).toBeLessThan(1e-9);

  // [df, low, high, p] printed by this script (python3, scipy 1.17.1): scipy's Welch test and its
  // confidence interval for the mean difference, scaled by exposed users / payout as iROAS is.
  // import numpy as np
  // from scipy import stats
  // def welch(control, exposed, payout):
  //     control, exposed = np.array(control, float), np.array(exposed, float)
  //     r = stats.ttest_ind(exposed, control, equal_var=False)  # Welch's t-test
  //     ci = r.confidence_interval(0.95)  # for mean(exposed) - mean(control), Welch-Satterthwaite df
  //     vc, ve, nc, ne = control.var(ddof=1), exposed.var(ddof=1), len(control), len(exposed)
  //     df = (vc / nc + ve / ne) ** 2 / ((vc / nc) ** 2 / (nc - 1) + (ve / ne) ** 2 / (ne - 1))
  //     t = stats.t.ppf(0.975, df)
  //     assert abs(r.df - df) < 1e-9 and abs(ci.high - (exposed.mean() - control.mean() + t * np.sqrt(vc / nc + ve / ne))) < 1e-9
  //     print([float(df), float(ci.low * ne / payout), float(ci.high * ne / payout), float(r.pvalue)])
  // welch([0, 0, 120, 0, 80, 45, 0, 200, 60, 0, 35, 0], [150, 0, 90, 310, 0, 75, 40, 0, 220, 130, 0, 95, 60, 0, 180, 25], 500)
  // welch([12.5, 0, 30, 8, 0, 22, 15, 0, 5, 18], [40, 55.5, 20, 75, 32, 0, 61, 48, 90, 27, 38, 52, 0, 66, 44, 70, 35, 58, 81, 29], 250)
  it.each([
    {
      control: [0, 0, 120, 0, 80, 45, 0, 200, 60, 0, 35, 0],
      exposed: [150, 0, 90, 310, 0, 75, 40, 0, 220, 130, 0, 95, 60, 0, 180, 25],
      payout: 500,
      low: -0.6154864813044044,
      high: 3.235486481304404,
      p: 0.17373125854286545,
    },
    {
      control: [12.5, 0, 30, 8, 0, 22, 15, 0, 5, 18],
      exposed: [40, 55.5, 20, 75, 32, 0, 61, 48, 90, 27, 38, 52, 0, 66, 44, 70, 35, 58, 81, 29],
      payout: 250,
      low: 1.7546813323327575,
      high: 3.8493186676672435,
      p: 7.798923542407608e-6,
    },
  ])('matches scipy to 1e-9 (p = $p)', ({ control, exposed, payout, low, high, p }) => {
    const r = holdout(group(control), group(exposed), payout, 5);
    expect(r.status).toBe('ok');
    near(r.low, low);
    near(r.high, high);
    near(r.p, p);
  });
});

describe('p-values from the tail (never 1 − cdf)', () => {
  // 2 × P(T > t), 60-digit mpmath (rounded to 15 digits):
  //   mpmath.mp.dps = 60; x = v/(v+t*t); 2 * mpmath.betainc(v/2, 0.5, 0, x, regularized=True) / 2
  const reference: [number, number, number][] = [
    [2, 10, 0.0733880347707404],
    [5, 30, 2.32966854670078e-5],
    [8, 3, 0.00407657758778547],
    [12, 200, 2.42213600524663e-25],
    [30, 1000, 1.53746874440435e-141],
    [40, 5000, 8.41485047193637e-304],
  ];
  it.each(reference)('t = %d, df = %d: p = %d to 1e-9 relative', (t, df, p) => {
    expect(Math.abs(twoSidedP(t, df) - p) / p).toBeLessThan(1e-9);
    expect(twoSidedP(-t, df)).toBe(twoSidedP(t, df));
  });

  it('is a positive double however far out (the true values below are 1e-770 and 1e-6385), and 1 at t = 0', () => {
    expect(twoSidedP(60, 100_000)).toBe(Number.MIN_VALUE);
    expect(twoSidedP(200, 50_000)).toBeGreaterThan(0);
    expect(twoSidedP(0, 12)).toBe(1);
  });

  it('a holdout whose groups differ by many standard errors gets a tiny p, not 0', () => {
    const r = holdout({ users: 5000, revenue: 5000 * 100, variance: 25 }, { users: 5000, revenue: 5000 * 130, variance: 25 }, 100_000, 30);
    expect(r.p).toBeGreaterThan(0);
    expect(r.p).toBeLessThan(1e-300);
  });
});

describe('P(iROAS < 0), the loss-maker evidence', () => {
  // P(T > estimate / se), 60-digit mpmath (printed to 15 digits):
  //   mpmath.mp.dps = 60; t = mpf(e) / s; tail = betainc(v/2, 0.5, 0, v/(v+t*t), regularized=True) / 2
  //   P = tail if t >= 0 else 1 - tail
  const reference: [number, number, number, number][] = [
    [1, 1, 10, 0.17044656615103],
    [-0.5, 1, 3, 0.674276017575925],
    [2.5, 0.5, 30, 1.16483427335039e-5],
    [-3, 1.5, 7.3, 0.958029480332948],
    [0.1, 2, 1000, 0.480066186535976],
    [-8, 1, 4, 0.999338051545391],
    [20, 1, 200, 6.6788835291939e-50],
    [0, 3, 12, 0.5],
  ];
  it.each(reference)('estimate %d, se %d, df %d: %d to 1e-9 relative', (estimate, se, df, p) => {
    expect(Math.abs(probabilityBelowZero(estimate, se, df) - p) / p).toBeLessThan(1e-9);
  });

  it('is what the holdout reports for an underpowered influencer too, and is 1 − p/2 or p/2 by the sign', () => {
    const losing = holdout(
      { users: 12, revenue: 12 * 500, variance: 300 ** 2 },
      { users: 80, revenue: 80 * 420, variance: 280 ** 2 },
      5000,
      30,
    );
    expect(losing.status).toBe('underpowered');
    expect(losing.pNegative!).toBeCloseTo(1 - losing.p! / 2, 12);
    expect(losing.pNegative!).toBeGreaterThan(0.5);
    expect(losing.incrementalSe!).toBeCloseTo(Math.sqrt(300 ** 2 / 12 + 280 ** 2 / 80) * 80, 9);
    const winning = holdout(
      { users: 40, revenue: 40 * 100, variance: 50 ** 2 },
      { users: 90, revenue: 90 * 130, variance: 60 ** 2 },
      5000,
      30,
    );
    expect(winning.pNegative!).toBeCloseTo(winning.p! / 2, 12);
    expect(holdout(undefined, { users: 50, revenue: 500, variance: 1 }, 10, 30).pNegative).toBeNull();
  });
});
