import { describe, expect, it } from 'vitest';
import { RowFingerprints } from './row-fingerprints.ts';

describe('RowFingerprints', () => {
  const row = (i: number, grp = 1) => `Instagram,Winter Bulk,${i % 977},u${i},Whey,2026-11-13,1,${i}.00,${grp}`;

  it('sees no repeat among 200,000 distinct rows of one day, even past the expected count', () => {
    const f = new RowFingerprints(1000);
    for (let i = 0; i < 200_000; i++) f.add(20261113, row(i));
    expect(f.repeatDays()).toEqual([]);
  });

  it('names the days a row repeats on, and only those', () => {
    const f = new RowFingerprints();
    for (let i = 0; i < 50_000; i++) f.add(20261113, row(i));
    f.add(20261113, row(5, 0));
    f.add(20261231, row(7));
    expect(f.repeatDays()).toEqual([]);
    const g = new RowFingerprints();
    for (let i = 0; i < 50_000; i++) g.add(i % 2 ? 20001231 : 20261113, row(i));
    g.add(20261113, row(40_000));
    g.add(20001231, row(3));
    g.add(20001231, row(3));
    expect(g.repeatDays()).toEqual([20001231, 20261113]);
  });

  it('keeps at most `max` fingerprints, then says any day may repeat', () => {
    const f = new RowFingerprints(10, 2000);
    for (let i = 0; i < 2000; i++) f.add(20261113, row(i));
    expect(f.repeatDays()).toEqual([]);
    const g = new RowFingerprints(10, 2000);
    for (let i = 0; i < 2001; i++) g.add(20261113, row(i));
    expect(g.repeatDays()).toBeNull();
  });
});
