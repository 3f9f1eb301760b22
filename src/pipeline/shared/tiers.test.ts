import { describe, expect, it } from 'vitest';
import { tierOf } from './tiers.ts';

describe('tierOf', () => {
  it('bands followers at 10 k, 100 k and 1 M, each threshold in the higher tier', () => {
    expect([0, 9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000, 6e6].map(tierOf)).toEqual([
      'Nano',
      'Nano',
      'Micro',
      'Micro',
      'Macro',
      'Macro',
      'Mega',
      'Mega',
    ]);
  });
});
