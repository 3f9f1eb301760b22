import { describe, expect, it } from 'vitest';
import { cleanBasis, payoutsCleaner } from './clean-payouts.ts';
import { recogniseHeader } from './file-kinds.ts';
import type { Reject, Value } from './row-cleaner.ts';

const HEADER = ['influencer_id', 'basis', 'rate', 'orders', 'total_payout'];
const ctx = { now: new Date('2025-07-01T12:00:00Z'), knownInfluencers: new Set(['1']) };
const good = { influencer_id: '1', basis: 'order', rate: '182', orders: '22.0', total_payout: '4004' };

function clean(cells: Partial<typeof good>): Value[] | Reject {
  const r = recogniseHeader(HEADER);
  if (!r.ok || r.file.kind !== 'payouts') throw new Error('not a payouts header');
  const row = { ...good, ...cells } as Record<string, string>;
  return payoutsCleaner(r.file, ctx).clean(HEADER.map((c) => row[c]!));
}

describe('payouts cleaner', () => {
  it('cleans a good row, amounts as the decimal text read', () => {
    expect(clean({})).toEqual(['1', 'order', '182', 22, '4004']);
    expect(clean({ basis: 'Per POST', rate: '₹1,200.50', orders: '', total_payout: '$1,200.505' })).toEqual([
      '1',
      'post',
      '1200.50',
      null,
      '1200.505',
    ]);
    expect(clean({ rate: ' ' })).toEqual(['1', 'order', null, 22, '4004']);
  });

  it('reads the basis from any text naming post or order', () => {
    expect(['post', 'POSTS', 'per order', 'Orders', 'post/order', ''].map(cleanBasis)).toEqual([
      'post',
      'post',
      'order',
      'order',
      'post',
      null,
    ]);
    expect(cleanBasis('fixed fee')).toBeNull();
  });

  it('needs a known influencer', () => {
    expect(clean({ influencer_id: '' })).toEqual({ column: 'influencer_id', value: '', reason: 'is empty' });
    expect(clean({ influencer_id: '7 ' })).toEqual({
      column: 'influencer_id',
      value: '7 ',
      reason: 'is not a known influencer; load the influencers file first',
    });
  });

  it('rejects a row per rule, in the order the SQL checked them', () => {
    expect(clean({ basis: 'fixed' })).toEqual({ column: 'basis', value: 'fixed', reason: "must be 'post' or 'order'" });
    expect(clean({ rate: 'lots' })).toEqual({ column: 'rate', value: 'lots', reason: 'is not a number' });
    expect(clean({ orders: '2.5' })).toEqual({ column: 'orders', value: '2.5', reason: 'is not a whole number' });
    expect(clean({ total_payout: '' })).toEqual({ column: 'total_payout', value: '', reason: 'is not a number' });
    expect(clean({ total_payout: 'n/a' })).toEqual({ column: 'total_payout', value: 'n/a', reason: 'is not a number' });
    const negative = 'payout, rate and orders must be 0 or more';
    expect(clean({ total_payout: '(5)' })).toEqual({ column: 'total_payout', value: '(5)', reason: negative });
    expect(clean({ rate: '-1' })).toEqual({ column: 'total_payout', value: '4004', reason: negative });
    expect(clean({ orders: '-2' })).toEqual({ column: 'total_payout', value: '4004', reason: negative });
    expect(clean({ influencer_id: '9', basis: 'fixed' })).toMatchObject({ column: 'influencer_id' });
    expect(clean({ basis: 'fixed', rate: 'x' })).toMatchObject({ column: 'basis' });
    expect(clean({ rate: 'x', total_payout: '' })).toMatchObject({ column: 'rate' });
  });
});
