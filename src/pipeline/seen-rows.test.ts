import { describe, expect, it } from 'vitest';
import { SeenRows } from './seen-rows.ts';

describe('SeenRows', () => {
  it('knows a repeat, and takes 200,000 distinct rows as new', () => {
    const seen = new SeenRows(1000); // sized too small on purpose: it grows
    let repeats = 0;
    for (let i = 0; i < 200_000; i++) if (seen.seen(`Instagram,Winter Bulk,${i % 977},u${i},Whey,2026-11-13,1,${i}.00,1`)) repeats++;
    expect(repeats).toBe(0);
    expect(seen.seen('Instagram,Winter Bulk,5,u5,Whey,2026-11-13,1,5.00,1')).toBe(true);
    expect(seen.seen('Instagram,Winter Bulk,5,u5,Whey,2026-11-13,1,5.00,0')).toBe(false);
  });
});
