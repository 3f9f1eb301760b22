import { describe, expect, it } from 'vitest';
import { OrderDays } from './order-days.ts';

describe('OrderDays', () => {
  it('counts rows per day, takes rows back out, and names the weeks', () => {
    const d = new OrderDays();
    for (const day of [20261116, 20261113, 20261113, 20261120]) d.add(day);
    d.add(20261120, -1);
    expect(d.days()).toEqual(['2026-11-13', '2026-11-16']);
    expect(d.arrays()).toEqual([
      ['2026-11-13', '2026-11-16'],
      [2, 1],
    ]);
    expect(d.weeks()).toEqual(['2026-11-09', '2026-11-16']);
    // runs of one day, interleaved, and counts read between adds
    for (const day of [20261113, 20261113, 20261116, 20261113]) d.add(day);
    d.add(20261116, -1);
    expect(d.arrays()).toEqual([
      ['2026-11-13', '2026-11-16'],
      [5, 1],
    ]);
    d.add(20261116);
    expect(d.arrays()).toEqual([
      ['2026-11-13', '2026-11-16'],
      [5, 2],
    ]);
  });
});
