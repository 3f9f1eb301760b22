import { describe, expect, it } from 'vitest';
import { RowFingerprints } from './row-fingerprints.ts';

describe('RowFingerprints', () => {
  const row = (i: number, grp = 1) => `Instagram,Winter Bulk,${i % 977},u${i},Whey,2026-11-13,1,${i}.00,${grp}`;

  it('sees no repeat among 200,000 distinct rows, even past the expected count', () => {
    const f = new RowFingerprints(1000);
    for (let i = 0; i < 200_000; i++) f.add(row(i));
    expect(f.anyRepeat()).toBe(false);
  });

  it('sees one repeated row', () => {
    const f = new RowFingerprints();
    for (let i = 0; i < 50_000; i++) f.add(row(i));
    f.add(row(5, 0));
    expect(f.anyRepeat()).toBe(false);
    const g = new RowFingerprints();
    for (let i = 0; i < 50_000; i++) g.add(row(i));
    g.add(row(40_000));
    expect(g.anyRepeat()).toBe(true);
  });
});
