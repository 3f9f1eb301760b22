/** Number formats for people: one place, so the email, text part and CSV agree (CSV quoting: pipeline/shared/csv.ts). */
export const fmtMoney = (v: number | null | undefined) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));
export const fmtRatio = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(digits)}×`;
export const fmtPct = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`;
export const fmtChange = (v: number | null | undefined, format: (x: number) => string) =>
  v === null || v === undefined || !Number.isFinite(v) ? '' : `${v > 0 ? '▲' : v < 0 ? '▼' : '■'}${format(Math.abs(v))}`;

export const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
