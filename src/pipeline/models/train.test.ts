import { describe, expect, it } from 'vitest';
import { seededRandom } from '../shared/random.ts';
import type { ModelInput, TaskTrained } from './train.ts';
import { trainAndScore } from './train.ts';

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const PLATFORMS = { instagram: 0.3, youtube: 0.5, tiktok: 0, twitter: -0.6 } as const;
const CATEGORIES = { fitness: 0.4, beauty: 0.2, nutrition: 0, parenting: -0.5, tech: 0.3 } as const;

/**
 * Influencers whose ROAS follows from pre-spend features plus noise: platform and category shift
 * it, engagement raises it, paying per post (rather than per order) and a high rate lower it.
 */
function influencers(n: number, seed: number, { unlabelled = 0.1, missing = 0.05 } = {}): ModelInput[] {
  const rand = seededRandom(seed);
  const pick = <T extends string>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const platform = pick(Object.keys(PLATFORMS) as (keyof typeof PLATFORMS)[]);
    const category = pick(Object.keys(CATEGORIES) as (keyof typeof CATEGORIES)[]);
    const followers = Math.round(Math.exp(9 + 1.5 * normal(rand)));
    const engagement = Math.exp(-3.5 + 0.5 * normal(rand));
    const basis = rand() < 0.5 ? 'post' : 'order';
    const rate = basis === 'post' ? Math.exp(6 + 0.5 * normal(rand)) : 5 + 20 * rand();
    const latent =
      PLATFORMS[platform] +
      CATEGORIES[category] +
      1.2 * (Math.log(engagement) + 3.5) +
      0.15 * (Math.log(followers) - 9) +
      (basis === 'order' ? 0.4 : -0.2) -
      0.04 * (basis === 'order' ? rate - 15 : 0) -
      (basis === 'post' ? 0.5 * (Math.log(rate) - 6) : 0);
    const roas = Math.exp(latent + 0.7 * normal(rand));
    return {
      id: `inf-${i}`,
      categorical: { platform: rand() < missing ? null : platform, category, basis },
      numeric: { followers, engagement_rate: rand() < missing ? null : engagement, rate },
      roas: rand() < unlabelled ? null : roas,
    };
  });
}

function trained(t: TaskTrained | { skipped: string }): TaskTrained {
  if ('skipped' in t) throw new Error(`unexpectedly skipped: ${t.skipped}`);
  return t;
}

function allFinite(value: unknown): boolean {
  // JSON turns NaN and ±Infinity into null, so a round trip that changes nothing proves there are none.
  const seen: number[] = [];
  JSON.stringify(value, (_k, v) => {
    if (typeof v === 'number') seen.push(v);
    return v;
  });
  return seen.every(Number.isFinite);
}

