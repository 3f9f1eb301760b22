import { describe, expect, it } from 'vitest';
import { studentTQuantile } from '../shared/statistics.ts';
import { type BudgetCreator, planBudget } from './budget.ts';

const creator = (c: Partial<BudgetCreator> & { id: string }): BudgetCreator => ({
  name: `c${c.id}`,
  payout: 1000,
  isLossMaker: false,
  holdoutStatus: 'ok',
  iroasHoldout: null,
  iroasHoldoutLow: null,
  iroasSe: null,
  df: null,
  pNegative: null,
  lossLevel: 0.75,
  iroasBaseline: null,
  ...c,
});

describe('budget moves', () => {
  const creators = [
    // givers: likely losing money on the holdout
    creator({ id: 'g1', payout: 600, isLossMaker: true, iroasHoldout: -0.8, iroasSe: 0.3, df: 100, pNegative: 0.99 }),
    creator({ id: 'g2', payout: 400, isLossMaker: true, iroasHoldout: -0.2, iroasSe: 0.2, df: 50, pNegative: 0.8 }),
    // a loss-maker by ROAS alone gives nothing
    creator({ id: 'x', payout: 900, isLossMaker: true, iroasHoldout: 0.5, iroasSe: 0.2, df: 50, pNegative: 0.01 }),
    // receivers by lower bound: r1 (1.0) before r2 (0.5); r3 has no sure return
    creator({ id: 'r2', payout: 2000, iroasHoldout: 2, iroasHoldoutLow: 0.5, iroasSe: 0.75, df: 80 }),
    creator({ id: 'r1', payout: 800, iroasHoldout: 1.5, iroasHoldoutLow: 1, iroasSe: 0.25, df: 60 }),
    // an underpowered holdout receives nothing, however high its interval
    creator({ id: 'r0', holdoutStatus: 'underpowered', iroasHoldout: 9, iroasHoldoutLow: 5, iroasSe: 2, df: 8 }),
    creator({ id: 'r3', payout: 5000, iroasHoldout: 3, iroasHoldoutLow: -0.1, iroasSe: 1.5, df: 10 }),
  ];

  it('moves the likeliest losers’ payout to the highest lower bounds, each receiver growing at most 50 %', () => {
    const plan = planBudget(creators);
    expect(plan.moves.map((m) => [m.fromId, m.toId, m.amount])).toEqual([
      ['g1', 'r1', 400],
      ['g1', 'r2', 200],
      ['g2', 'r2', 400],
    ]);
    expect(plan.amountMoved).toBe(1000);
    expect(plan.amountUnplaced).toBe(0);
    const [first] = plan.moves;
    expect(first!.expectedGain).toBeCloseTo(400 * (1.5 + 0.8), 9);
    const v = 400 ** 2 * (0.25 ** 2 + 0.3 ** 2);
    const df = v ** 2 / ((400 ** 2 * 0.25 ** 2) ** 2 / 60 + (400 ** 2 * 0.3 ** 2) ** 2 / 100);
    expect(first!.expectedGainLow).toBeCloseTo(first!.expectedGain - studentTQuantile(0.975, df) * Math.sqrt(v), 9);
  });

  it('states the total gain with the variance of each creator’s net amount, counted once', () => {
    const plan = planBudget(creators);
    // r1 +400, r2 +600, g1 −600, g2 −400
    expect(plan.expectedGain).toBeCloseTo(400 * 1.5 + 600 * 2 + 600 * 0.8 + 400 * 0.2, 9);
    const parts = [400 * 0.25, 600 * 0.75, 600 * 0.3, 400 * 0.2].map((x) => x * x);
    const v = parts.reduce((s, x) => s + x, 0);
    const df = v ** 2 / (parts[0]! ** 2 / 60 + parts[1]! ** 2 / 80 + parts[2]! ** 2 / 100 + parts[3]! ** 2 / 50);
    expect(plan.expectedGainHigh! - plan.expectedGain!).toBeCloseTo(studentTQuantile(0.975, df) * Math.sqrt(v), 6);
  });

  it('leaves what finds no room unmoved, and makes no move without a giver or a receiver', () => {
    const plan = planBudget(creators.filter((c) => c.id !== 'r2'));
    expect(plan.amountMoved).toBe(400);
    expect(plan.amountUnplaced).toBe(600);
    expect(planBudget(creators.filter((c) => !c.id.startsWith('g'))).moves).toEqual([]);
    expect(planBudget(creators.filter((c) => !c.id.startsWith('r'))).expectedGain).toBeNull();
  });
});
