/**
 * Whole cents as decimal text with two places ('1200.50', '0.07', '-3.05'): how amounts kept as
 * integer cents are written to CSV files and to PostgreSQL COPY rows (numeric(14, 2)).
 */
export function centsText(cents: number): string {
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = abs - whole * 100;
  return `${cents < 0 ? '-' : ''}${whole}.${frac < 10 ? '0' : ''}${frac}`;
}
