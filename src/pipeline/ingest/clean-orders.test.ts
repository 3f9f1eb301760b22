import { describe, expect, it } from 'vitest';
import { dayNumber, type OrderRow, ordersCleaner } from './clean-orders.ts';
import { recogniseHeader } from './file-kinds.ts';
import type { Reject } from './row-cleaner.ts';

const header = 'source,campaign,influencer_id,user_id,product,date,orders,revenue,group';
const now = new Date('2026-11-23T08:00:00Z');

function cleanerFor(h = header) {
  const r = recogniseHeader(h.split(','));
  if (!r.ok) throw new Error(r.reason);
  return ordersCleaner(r.file, { now, knownInfluencers: new Set(['1', '2', 'inf 3']) });
}

describe('ordersCleaner', () => {
  const c = cleanerFor();
  const clean = (line: string) => c.clean(line.split(','));

  it('defect 12: a value over the length limit is reported under its own column, with its own value', () => {
    const long = (c: string) => c.repeat(201);
    expect(clean(`IG,C1,1,u1,${long('p')},2025-06-01,1,10,1`)).toEqual({
      column: 'product',
      value: `${'p'.repeat(80)}…`,
      reason: 'is longer than 200 characters',
    });
    expect(clean(`IG,${long('c')},1,u1,Whey,2025-06-01,1,10,1`)).toEqual({
      column: 'campaign',
      value: `${'c'.repeat(80)}…`,
      reason: 'is longer than 200 characters',
    });
    expect(clean(`IG,C1,1,${long('u')},Whey,2025-06-01,1,10,1`)).toEqual({
      column: 'user_id',
      value: `${'u'.repeat(80)}…`,
      reason: 'is longer than 200 characters',
    });
  });

  it('reads messy cells', () => {
    expect(clean('IG,C1,1,u1,Whey,6/2/2025,22.0,$1200.5,control')).toEqual({
      influencer: '1',
      source: 'Instagram',
      campaign: 'C1',
      user: 'u1',
      product: 'Whey',
      day: '2025-06-02',
      orders: 22,
      cents: 120050,
      grp: 0,
    });
  });

  it('says where and what is allowed', () => {
    const reason = (line: string) => (clean(line) as Reject).reason;
    expect(reason('IG,C1,,u1,Whey,2025-06-01,1,10,1')).toBe('is empty');
    expect(clean('IG,C1,99,u1,Whey,2025-06-01,1,10,1')).toEqual({
      column: 'influencer_id',
      value: '99',
      reason: 'is not a known influencer; load the influencers file first',
    });
    expect(reason('IG,C1,1,u1,Whey,2025-02-30,1,10,1')).toMatch(/is not a date/);
    expect(reason('IG,C1,1,u1,Whey,2026-11-25,1,10,1')).toMatch(/out of range/);
    expect(reason('IG,C1,1,u1,Whey,2025-06-01,1.5,10,1')).toBe('is not a whole number');
    expect(reason('IG,C1,1,u1,Whey,2025-06-01,-1,10,1')).toBe('must be between 0 and 1,000,000');
    expect(reason('IG,C1,1,u1,Whey,2025-06-01,1,abc,1')).toBe('is not a number');
    expect(reason('IG,C1,1,u1,Whey,2025-06-01,1,-3,1')).toMatch(/must be 0 or more/);
    expect(reason('IG,C1,1,u1,Whey,2025-06-01,1,10,maybe')).toMatch(/is not a group/);
  });

  // The fast path must be an exact shortcut: the record is a row clean() accepts, on the same
  // day, whose text (and so whose fingerprint and COPY row) is the record itself.
  it('takes canonical records on the fast path, as clean() would take them', () => {
    const canonical = [
      'Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.36,0',
      'YouTube,C 2,inf 3,abc-def,Peanut Butter,2026-11-24,0,0.00,1',
      'Twitter,C1,2,u9,Whey Protein Isolate XL,2000-01-01,1000000,999999999999.99,1',
    ];
    for (const line of canonical) {
      const day = c.canonical(line);
      const row = clean(line) as OrderRow;
      expect(day, line).toBe(dayNumber(row.day));
      expect(c.text(row)).toBe(line);
      expect(c.copyText(row)).toBe(line);
    }
  });

  it('sends every other record to clean(), whose text matches the canonical spelling', () => {
    const messy: [string, string][] = [
      ['IG,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.36,0', 'Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.36,0'],
      ['Instagram, Winter Bulk ,1,u1,Creatine,2026-11-13,3,834.36,0', 'Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.36,0'],
      ['Instagram,Winter Bulk,1,u1,Creatine,11/13/2026,3,834.36,0', 'Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.36,0'],
      [
        'Instagram,Winter Bulk,1,u1,Creatine,2026-11-13 10:00:00,3.0,834.360,exposed',
        'Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.36,1',
      ],
      ['Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834,0', 'Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.00,0'],
      ['Instagram,,1,,Creatine,2026-11-13,03,834.36,', 'Instagram,,1,,Creatine,2026-11-13,3,834.36,'],
      ['Instagram,Winter Bulk,99,u1,Creatine,2026-11-13,3,834.36,0', ''],
      ['Instagram,Winter Bulk,1,u1,Creatine,2026-02-30,3,834.36,0', ''],
      ['Instagram,Winter Bulk,1,u1,Creatine,2026-11-25,3,834.36,0', ''],
      ['Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,1000001,834.36,0', ''],
      ['Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.36,2', ''],
      ['Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.36', ''],
      ['Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,0834.36,0', 'Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,834.36,0'],
      ['Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,.36,0', 'Instagram,Winter Bulk,1,u1,Creatine,2026-11-13,3,0.36,0'],
    ];
    for (const [line, text] of messy) {
      expect(c.canonical(line), line).toBeUndefined();
      if (line.split(',').length !== 9) continue; // a ragged record: the loader's reject, not clean()'s
      const row = clean(line);
      if (text) expect(c.text(row as OrderRow)).toBe(text);
      else expect(row).toHaveProperty('reason');
    }
  });

  it('writes COPY text in the file order, with \\N for missing values and escapes', () => {
    const row = clean('Instagram,,1,a\\b,Whey,2026-11-13,3,834.36,') as OrderRow;
    expect(c.copyColumns).toEqual(['source', 'campaign', 'influencer_id', 'user_id', 'product', 'order_date', 'orders', 'revenue', 'grp']);
    expect(c.copyText(row)).toBe('Instagram,\\N,1,a\\\\b,Whey,2026-11-13,3,834.36,\\N');
    const quoted = c.clean(['Instagram', 'Sale, 50% off', '1', 'u1', 'Whey', '2026-11-13', '3', '834.36', '1']) as OrderRow;
    expect(c.copyText(quoted)).toBe('Instagram,Sale\\, 50% off,1,u1,Whey,2026-11-13,3,834.36,1');
  });

  it('loads only the columns the file has', () => {
    const short = cleanerFor('influencer_id,date,orders,revenue');
    expect(short.copyColumns).toEqual(['influencer_id', 'order_date', 'orders', 'revenue']);
    expect(short.canonical('2,2026-11-13,1,5.00')).toBe(20261113);
    expect(short.clean(['2', '2026-11-13', '1', '5.00'])).toMatchObject({ source: null, grp: null, cents: 500 });
  });
});
