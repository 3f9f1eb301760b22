import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyedRng } from '../pipeline/shared/random.ts';
import { tierOf } from '../pipeline/shared/tiers.ts';
import { allocateRows, type GenerateResult, generateDataset, HEADERS, type Truth } from './generate.ts';

const root = mkdtempSync(join(tmpdir(), 'pulse-generate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const csv = (path: string): string[][] => Papa.parse<string[]>(readFileSync(path, 'utf8').trimEnd(), { delimiter: ',' }).data;
const readTruth = (r: GenerateResult): Truth => JSON.parse(readFileSync(r.files.truth, 'utf8'));
const fileKinds = ['influencers', 'posts', 'orders', 'payouts', 'ad_campaigns', 'truth'] as const;

interface OrderRow {
  influencer: string;
  user: string;
  date: string;
  units: number;
  cents: number;
  group: string;
}

// orders.csv never needs quoting (no field holds a comma), so a split is an honest reader here
function orderRows(path: string): OrderRow[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  const cells = lines.slice(1).map((line) => line.split(','));
  expect(cells.filter((c) => c.length !== 9)).toEqual([]);
  return cells.map((c) => ({
    influencer: c[2],
    user: c[3],
    date: c[5],
    units: Number(c[6]),
    cents: Math.round(Number(c[7]) * 100),
    group: c[8],
  }));
}

describe('generateDataset at 50,000 orders', () => {
  let a: GenerateResult;
  let b: GenerateResult;
  let other: GenerateResult;
  let ordersA: OrderRow[];
  const progress: [number, number][] = [];

  beforeAll(async () => {
    a = await generateDataset({
      outDir: join(root, 'a'),
      orders: 50_000,
      seed: 11,
      onProgress: (done, total) => progress.push([done, total]),
    });
    b = await generateDataset({ outDir: join(root, 'b'), orders: 50_000, seed: 11 });
    other = await generateDataset({ outDir: join(root, 'other'), orders: 50_000, seed: 12 });
    ordersA = orderRows(a.files.orders);
  });

  it('writes byte-identical files for the same seed and different ones for another seed', () => {
    for (const kind of fileKinds) expect(sha256(a.files[kind]), kind).toBe(sha256(b.files[kind]));
    for (const kind of fileKinds) expect(sha256(a.files[kind]), kind).not.toBe(sha256(other.files[kind]));
  });

  it('writes the seed headers, LF line endings and exactly N order rows', () => {
    for (const kind of ['influencers', 'posts', 'orders', 'payouts', 'ad_campaigns'] as const) {
      const text = readFileSync(a.files[kind], 'utf8');
      expect(text.slice(0, text.indexOf('\n')), kind).toBe(HEADERS[kind]);
      expect(text.includes('\r'), kind).toBe(false);
      expect(text.endsWith('\n'), kind).toBe(true);
    }
    expect(HEADERS.orders).toBe('source,campaign,influencer_id,user_id,product,date,orders,revenue,group');
    expect(ordersA).toHaveLength(50_000);
    expect(a.counts.orders).toBe(50_000);
    expect(a.counts.influencers).toBe(100); // 50,000 / 500
  });

  it('writes well-formed CSV: quoted only where needed, consistent widths, ISO dates, sane values', () => {
    const posts = csv(a.files.posts).slice(1);
    expect(posts.length).toBe(a.counts.posts);
    expect(posts.every((r) => r.length === 8)).toBe(true);
    expect(
      posts.every(
        ([, , date, , , reach, likes, comments]) => /^\d{4}-\d{2}-\d{2}$/.test(date) && Number(likes) + Number(comments) <= Number(reach),
      ),
    ).toBe(true);
    const raw = readFileSync(a.files.posts, 'utf8');
    expect(raw).toMatch(/,"[^"\n]*,[^"\n]*",/); // captions with commas are quoted
    const influencers = csv(a.files.influencers).slice(1);
    expect(new Set(influencers.map((r) => r[1])).size).toBe(influencers.length);
    for (const [, name, category, gender, followers, platform, tier] of influencers) {
      expect(name).toMatch(/^@[a-z0-9_]+$/);
      expect(['Fitness', 'Nutrition', 'Wellness', 'Parenting', 'Beauty', 'Health', 'Lifestyle']).toContain(category);
      expect(['Male', 'Female', 'Other']).toContain(gender);
      expect(['Instagram', 'YouTube', 'Twitter']).toContain(platform);
      expect(tier).toBe(tierOf(Number(followers)));
    }
    const ads = csv(a.files.ad_campaigns);
    expect(ads[0].join(',')).toBe(HEADERS.ad_campaigns);
    expect(ads.length - 1).toBe(11 * 28);
    expect(new Set(ads.slice(1).map((r) => r[2])).size).toBe(11);
  });

  it('keeps every order date inside the 16 weeks ending on endDate', () => {
    const dates = new Set(ordersA.map((r) => r.date));
    const sorted = [...dates].sort();
    expect(sorted[sorted.length - 1] <= '2026-11-15').toBe(true);
    expect(sorted[0] >= '2026-07-27').toBe(true);
    expect(sorted.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))).toBe(true);
  });

  it('has loss-makers and a skewed revenue distribution', () => {
    const revenue = new Map<string, number>();
    for (const r of ordersA) revenue.set(r.influencer, (revenue.get(r.influencer) ?? 0) + r.cents / 100);
    const payouts = new Map(
      csv(a.files.payouts)
        .slice(1)
        .map((r) => [r[0], Number(r[4])]),
    );
    const roas = [...payouts].map(([id, payout]) => (revenue.get(id) ?? 0) / payout);
    const losers = roas.filter((x) => x < 1).length / roas.length;
    expect(losers).toBeGreaterThanOrEqual(0.08);
    expect(losers).toBeLessThanOrEqual(0.3);
    const sorted = [...revenue.values()].sort((x, y) => y - x);
    const total = sorted.reduce((s, x) => s + x, 0);
    const top = sorted.slice(0, Math.ceil(payouts.size / 10)).reduce((s, x) => s + x, 0);
    expect(top / total).toBeGreaterThanOrEqual(0.4);
  });

  it('has influencers with no true effect and with a harmful one', () => {
    const truth = readTruth(a);
    expect(truth.influencers.some((t) => t.mu_exposed === t.mu_control && t.true_incremental_revenue === 0)).toBe(true);
    expect(truth.influencers.some((t) => t.mu_exposed < t.mu_control && t.true_incremental_revenue < 0)).toBe(true);
    expect(truth.influencers.filter((t) => t.mu_exposed > t.mu_control).length).toBeGreaterThan(truth.influencers.length / 2);
  });

  it('reports progress at most every 100,000 rows and once at the end', () => {
    expect(progress.at(-1)).toEqual([50_000, 50_000]);
    expect(progress.length).toBe(1);
  });
});

