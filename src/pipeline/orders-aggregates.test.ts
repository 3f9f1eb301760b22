import { describe, expect, it } from 'vitest';
import { mondayOf, OrdersAggregates } from './orders-aggregates.ts';
import type { OrderRow } from './clean-orders.ts';

const row = (o: Partial<OrderRow>): OrderRow => ({
  influencer: '1', source: 'Instagram', campaign: 'C1', user: 'u1', product: 'Whey', day: '2026-11-13', orders: 1, cents: 1050, grp: 1, ...o,
});

describe('OrdersAggregates', () => {
  it('sums by week, product and campaign, in exact cents', () => {
    const a = new OrdersAggregates();
    a.add(row({}));
    a.add(row({ day: '2026-11-15', cents: 1, orders: 2 }));
    a.add(row({ day: '2026-11-16', grp: null, product: null }));
    a.add(row({ influencer: '2', campaign: null }));
    expect(a.weeklyArrays()).toEqual([
      ['2026-11-09', '2026-11-16', '2026-11-09'], ['1', '1', '2'], [2, 1, 1], [3, 1, 1], ['10.51', '10.50', '10.50'],
    ]);
    expect(a.dimensionArrays('products')).toEqual([['1', '1', '2'], ['Whey', '', 'Whey'], [3, 1, 1], ['10.51', '10.50', '10.50']]);
    expect(a.dimensionArrays('campaigns')).toEqual([['1', '2'], ['C1', ''], [4, 1], ['21.01', '10.50']]);
    expect(a.days()).toEqual(['2026-11-13', '2026-11-15', '2026-11-16']);
    expect(a.weeks()).toEqual(['2026-11-09', '2026-11-16']);
  });

  it('takes a row back out', () => {
    const a = new OrdersAggregates();
    a.add(row({}));
    a.add(row({ day: '2026-11-20' }));
    a.add(row({ day: '2026-11-20' }), -1);
    expect(a.days()).toEqual(['2026-11-13']);
    expect(a.weeklyArrays()[4]).toEqual(['10.50']);
    expect(a.dayArrays()).toEqual([['2026-11-13'], [1]]);
  });

  it('finds the Monday of an ISO week', () => {
    expect(['2026-11-16', '2026-11-22', '2027-01-01'].map(mondayOf)).toEqual(['2026-11-16', '2026-11-16', '2026-12-28']);
  });
});
