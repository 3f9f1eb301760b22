import { describe, expect, it } from 'vitest';
import { seededRandom } from '../shared/random.ts';
import type { ModelInput, TaskTrained } from './train.ts';
import { groupedFolds, predictChosen, trainAndScore } from './train.ts';

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
    expect(c.candidates.map((x) => x.algorithm)).toEqual([
      'logistic_regression',
      'random_forest_classifier',
      'gradient_boosting_classifier',
    ]);
    expect(c.cv).toBe('stratified 5-fold');
    expect(chosen.metrics.auc!).toBeGreaterThanOrEqual(0.75);
    expect(chosen.foldMetrics).toHaveLength(5);
    for (const x of c.candidates) {
      expect(x.metrics.accuracy!).toBeGreaterThan(0.5);
      expect(x.metrics.f1!).toBeGreaterThan(0);
      // every metric beside what always answering the training fold's majority class scores
      expect(Object.keys(x.baseline)).toEqual(['auc', 'accuracy', 'f1']);
      expect(x.baseline).toEqual(c.candidates[0].baseline);
    }
    const rate = rows.filter((r) => r.roas !== null && r.roas > 1).length / result.labelledRows;
    expect(chosen.baseline.auc).toBe(0.5);
    expect(chosen.baseline.accuracy!).toBeCloseTo(Math.max(rate, 1 - rate), 1);
    expect(chosen.metrics.accuracy!).toBeGreaterThan(chosen.baseline.accuracy!);
  });

  it('predicts ROAS better than the mean (CV R² > 0) and picks the lower RMSE', () => {
    const r = trained(result.regression);
    expect(r.candidates.map((x) => x.algorithm)).toEqual(['linear_regression', 'random_forest_regressor', 'gradient_boosting_regressor']);
    const best = r.candidates.reduce((a, b) => (b.metrics.rmse! < a.metrics.rmse! ? b : a));
    expect(best.chosen).toBe(true);
    expect(best.metrics.r2!).toBeGreaterThan(0);
    expect(best.metrics.mae!).toBeLessThan(best.metrics.rmse!);
    // the training fold's mean: R² at most 0, and a worse RMSE than the chosen model's
    expect(Object.keys(best.baseline)).toEqual(['mae', 'rmse', 'r2']);
    expect(best.baseline.r2!).toBeLessThanOrEqual(0);
    expect(best.baseline.rmse!).toBeGreaterThan(best.metrics.rmse!);
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

/**
 * Ad-campaign-like rows with a known leak: each campaign's days share a campaign code (a stand-in
 * for anything that identifies the campaign) and one outcome, drawn at random per campaign. The
 * code predicts the label perfectly within a campaign and says nothing about a new campaign.
 */
function leakyCampaigns(campaigns: number, days: number, seed: number): ModelInput[] {
  const rand = seededRandom(seed);
  const rows: ModelInput[] = [];
  for (let c = 0; c < campaigns; c++) {
    const code = rand();
    const profitable = rand() < 0.5;
    const channel = ['facebook', 'google', 'youtube', 'instagram'][Math.floor(rand() * 4)];
    for (let d = 0; d < days; d++)
      rows.push({
        id: `c${c}-d${d}`,
        group: `campaign-${c}`,
        categorical: { channel },
        numeric: { campaign_code: code, ctr: 0.01 * (1 + rand()) },
        roas: profitable ? 1.3 + 0.4 * rand() : 0.5 + 0.4 * rand(),
      });
  }
  return rows;
}

describe('cross-validation grouped by campaign', () => {
  const rows = leakyCampaigns(100, 15, 21);
  const chosenOf = (t: TaskTrained | { skipped: string }) => trained(t).candidates.find((c) => c.chosen)!;

  it('reports chance (AUC ≈ 0.5) where random-row folds report skill from recognising the campaign', () => {
    const byRow = trainAndScore(
      rows.map(({ group, ...r }) => r),
      { seed: 7 },
    );
    const byCampaign = trainAndScore(rows, { seed: 7, groupedBy: 'campaign' });
    const leaky = chosenOf(byRow.classification);
    const honest = chosenOf(byCampaign.classification);
    console.info(
      `leaky campaign code: random-row CV AUC ${leaky.metrics.auc!.toFixed(3)} (${leaky.algorithm}), ` +
        `grouped CV AUC ${honest.metrics.auc!.toFixed(3)} (${honest.algorithm}); R² ${chosenOf(byRow.regression).metrics.r2!.toFixed(3)} against ${chosenOf(byCampaign.regression).metrics.r2!.toFixed(3)}`,
    );
    expect(leaky.metrics.auc!).toBeGreaterThan(0.8);
    expect(honest.metrics.auc!).toBeGreaterThan(0.35);
    expect(honest.metrics.auc!).toBeLessThan(0.65);
    expect(trained(byCampaign.classification).cv).toBe('stratified 5-fold grouped by campaign');
    expect(trained(byCampaign.regression).cv).toBe('stratified 5-fold grouped by campaign');
    expect(trained(byRow.classification).cv).toBe('stratified 5-fold');
    // the regression leaks the same way
    expect(chosenOf(byRow.regression).metrics.r2!).toBeGreaterThan(0.5);
    expect(chosenOf(byCampaign.regression).metrics.r2!).toBeLessThan(0.1);
  });

  it('keeps every campaign in one fold, with both outcomes spread over the folds', () => {
    const labels = rows.map((r): number => (r.roas! > 1 ? 1 : 0));
    const foldOf = groupedFolds(
      labels,
      rows.map((r) => r.group!),
      5,
      seededRandom(3),
    );
    const foldsOfCampaign = new Map<string, Set<number>>();
    rows.forEach((r, i) => foldsOfCampaign.set(r.group!, (foldsOfCampaign.get(r.group!) ?? new Set()).add(foldOf[i])));
    expect([...foldsOfCampaign.values()].every((f) => f.size === 1)).toBe(true);
    const positives = labels.reduce((s, v) => s + v, 0);
    for (let f = 0; f < 5; f++) {
      const inFold = labels.filter((_, i) => foldOf[i] === f);
      // 100 campaigns of 15 rows: 20 a fold, and each class's share within one campaign of a fifth
      expect(inFold.length).toBeGreaterThanOrEqual(15 * 18);
      expect(Math.abs(inFold.reduce((s, v) => s + v, 0) - positives / 5)).toBeLessThanOrEqual(15);
    }
  });

  it('skips, with the reason, when there are fewer campaigns than folds', () => {
    const few = leakyCampaigns(4, 30, 22);
    const r = trainAndScore(few, { seed: 1, groupedBy: 'campaign' });
    expect('skipped' in r.classification && r.classification.skipped).toMatch(
      /^only \d campaigns (have a ROAS|have a profitable row|have an unprofitable row); 5-fold cross-validation grouped by campaign needs at least 5/,
    );
    expect('skipped' in r.regression && r.regression.skipped).toMatch(
      /^only 4 campaigns have a ROAS; 5-fold cross-validation grouped by campaign needs at least 5/,
    );
    expect(r.scores.every((s) => s.p_profitable === null && s.predicted_roas === null && s.score_kind === null)).toBe(true);
    // the same rows without grouping train (and would report the leak)
    expect('skipped' in trainAndScore(few, { seed: 1 }).regression).toBe(false);
  });
});

describe('out-of-fold scores (issue 17)', () => {
  const rows = influencers(600, 31);
  const foldOf = (r: ModelInput) => Number(r.id.slice(4)) % 5;
  const result = trainAndScore(rows, { seed: 7, foldOf });

  it("leaves a trained influencer's own score unchanged when its own outcome flips (the model scoring it never saw it)", () => {
    const target = rows.findIndex((r) => r.roas !== null && r.roas > 1.5);
    expect(target).toBeGreaterThanOrEqual(0);
    const flipped = trainAndScore(
      rows.map((r, i) => (i === target ? { ...r, roas: 0.2 } : r)),
      { seed: 7, foldOf },
    );
    const before = result.scores[target];
    const after = flipped.scores[target];
    expect(before.score_kind).toBe('out_of_fold');
    expect(trained(flipped.classification).chosen.algorithm).toBe(trained(result.classification).chosen.algorithm);
    expect(trained(flipped.regression).chosen.algorithm).toBe(trained(result.regression).chosen.algorithm);
    expect(after).toEqual(before);
    // the other rows of its fold are scored by the same (unchanged) fold model; rows of other folds by models that saw the flip
    const sameFold = rows.flatMap((r, i) => (i !== target && foldOf(r) === foldOf(rows[target]) && r.roas !== null ? [i] : []));
    expect(sameFold.every((i) => flipped.scores[i].p_profitable === result.scores[i].p_profitable)).toBe(true);
    const otherFold = rows.flatMap((r, i) => (foldOf(r) !== foldOf(rows[target]) && r.roas !== null ? [i] : []));
    expect(otherFold.some((i) => flipped.scores[i].p_profitable !== result.scores[i].p_profitable)).toBe(true);
  });

  it("scores an influencer without a ROAS with the final model, and says so; a trained one's score is not the final model's", () => {
    const c = trained(result.classification);
    const r = trained(result.regression);
    expect(c.cv).toBe('5-fold given by the caller');
    const unlabelled = rows.flatMap((x, i) => (x.roas === null ? [i] : []));
    const labelled = rows.flatMap((x, i) => (x.roas === null ? [] : [i]));
    expect(unlabelled.length).toBeGreaterThan(20);
    const p = predictChosen(
      c.chosen,
      unlabelled.map((i) => rows[i]),
    );
    const roas = predictChosen(
      r.chosen,
      unlabelled.map((i) => rows[i]),
    );
    unlabelled.forEach((i, k) => {
      expect(result.scores[i].score_kind).toBe('prediction');
      expect(result.scores[i].p_profitable).toBeCloseTo(p[k], 12);
      expect(result.scores[i].predicted_roas).toBeCloseTo(roas[k], 12);
    });
    const inSample = predictChosen(
      c.chosen,
      labelled.map((i) => rows[i]),
    );
    expect(labelled.every((i) => result.scores[i].score_kind === 'out_of_fold')).toBe(true);
    expect(labelled.filter((i, k) => Math.abs(result.scores[i].p_profitable! - inSample[k]) > 1e-9).length).toBeGreaterThan(
      labelled.length / 2,
    );
  });
});