describe('truth.json agrees with the files', () => {
  let r: GenerateResult;
  let truth: Truth;
  let orders: OrderRow[];

  beforeAll(async () => {
    r = await generateDataset({ outDir: join(root, 'small'), orders: 8_000, seed: 5, influencers: 25, endDate: '2026-03-01' });
    truth = readTruth(r);
    orders = orderRows(r.files.orders);
  });

  it('matches distinct users per group, revenue and payouts per influencer', () => {
    const payouts = new Map(
      csv(r.files.payouts)
        .slice(1)
        .map((row) => [row[0], row]),
    );
    const posts = new Map<string, number>();
    for (const row of csv(r.files.posts).slice(1)) posts.set(row[0], (posts.get(row[0]) ?? 0) + 1);
    expect(truth).toMatchObject({ seed: 5, orders: 8_000, endDate: '2026-03-01' });
    expect(truth.influencers).toHaveLength(25);
    for (const t of truth.influencers) {
      const mine = orders.filter((o) => o.influencer === t.id);
      expect(new Set(mine.filter((o) => o.group === '1').map((o) => o.user)).size, t.id).toBe(t.exposed_users);
      expect(new Set(mine.filter((o) => o.group === '0').map((o) => o.user)).size, t.id).toBe(t.control_users);
      const cents = mine.reduce((s, o) => s + o.cents, 0);
      expect(Math.round(t.revenue * 100), t.id).toBe(cents);
      expect(t.rows).toBe(mine.length);
      const [, basis, rate, units, total] = payouts.get(t.id)!;
      expect(Number(total)).toBe(t.payout);
      expect(basis).toBe(t.basis);
      if (basis === 'order') {
        expect(Number(units)).toBe(mine.reduce((s, o) => s + o.units, 0));
        expect(Number(total)).toBe(Number(rate) * Number(units));
      } else {
        expect(units).toBe('');
        expect(Number(total)).toBe(Number(rate) * posts.get(t.id)!);
      }
      expect(t.true_incremental_revenue).toBeCloseTo((t.mu_exposed - t.mu_control) * t.exposed_users, 2);
      expect(t.true_iroas).toBeCloseTo(t.true_incremental_revenue / t.payout, 5);
      expect(t.profitable).toBe(t.revenue / t.payout > 1);
    }
  });

  it('never repeats an order row (the ingest would load it once) and honours endDate', () => {
    const lines = readFileSync(r.files.orders, 'utf8').split('\n').slice(1, -1);
    expect(new Set(lines).size).toBe(lines.length);
    expect(orders.every((o) => o.date <= '2026-03-01' && o.date >= '2025-11-10')).toBe(true);
    expect(orders.some((o) => o.date === '2026-03-01')).toBe(true);
  });

  it("keeps the control group between 10 and 30 % of an influencer's users", () => {
    const shares = truth.influencers.map((t) => t.control_share);
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...shares)).toBeLessThanOrEqual(0.3);
    const users = truth.influencers.reduce((s, t) => s + t.exposed_users + t.control_users, 0);
    const control = truth.influencers.reduce((s, t) => s + t.control_users, 0);
    expect(control / users).toBeGreaterThan(0.1);
    expect(control / users).toBeLessThan(0.3);
  });
});

