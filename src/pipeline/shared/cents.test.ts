import { describe, expect, it } from 'vitest';
import { centsText } from './cents.ts';

// The two functions centsText replaced, kept here to show it writes what each wrote.
const generatorCentsText = (cents: number) => {
  const whole = Math.floor(cents / 100);
  const frac = cents - whole * 100;
  return `${whole}${frac < 10 ? '.0' : '.'}${frac}`;
};
const ordersCentsText = (cents: number) => `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

describe('centsText', () => {
  it('writes two decimals, with a leading zero under ten cents and under one unit', () => {
    expect([0, 1, 9, 10, 99, 100, 105, 120050, 99999999999999].map(centsText)).toEqual([
      '0.00',
      '0.01',
      '0.09',
      '0.10',
      '0.99',
      '1.00',
      '1.05',
      '1200.50',
      '999999999999.99',
    ]);
  });

  it('writes what the generator and the orders cleaner wrote, for the amounts they see (0 or more)', () => {
    const amounts = [...Array.from({ length: 2_000 }, (_, i) => i), 123456789, 100000000000001, 99999999999999];
    for (const c of amounts) {
      expect(centsText(c)).toBe(generatorCentsText(c));
      expect(centsText(c)).toBe(ordersCentsText(c));
    }
  });

  it('puts the sign in front of a negative amount (which neither old version handled)', () => {
    expect([-1, -5, -10, -99, -100, -105, -120050].map(centsText)).toEqual([
      '-0.01',
      '-0.05',
      '-0.10',
      '-0.99',
      '-1.00',
      '-1.05',
      '-1200.50',
    ]);
    // what the old ones wrote instead: why neither was kept for negatives
    expect(generatorCentsText(-5)).toBe('-1.95');
    expect(ordersCentsText(-5)).toBe('0.-5');
  });
});
