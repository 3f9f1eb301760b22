/**
 * Budget moves (issue 17): payout taken from creators likely losing money and given to the
 * creators with the highest sure incremental return (the lower end of their 95 % interval), each
 * of which may grow by at most MAX_GROWTH of its payout. Moving amount A from giver g to
 * receiver r changes incremental revenue by A × (iroas_r − iroas_g), with variance
 * A² × (se_r² + se_g²), if returns stay constant at the current scale.
 */
import { studentTQuantile } from '../shared/statistics.ts';

/** How much a receiver's payout may grow, as a share of its current payout. */
export const MAX_GROWTH = 0.5;

export const BUDGET_ASSUMPTION =
  'returns constant at current scale: each creator keeps its current incremental ROAS per unit of payout, for receivers up to +50 % payout; baseline estimates (no control group) add no sampling error';

export interface BudgetCreator {
  id: string;
  name: string;
  payout: number;
  isLossMaker: boolean;
  holdoutStatus: string;
  /** Holdout incremental ROAS (ok or underpowered), its 95 % interval's lower end, its standard error and degrees of freedom. */
  iroasHoldout: number | null;
  iroasHoldoutLow: number | null;
  iroasSe: number | null;
  df: number | null;
  /** One-sided P(iROAS < 0) from the holdout, and the level that makes a loss-maker. */
  pNegative: number | null;
  lossLevel: number;
  /** Baseline incremental ROAS, used where there is no control group. */
  iroasBaseline: number | null;
}

interface Side {
  c: BudgetCreator;
  iroas: number;
  /** Standard error of the incremental ROAS; 0 for a baseline estimate. */
  se: number;
  df: number;
}

export interface BudgetMove {
  move: number;
  fromId: string;
  fromName: string;
  toId: string;
  toName: string;
  amount: number;
  fromIroas: number;
  toIroas: number;
  toIroasLow: number | null;
  expectedGain: number;
  expectedGainLow: number | null;
  expectedGainHigh: number | null;
  /** holdout: both estimates from holdouts; baseline: either is a baseline estimate, whose error the interval leaves out. */
  basis: 'holdout' | 'baseline';
}

export interface BudgetPlan {
  moves: BudgetMove[];
  givers: number;
  receivers: number;
  amountMoved: number;
  amountUnplaced: number;
  expectedGain: number | null;
  expectedGainLow: number | null;
  expectedGainHigh: number | null;
  /** Net amount per creator (negative for givers): what the summary's interval adds up. */
  net: Map<string, number>;
}

const hasHoldout = (c: BudgetCreator) =>
  (c.holdoutStatus === 'ok' || c.holdoutStatus === 'underpowered') && c.iroasHoldout !== null && c.iroasSe !== null && c.df !== null;