describe('trainAndScore', () => {
  const rows = influencers(1500, 11);
  const result = trainAndScore(rows, { seed: 7 });

  it('learns profitability from pre-spend features (chosen classifier CV AUC >= 0.75)', () => {
    const c = trained(result.classification);
    const chosen = c.candidates.find((x) => x.chosen)!;
    expect(chosen.algorithm).toBe(c.chosen.algorithm);
    expect(c.candidates.map((x) => x.algorithm)).toEqual(['logistic_regression', 'random_forest_classifier']);
    expect(chosen.metrics.auc!).toBeGreaterThanOrEqual(0.75);
    expect(chosen.foldMetrics).toHaveLength(5);
    for (const x of c.candidates) {
      expect(x.metrics.accuracy!).toBeGreaterThan(0.5);
      expect(x.metrics.f1!).toBeGreaterThan(0);
    }
  });

  it('predicts ROAS better than the mean (CV R² > 0) and picks the lower RMSE', () => {
    const r = trained(result.regression);
    const [a, b] = r.candidates;
    expect(r.candidates.map((x) => x.algorithm)).toEqual(['linear_regression', 'random_forest_regressor']);
    const best = a.metrics.rmse! <= b.metrics.rmse! ? a : b;
    expect(best.chosen).toBe(true);
    expect(best.metrics.r2!).toBeGreaterThan(0);
    expect(best.metrics.mae!).toBeLessThan(best.metrics.rmse!);
  });

  it('scores every entity, including those without a ROAS', () => {
    expect(result.scores).toHaveLength(rows.length);
    expect(result.labelledRows).toBeLessThan(rows.length);
    const unlabelled = rows.map((r, i) => [r, result.scores[i]] as const).filter(([r]) => r.roas === null);
    expect(unlabelled.length).toBeGreaterThan(50);
    for (const [r, s] of unlabelled) {
      expect(s.id).toBe(r.id);
      expect(s.p_profitable!).toBeGreaterThanOrEqual(0);
      expect(s.p_profitable!).toBeLessThanOrEqual(1);
      expect(s.predicted_roas!).toBeGreaterThanOrEqual(0);
    }
    // Scores must carry signal on the labelled rows too: profitable rows score higher on average.
    const labelled = rows.map((r, i) => [r.roas, result.scores[i].p_profitable!] as const).filter(([v]) => v !== null);
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean(labelled.filter(([v]) => v! > 1).map(([, p]) => p))).toBeGreaterThan(
      mean(labelled.filter(([v]) => v! <= 1).map(([, p]) => p)) + 0.2,
    );
  });

  it('keeps the chosen models and their encoding as plain JSON with no NaN or Infinity', () => {
    expect(allFinite(result)).toBe(true);
    const c = trained(result.classification);
    expect(c.chosen.features.columns).toContain('platform=other/null');
    expect(c.chosen.features.numeric.find((n) => n.name === 'followers')?.log1p).toBe(true);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('finds nothing when the labels are shuffled (AUC near 0.5)', () => {
    const rand = seededRandom(99);
    const roas = rows.map((r) => r.roas);
    for (let i = roas.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [roas[i], roas[j]] = [roas[j], roas[i]];
    }
    const shuffled = trainAndScore(
      rows.map((r, i) => ({ ...r, roas: roas[i] })),
      { seed: 7 },
    );
    for (const x of trained(shuffled.classification).candidates) {
      expect(x.metrics.auc!).toBeGreaterThan(0.35);
      expect(x.metrics.auc!).toBeLessThan(0.65);
    }
  });

  it('is deterministic for the same input and seed', () => {
    const again = trainAndScore(rows, { seed: 7 });
    expect(again).toEqual(result);
    const other = trainAndScore(rows, { seed: 8 });
    expect(other.scores).not.toEqual(result.scores);
  });
});

describe('trainAndScore guards', () => {
  it('skips with a reason, never throws, on 5 rows', () => {
    const r = trainAndScore(influencers(5, 1, { unlabelled: 0 }), { seed: 1 });
    expect('skipped' in r.classification && r.classification.skipped).toMatch(/only 5 rows have a ROAS/);
    expect('skipped' in r.regression && r.regression.skipped).toMatch(/only 5 rows have a ROAS/);
    expect(r.scores.every((s) => s.p_profitable === null && s.predicted_roas === null)).toBe(true);
    expect(allFinite(r)).toBe(true);
  });

  it('skips classification, not regression, when every row is profitable', () => {
    const rows = influencers(200, 2, { unlabelled: 0 }).map((r) => ({ ...r, roas: 1.5 + (r.roas ?? 0) }));
    const r = trainAndScore(rows, { seed: 1 });
    expect('skipped' in r.classification && r.classification.skipped).toMatch(/all 200 rows .* profitable/);
    expect('skipped' in r.regression).toBe(false);
    expect(r.scores.every((s) => s.p_profitable === null && s.predicted_roas !== null)).toBe(true);
    expect(allFinite(r)).toBe(true);
  });

  it('skips classification when a class cannot fill every fold', () => {
    const rows = influencers(100, 3, { unlabelled: 0 }).map((r, i) => ({ ...r, roas: i < 3 ? 0.5 : 2 + i / 100 }));
    const r = trainAndScore(rows, { seed: 1 });
    expect('skipped' in r.classification && r.classification.skipped).toMatch(/only 3 unprofitable rows; 5-fold/);
  });

  it('skips both when no feature carries information, and copes with empty input', () => {
    const rows: ModelInput[] = Array.from({ length: 40 }, (_, i) => ({
      id: `x${i}`,
      categorical: { platform: null },
      numeric: { followers: null, rate: 3 },
      roas: i % 2 ? 0.5 : 2,
    }));
    const r = trainAndScore(rows, { seed: 1 });
    expect('skipped' in r.classification && r.classification.skipped).toMatch(/no usable pre-spend feature/);
    expect('skipped' in r.regression && r.regression.skipped).toMatch(/no usable pre-spend feature/);
    const empty = trainAndScore([], { seed: 1 });
    expect(empty.scores).toEqual([]);
    expect('skipped' in empty.classification).toBe(true);
    expect(allFinite([r, empty])).toBe(true);
  });

  it('treats NaN and Infinity inputs as missing rather than passing them on', () => {
    const rows = influencers(300, 4).map((r, i) =>
      i % 7 === 0 ? { ...r, numeric: { ...r.numeric, followers: NaN, rate: Infinity }, roas: i % 14 === 0 ? NaN : r.roas } : r,
    );
    const r = trainAndScore(rows, { seed: 1 });
    expect('skipped' in r.classification).toBe(false);
    expect(allFinite(r)).toBe(true);
  });
});