describe('progress', () => {
  it('is reported about every 100,000 rows, in order, ending at the total', async () => {
    const seen: number[] = [];
    await generateDataset({
      outDir: join(root, 'progress'),
      orders: 250_000,
      seed: 3,
      onProgress: (done, total) => {
        expect(total).toBe(250_000);
        seen.push(done);
      },
    });
    expect(seen.at(-1)).toBe(250_000);
    expect(seen.length).toBe(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i] - seen[i - 1]).toBeGreaterThanOrEqual(50_000);
  });
});

describe('building blocks', () => {
  it('allocates exactly the requested rows', () => {
    const weights = [5, 1, 1, 0.1, 30, 2];
    for (const total of [0, 1, 7, 1000, 123_457]) expect(allocateRows(total, weights).reduce((s, x) => s + x, 0)).toBe(total);
    expect(allocateRows(1000, weights)[4]).toBeGreaterThan(allocateRows(1000, weights)[1]);
  });

  it('keyed streams are reproducible and independent', () => {
    const draw = (...k: number[]) => {
      const r = keyedRng(...k);
      return [r(), r(), r()];
    };
    expect(draw(1, 2, 3)).toEqual(draw(1, 2, 3));
    expect(draw(1, 2, 3)).not.toEqual(draw(1, 2, 4));
    expect(draw(2 ** 40, 1)).not.toEqual(draw(0, 1));
  });

  it('rejects options it cannot honour', async () => {
    await expect(generateDataset({ outDir: join(root, 'bad'), orders: -1, seed: 1 })).rejects.toThrow(/orders/);
    await expect(generateDataset({ outDir: join(root, 'bad'), orders: 10, seed: 1, endDate: '15/11/2026' })).rejects.toThrow(/endDate/);
  });
});
