import { cleanDecimal, cleanInt, cleanText } from './clean-values.ts';
import type { Recognised } from './file-kinds.ts';
import { left } from './pg-text.ts';
import { type CleanContext, columnsOf, type RowCleaner, reject } from './row-cleaner.ts';

/**
 * A payout row as sql/load/payouts.sql reads it from load_rows. Amounts go in as the decimal
 * text read, so numeric(14, 2) rounds them as it rounded the values of earlier loads.
 */
export const PAYOUT_COLUMNS = {
  influencer_id: 'text',
  basis: 'text',
  rate: 'numeric(14, 2)',
  orders: 'bigint',
  total_payout: 'numeric(14, 2)',
} as const;

/** 'per post', 'Order' → 'post', 'order'; anything naming neither is unreadable (null). */
export function cleanBasis(t: string | undefined): 'post' | 'order' | null {
  if (t === undefined) return null;
  const s = t.toLowerCase();
  return s.includes('post') ? 'post' : s.includes('order') ? 'order' : null;
}

const negative = (decimal: string | null) => decimal !== null && Number(decimal) < 0;

/**
 * Cleans payout rows: a known influencer, a basis of 'post' or 'order', a total that reads as a
 * number, rate and orders readable when given, none of them negative; each rule checked in that
 * order, so a row is rejected with the first reason that applies.
 */
export function payoutsCleaner(file: Recognised, ctx: CleanContext): RowCleaner {
  const { at, label } = columnsOf(file);
  const [iInfluencer, iBasis, iRate, iOrders, iTotal] = ['influencer_id', 'basis', 'rate', 'orders', 'total_payout'].map(at) as number[];
  return {
    columns: PAYOUT_COLUMNS,
    clean(f) {
      const influencer = cleanText(f[iInfluencer!]);
      if (influencer === null) return reject(label('influencer_id'), f[iInfluencer!], 'is empty');
      if (!ctx.knownInfluencers.has(influencer)) {
        return reject(label('influencer_id'), left(f[iInfluencer!]!, 80), 'is not a known influencer; load the influencers file first');
      }
      const basis = cleanBasis(f[iBasis!]);
      if (basis === null) return reject(label('basis'), f[iBasis!], "must be 'post' or 'order'");
      // rate and orders may be missing (null), not unreadable (undefined); the total is required
      const rate = cleanDecimal(f[iRate!]);
      if (rate === undefined) return reject(label('rate'), f[iRate!], 'is not a number');
      const orders = cleanInt(f[iOrders!]);
      if (orders === undefined) return reject(label('orders'), f[iOrders!], 'is not a whole number');
      const total = cleanDecimal(f[iTotal!]);
      if (total === null || total === undefined) return reject(label('total_payout'), f[iTotal!], 'is not a number');
      if (negative(total) || negative(rate) || (orders ?? 0) < 0) {
        return reject(label('total_payout'), f[iTotal!], 'payout, rate and orders must be 0 or more');
      }
      return [influencer, basis, rate, orders, total];
    },
  };
}