/** Creators likely losing money, with the estimate their verdict rests on, likeliest loss first. */
export function givers(creators: BudgetCreator[]): Side[] {
  const byHoldout = creators
    .filter((c) => c.isLossMaker && c.payout > 0 && hasHoldout(c) && c.pNegative !== null && c.pNegative >= c.lossLevel)
    .map((c) => ({ c, iroas: c.iroasHoldout!, se: c.iroasSe!, df: c.df! }))
    .sort((a, b) => b.c.pNegative! - a.c.pNegative! || a.iroas - b.iroas || a.c.id.localeCompare(b.c.id));
  const byBaseline = creators
    .filter((c) => c.isLossMaker && c.payout > 0 && c.holdoutStatus === 'no_control' && c.iroasBaseline !== null && c.iroasBaseline < 0)
    .map((c) => ({ c, iroas: c.iroasBaseline!, se: 0, df: Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.iroas - b.iroas || a.c.id.localeCompare(b.c.id));
  return [...byHoldout, ...byBaseline];
}

/**
 * Creators with a sure positive return, highest lower bound first, then baseline ones without a
 * control group. Only ok holdouts: an underpowered one's interval rests on too few users to put
 * more money behind (a giver's underpowered holdout is still evidence enough to stop paying).
 */
export function receivers(creators: BudgetCreator[]): Side[] {
  const byHoldout = creators
    .filter(
      (c) =>
        !c.isLossMaker && c.payout > 0 && c.holdoutStatus === 'ok' && hasHoldout(c) && c.iroasHoldoutLow !== null && c.iroasHoldoutLow > 0,
    )
    .map((c) => ({ c, iroas: c.iroasHoldout!, se: c.iroasSe!, df: c.df! }))
    .sort((a, b) => b.c.iroasHoldoutLow! - a.c.iroasHoldoutLow! || a.c.id.localeCompare(b.c.id));
  const byBaseline = creators
    .filter((c) => !c.isLossMaker && c.payout > 0 && c.holdoutStatus === 'no_control' && c.iroasBaseline !== null && c.iroasBaseline > 0)
    .map((c) => ({ c, iroas: c.iroasBaseline!, se: 0, df: Number.POSITIVE_INFINITY }))
    .sort((a, b) => b.iroas - a.iroas || a.c.id.localeCompare(b.c.id));
  return [...byHoldout, ...byBaseline];
}

/** Estimate ± t × se with the Welch–Satterthwaite degrees of freedom of the (weighted) variances. */
function interval(estimate: number, parts: { v: number; df: number }[]): { low: number; high: number } {
  const v = parts.reduce((s, p) => s + p.v, 0);
  if (!(v > 0)) return { low: estimate, high: estimate };
  const v2 = parts.reduce((s, p) => s + (p.v > 0 && Number.isFinite(p.df) ? (p.v * p.v) / p.df : 0), 0);
  const t = v2 > 0 ? studentTQuantile(0.975, (v * v) / v2) : 1.959963984540054;
  return { low: estimate - t * Math.sqrt(v), high: estimate + t * Math.sqrt(v) };
}

const cents = (x: number) => Math.round(x * 100) / 100;

/** The moves, greedily: each giver's whole payout fills the receivers' room in their order. */
export function planBudget(creators: BudgetCreator[], maxGrowth = MAX_GROWTH): BudgetPlan {
  const from = givers(creators);
  const to = receivers(creators).map((r) => ({ ...r, room: cents(maxGrowth * r.c.payout) }));
  const moves: BudgetMove[] = [];
  const net = new Map<string, number>();
  const side = new Map<string, Side>();
  let unplaced = 0;
  let next = 0;
  for (const g of from) {
    let left = cents(g.c.payout);
    while (left > 0 && next < to.length) {
      const r = to[next]!;
      const amount = cents(Math.min(left, r.room));
      if (amount > 0) {
        const gain = amount * (r.iroas - g.iroas);
        const ci = interval(gain, [
          { v: amount * amount * r.se * r.se, df: r.df },
          { v: amount * amount * g.se * g.se, df: g.df },
        ]);
        moves.push({
          move: moves.length + 1,
          fromId: g.c.id,
          fromName: g.c.name,
          toId: r.c.id,
          toName: r.c.name,
          amount,
          fromIroas: g.iroas,
          toIroas: r.iroas,
          toIroasLow: r.c.holdoutStatus === 'no_control' ? null : r.c.iroasHoldoutLow,
          expectedGain: gain,
          expectedGainLow: ci.low,
          expectedGainHigh: ci.high,
          basis: r.c.holdoutStatus === 'no_control' || g.c.holdoutStatus === 'no_control' ? 'baseline' : 'holdout',
        });
        net.set(g.c.id, (net.get(g.c.id) ?? 0) - amount);
        net.set(r.c.id, (net.get(r.c.id) ?? 0) + amount);
        side.set(g.c.id, g);
        side.set(r.c.id, r);
      }
      left = cents(left - amount);
      r.room = cents(r.room - amount);
      if (r.room <= 0) next++;
    }
    unplaced += left;
  }
  const amountMoved = cents(moves.reduce((s, m) => s + m.amount, 0));
  let expectedGain: number | null = null;
  let low: number | null = null;
  let high: number | null = null;
  if (moves.length) {
    expectedGain = 0;
    const parts: { v: number; df: number }[] = [];
    for (const [id, a] of net) {
      const s = side.get(id)!;
      expectedGain += a * s.iroas;
      parts.push({ v: a * a * s.se * s.se, df: s.df });
    }
    ({ low, high } = interval(expectedGain, parts));
  }
  return {
    moves,
    givers: new Set(moves.map((m) => m.fromId)).size,
    receivers: new Set(moves.map((m) => m.toId)).size,
    amountMoved,
    amountUnplaced: cents(unplaced),
    expectedGain,
    expectedGainLow: low,
    expectedGainHigh: high,
    net,
  };
}
