import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTQuantile } from '../shared/statistics.ts';
import { holdout } from './holdout.ts';

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
