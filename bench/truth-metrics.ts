// The truth report's arithmetic (bench/truth.ts, test/decisions.test.ts): the pipeline's marts
// against the generator's truth.json. Pure: rows in, figures out.

/** The truth.json fields the report reads (src/generate/generate.ts TruthInfluencer). */
export interface TruthRow {
  id: string;
  payout: number;
  roas: number | null;
  true_incremental_revenue: number;
  true_iroas: number | null;
}

/** The mart.influencer_kpis fields the report reads. */
export interface EstimateRow {
  influencer_id: string;
  holdout_status: string;
  iroas_holdout: number | null;
  iroas_holdout_low: number | null;
  iroas_holdout_high: number | null;
  is_loss_maker: boolean;
}

/** Loss-maker in truth: the realised ROAS is below 1, or the true incremental ROAS is below 0. */
export const trulyLosing = (t: TruthRow) => (t.roas !== null && t.roas < 1) || (t.true_iroas !== null && t.true_iroas < 0);

export interface IntervalFigures {
  n: number;
  covered: number;
  /** Mean of high − low. */
  width: number;
  /** Mean of estimate − truth. */
  bias: number;
}

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
}

export const precision = (c: Confusion) => (c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp));
export const recall = (c: Confusion) => (c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn));

export function addIntervals(a: IntervalFigures, b: IntervalFigures): IntervalFigures {
  const n = a.n + b.n;
  return {
    n,
    covered: a.covered + b.covered,
    width: n ? (a.width * a.n + b.width * b.n) / n : 0,
    bias: n ? (a.bias * a.n + b.bias * b.n) / n : 0,
  };
}

/** Interval coverage, mean width and bias of the per-influencer holdout iROAS, by holdout status. */
export function intervalsByStatus(estimates: EstimateRow[], truth: Map<string, TruthRow>): Record<string, IntervalFigures> {
  const out: Record<string, IntervalFigures> = {};
  for (const e of estimates) {
    const t = truth.get(e.influencer_id);
    if (!t || t.true_iroas === null || e.iroas_holdout_low === null || e.iroas_holdout_high === null || e.iroas_holdout === null) continue;
    const one: IntervalFigures = {
      n: 1,
      covered: e.iroas_holdout_low <= t.true_iroas && t.true_iroas <= e.iroas_holdout_high ? 1 : 0,
      width: e.iroas_holdout_high - e.iroas_holdout_low,
      bias: e.iroas_holdout - t.true_iroas,
    };
    out[e.holdout_status] = addIntervals(out[e.holdout_status] ?? { n: 0, covered: 0, width: 0, bias: 0 }, one);
  }
  return out;
}

/** is_loss_maker against the truth's loss-makers. */
export function lossMakerConfusion(
  estimates: { influencer_id: string; is_loss_maker: boolean }[],
  truth: Map<string, TruthRow>,
): Confusion {
  const c: Confusion = { tp: 0, fp: 0, fn: 0 };
  for (const e of estimates) {
    const t = truth.get(e.influencer_id);
    if (!t) continue;
    const real = trulyLosing(t);
    if (e.is_loss_maker && real) c.tp++;
    else if (e.is_loss_maker) c.fp++;
    else if (real) c.fn++;
  }
  return c;
}

/** One slice row's summed incremental ROAS and interval, and the influencers in it with their weight (share of orders, or 1). */
export interface SliceEstimate {
  mart: string;
  key: string;
  iroas: number | null;
  low: number | null;
  high: number | null;
}
export interface SliceMember {
  mart: string;
  key: string;
  influencer_id: string;
  w: number;
  payout: number;
}

/**
 * Each slice's true incremental ROAS, Σ w × true incremental revenue / Σ w × payout over the
 * influencers the estimate adds up, and whether the slice's interval covers it.
 */
export function sliceCoverage(
  estimates: SliceEstimate[],
  members: SliceMember[],
  truth: Map<string, TruthRow>,
): { mart: string; key: string; truth: number; covered: boolean; width: number; bias: number }[] {
  const sums = new Map<string, { inc: number; payout: number }>();
  for (const m of members) {
    const t = truth.get(m.influencer_id);
    if (!t) continue;
    const k = `${m.mart}\u0000${m.key}`;
    const s = sums.get(k) ?? { inc: 0, payout: 0 };
    s.inc += m.w * t.true_incremental_revenue;
    s.payout += m.w * m.payout;
    sums.set(k, s);
  }
  const out = [];
  for (const e of estimates) {
    const s = sums.get(`${e.mart}\u0000${e.key}`);
    if (!s || s.payout <= 0 || e.low === null || e.high === null || e.iroas === null) continue;
    const truthIroas = s.inc / s.payout;
    out.push({
      mart: e.mart,
      key: e.key,
      truth: truthIroas,
      covered: e.low <= truthIroas && truthIroas <= e.high,
      width: e.high - e.low,
      bias: e.iroas - truthIroas,
    });
  }
  return out;
}

/** The largest number of misses n intervals of 95 % coverage give with probability ≥ 99 % (binomial). */
export function allowedMisses(n: number, coverage = 0.95, probability = 0.99): number {
  let cumulative = 0;
  for (let k = 0; k <= n; k++) {
    cumulative += Math.exp(logChoose(n, k) + k * Math.log(1 - coverage) + (n - k) * Math.log(coverage));
    if (cumulative >= probability) return k;
  }
  return n;
}
const logChoose = (n: number, k: number) => {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
};

/** The mart.budget_moves fields the report reads, and mart.budget_summary's interval. */
export interface MoveRow {
  from_id: string;
  to_id: string;
  amount: number;
}
export interface BudgetFigures {
  moves: number;
  amount: number;
  /** Amount-weighted true incremental ROAS of the receivers and of the givers. */
  receiversTrueIroas: number;
  giversTrueIroas: number;
  /** Σ amount × (true iROAS of receiver − true iROAS of giver), and the interval the summary states. */
  trueGain: number;
  expectedGain: number;
  low: number;
  high: number;
  covered: boolean;
}

/** The recommended budget moves against the truth: whether receivers truly return more, and whether the stated interval holds the true gain. */
export function budgetAgainstTruth(
  moves: MoveRow[],
  summary: { expected_gain: number | null; expected_gain_low: number | null; expected_gain_high: number | null } | undefined,
  truth: Map<string, TruthRow>,
): BudgetFigures | null {
  if (!moves.length || !summary || summary.expected_gain_low === null || summary.expected_gain_high === null) return null;
  let amount = 0;
  let to = 0;
  let from = 0;
  for (const m of moves) {
    const a = Number(m.amount);
    amount += a;
    to += a * (truth.get(m.to_id)?.true_iroas ?? Number.NaN);
    from += a * (truth.get(m.from_id)?.true_iroas ?? Number.NaN);
  }
  const trueGain = to - from;
  return {
    moves: moves.length,
    amount,
    receiversTrueIroas: to / amount,
    giversTrueIroas: from / amount,
    trueGain,
    expectedGain: summary.expected_gain ?? Number.NaN,
    low: summary.expected_gain_low,
    high: summary.expected_gain_high,
    covered: summary.expected_gain_low <= trueGain && trueGain <= summary.expected_gain_high,
  };
}
