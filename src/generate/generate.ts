/**
 * Deterministic synthetic data set (`pulse generate`, the demo, tests, the benchmark): the
 * five input files in the seed schemas plus truth.json, the parameters the data were drawn
 * from, so estimators can be checked against known answers.
 *
 * How the economics are built, so that the pipeline's outputs mean something:
 * - Each influencer gets a latent log-ROAS score from PRE-SPEND features only (platform,
 *   category, tier, engagement, payout basis) plus noise; the expected ROAS is exp(score).
 *   A classifier on those features can therefore learn profitability, but not perfectly.
 * - Payout is set so that expected revenue / payout equals that ROAS. Pay-per-order rates come
 *   from a market independent of the noise (revenue per unit absorbs it), pay-per-post rates
 *   from expected revenue, so the rate leaks little of what the features cannot know.
 * - Order volume is heavy-tailed (followers, score and lognormal noise), so a few influencers
 *   carry most revenue.
 * - Users are drawn i.i.d. per influencer: group ~ Bernoulli(control share), rows ~ 1 +
 *   Poisson(lambda_group), each row's revenue = units x revenue per unit of the group x product
 *   factor x mean-one lognormal noise. The expected revenue per appearing user of a group is
 *   thus known exactly, which is the holdout estimand (DESIGN.md "Metrics").
 * Everything is drawn from seeded generators keyed by (seed, stream, influencer), never from
 * the clock or Math.random, so the same options give byte-identical files.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { base, en, Faker } from '@faker-js/faker';
import { addDays, dayStart, daysSinceMonday } from '../pipeline/shared/calendar.ts';
import { centsText } from '../pipeline/shared/cents.ts';
import { csvLine } from '../pipeline/shared/csv.ts';
import { keyedRng, normalSampler, poisson, type Rng } from '../pipeline/shared/random.ts';
import { TIERS, type Tier, tierOf } from '../pipeline/shared/tiers.ts';
import type { Category, Gender, Platform } from './world.ts';
import {
  AD_CAMPAIGNS,
  AD_CHANNELS,
  AD_DAYS,
  AD_VARIANT,
  ALWAYS_ON,
  ALWAYS_ON_SHARE,
  CAMPAIGN_WAVES,
  CATEGORIES,
  CATEGORY_CUM,
  CATEGORY_EFFECT,
  CATEGORY_UNIT_REVENUE,
  cumulative,
  DAYS,
  DEFAULT_AD_CAMPAIGNS,
  ENGAGEMENT_EFFECT,
  ENGAGEMENT_SIGMA,
  GENDER_CUM,
  GENDERS,
  MEAN_UNITS,
  ORDER_BASIS_EFFECT,
  ORDER_BASIS_SHARE,
  PERSONA_EFFECT,
  PLATFORM_COMMENT_SHARE,
  PLATFORM_CUM,
  PLATFORM_EFFECT,
  PLATFORM_ER,
  PLATFORM_REACH,
  PLATFORMS,
  PRODUCTS,
  productMix,
  ROW_REVENUE_SIGMA,
  SCORE_INTERCEPT,
  SCORE_NOISE,
  TIER_CUM,
  TIER_EFFECT,
  TIER_ER,
  TIER_LOG10,
  TIER_ORDER_RATE,
  UNITS_CUM,
} from './world.ts';
import { ascii, CHUNK_BYTES, closeOutput, openOutput, putBytes, putCents, putUint, writeChunk, writeLines } from './writer.ts';

export interface GenerateOptions {
  outDir: string;
  /** Exact number of data rows in orders.csv. */
  orders: number;
  seed: number;
  /** Default: clamp(orders / 500, 40, 50,000). */
  influencers?: number;
  /** Number of ad campaigns (each gets one row per day for the last 28 days). Default 11, like Marketing.csv. */
  adCampaigns?: number;
  /** ISO date of the last day; the data span the 16 weeks ending there. Default 2026-11-15. */
  endDate?: string;
  /** Called at most every 100,000 order rows, and once at the end. */
  onProgress?: (done: number, total: number) => void;
}

export type GeneratedFile = 'influencers' | 'posts' | 'orders' | 'payouts' | 'ad_campaigns' | 'truth';

export interface GenerateResult {
  files: Record<GeneratedFile, string>;
  counts: Record<string, number>;
}

export interface TruthInfluencer {
  id: string;
  name: string;
  platform: string;
  category: string;
  tier: string;
  basis: 'post' | 'order';
  /** Expected revenue per appearing user (expected rows per user x expected revenue per row). */
  mu_control: number;
  mu_exposed: number;
  /** Realised distinct users per group in orders.csv. */
  exposed_users: number;
  control_users: number;
  control_share: number;
  /** mu_exposed / mu_control: 1 means no effect, below 1 a harmful one. */
  lift: number;
  payout: number;
  /** (mu_exposed - mu_control) x exposed_users: what the holdout estimator targets. */
  true_incremental_revenue: number;
  true_iroas: number | null;
  /** exp(latent score): the ROAS the generator aimed at before sampling noise. */
  expected_roas: number;
  /** Realised revenue / payout from the files, the pipeline's ROAS. */
  roas: number | null;
  /** roas > 1: the label a profitability classifier is trained on. */
  profitable: boolean;
  rows: number;
  revenue: number;
}

export interface Truth {
  seed: number;
  orders: number;
  endDate: string;
  influencers: TruthInfluencer[];
}

const PROGRESS_EVERY = 100_000;
// Bounds a user's rows so the duplicate check stays cheap; 1 + Poisson(< 5) practically never gets here.
const MAX_ROWS_PER_USER = 32;
// An order row is under 200 bytes (longest platform, campaign, product and amounts).
const USER_BYTES_MAX = 200 * MAX_ROWS_PER_USER;

export const HEADERS: Record<Exclude<GeneratedFile, 'truth'>, string> = {
  influencers: 'id,name,category,gender,follower_count,platform,influencer_type',
  posts: 'influencer_id,platform,date,url,caption,reach,likes,comments',
  orders: 'source,campaign,influencer_id,user_id,product,date,orders,revenue,group',
  payouts: 'influencer_id,basis,rate,orders,total_payout',
  ad_campaigns: 'id,c_date,campaign_name,category,campaign_id,impressions,mark_spent,clicks,leads,orders,revenue',
};

// ---------------------------------------------------------------------------------------------
// Seeded randomness (the streams themselves are in pipeline/shared/random.ts)

/** exp(sigma z - sigma^2 / 2): a multiplicative noise with mean exactly 1. */
const meanOneLognormal = (z: number, sigma: number) => Math.exp(sigma * z - (sigma * sigma) / 2);

/** Index of the first cumulative weight above u (binary search). */
function pickIndex(cum: Float64Array, u: number, from = 0): number {
  let lo = from;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const pick = <T>(items: readonly T[], cum: Float64Array, rand: Rng): T => items[pickIndex(cum, rand())];
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

// ---------------------------------------------------------------------------------------------
// Calendar

function dayStrings(endDate: string, days: number): string[] {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(endDate) || Number.isNaN(dayStart(endDate))) {
    throw new Error(`endDate '${endDate}' is not an ISO date (YYYY-MM-DD)`);
  }
  return Array.from({ length: days }, (_, d) => addDays(endDate, d - (days - 1)));
}

/** Order volume by day: a gentle upward trend and busier weekends, so weeks differ. */
function dayWeights(days: string[]): Float64Array {
  return cumulative(
    days.map((iso, d) => {
      const weekend = daysSinceMonday(iso) >= 5;
      return (1 + (0.4 * d) / days.length) * (weekend ? 1.2 : 1) * (1 + 0.08 * Math.sin(d / 5));
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Influencer plans: everything decided before the first order row is drawn

interface Plan {
  id: number;
  name: string;
  platform: Platform;
  category: Category;
  gender: Gender;
  followers: number;
  tier: Tier;
  engagement: number;
  posts: number;
  firstDay: number;
  basis: 'post' | 'order';
  /** INR per post or per unit ordered. */
  rate: number;
  score: number;
  weight: number;
  rows: number;
  controlShare: number;
  lift: number;
  /** [control, exposed] */
  lambda: [number, number];
  unitRevenue: [number, number];
  mu: [number, number];
}

interface Realised {
  users: [number, number];
  units: number;
  revenueCents: number;
}

function uniqueHandle(faker: Faker, taken: Set<string>, id: number): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]/g, '');
  for (let attempt = 0; attempt < 4; attempt++) {
    const first = clean(faker.person.firstName()) || 'fit';
    const handle = attempt < 2 ? `@${first}${faker.number.int({ min: 10, max: 99 })}` : `@${first}_${clean(faker.person.lastName())}`;
    if (!taken.has(handle)) return handle;
  }
  return `@creator${id}`; // no first name is 'creator', so no earlier handle can be this one
}

function planLift(rand: Rng, normal: () => number, score: number): number {
  const u = rand();
  if (u < 0.08) return 1;
  if (u < 0.14) return 0.6 + 0.35 * rand();
  // better-scored influencers also tend to move more incremental revenue
  return 1 + Math.exp(0.6 + 0.2 * (score - SCORE_INTERCEPT) + 0.6 * normal());
}

function planInfluencer(id: number, name: string, rand: Rng, normal: () => number): Plan {
  const platform = pick(PLATFORMS, PLATFORM_CUM, rand);
  const category = pick(CATEGORIES, CATEGORY_CUM, rand);
  const gender = pick(GENDERS, GENDER_CUM, rand);
  const [lo, hi] = TIER_LOG10[pick(TIERS, TIER_CUM, rand)];
  const followers = Math.floor(10 ** (lo + (hi - lo) * rand()));
  const tier = tierOf(followers);
  const engagementDeviation = ENGAGEMENT_SIGMA * normal();
  const engagement = clamp(PLATFORM_ER[platform] * TIER_ER[tier] * Math.exp(engagementDeviation), 0.001, 0.4);
  const basis = rand() < ORDER_BASIS_SHARE ? 'order' : 'post';
  const score =
    SCORE_INTERCEPT +
    PLATFORM_EFFECT[platform] +
    CATEGORY_EFFECT[category] +
    TIER_EFFECT[tier] +
    (PERSONA_EFFECT[`${category}/${gender}`] ?? 0) +
    ENGAGEMENT_EFFECT * engagementDeviation +
    (basis === 'order' ? ORDER_BASIS_EFFECT : 0) +
    SCORE_NOISE * normal();
  const posts = Math.min(12, 1 + poisson(rand, 2));
  const firstDay = Math.floor(rand() ** 1.5 * (DAYS / 2));
  // bigger audiences and better influencers sell more; the lognormal makes the volume heavy-tailed
  const weight = followers ** 0.35 * Math.exp(0.5 * score) * meanOneLognormal(normal(), 0.6);
  const controlShare = 0.15 + 0.15 * rand();
  const lift = planLift(rand, normal, score);
  const lambdaControl = 0.05 + 0.3 * rand();
  // a positive effect shows as both more rows per user and more revenue per row; a null or
  // harmful one only in revenue per row (rows per user cannot fall below one)
  const rowsLift = lift > 1 ? lift ** 0.4 : 1;
  const lambdaExposed = (1 + lambdaControl) * rowsLift - 1;
  const orderRate = Math.max(50, Math.round(TIER_ORDER_RATE[tier] * meanOneLognormal(normal(), 0.3)));
  // Per-order pay: ROAS = revenue per unit / rate, so revenue per unit carries the score.
  // Per-post pay: revenue per unit is the category's, and the rate is fitted to volume later.
  const blendedUnitRevenue =
    basis === 'order' ? orderRate * Math.exp(score) : CATEGORY_UNIT_REVENUE[category] * meanOneLognormal(normal(), 0.25);
  const rowsControl = 1 + lambdaControl;
  const rowsExposed = 1 + lambdaExposed;
  const exposedRowShare = ((1 - controlShare) * rowsExposed) / ((1 - controlShare) * rowsExposed + controlShare * rowsControl);
  const revenueLift = lift / rowsLift;
  const unitControl = blendedUnitRevenue / (exposedRowShare * revenueLift + 1 - exposedRowShare);
  const unitExposed = lift === 1 ? unitControl : unitControl * revenueLift;
  return {
    id,
    name,
    platform,
    category,
    gender,
    followers,
    tier,
    engagement,
    posts,
    firstDay,
    basis,
    rate: basis === 'order' ? orderRate : 0,
    score,
    weight,
    rows: 0,
    controlShare,
    lift,
    lambda: [lambdaControl, lift === 1 ? lambdaControl : lambdaExposed],
    unitRevenue: [unitControl, unitExposed],
    mu: [rowsControl * MEAN_UNITS * unitControl, (lift === 1 ? rowsControl : rowsExposed) * MEAN_UNITS * unitExposed],
  };
}

/** Apportions exactly `total` rows by weight (largest remainder), with a small floor each. */
export function allocateRows(total: number, weights: readonly number[], floorShare = 0.25): number[] {
  const n = weights.length;
  if (n === 0) return [];
  const floorEach = Math.floor((floorShare * total) / n);
  const rest = total - floorEach * n;
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (rest * w) / sum);
  const rows = exact.map((x) => floorEach + Math.floor(x));
  let left = total - rows.reduce((a, b) => a + b, 0);
  const order = exact.map((_x, i) => i).sort((a, b) => exact[b] - Math.floor(exact[b]) - (exact[a] - Math.floor(exact[a])) || a - b);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) rows[order[k]]++;
  return rows;
}

/** Expected revenue of a plan's rows, the amount a per-post rate is priced against. */
function expectedRevenue(p: Plan): number {
  const rowsPerUser = p.controlShare * (1 + p.lambda[0]) + (1 - p.controlShare) * (1 + p.lambda[1]);
  return (p.rows / rowsPerUser) * (p.controlShare * p.mu[0] + (1 - p.controlShare) * p.mu[1]);
}

function planAll(opts: Required<Pick<GenerateOptions, 'orders' | 'seed'>> & { influencers: number }): Plan[] {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(opts.seed);
  const rand = keyedRng(opts.seed, 1);
  const normal = normalSampler(rand);
  const taken = new Set<string>();
  const plans: Plan[] = [];
  for (let id = 1; id <= opts.influencers; id++) {
    const name = uniqueHandle(faker, taken, id);
    taken.add(name);
    plans.push(planInfluencer(id, name, rand, normal));
  }
  const rows = allocateRows(
    opts.orders,
    plans.map((p) => p.weight),
  );
  plans.forEach((p, i) => {
    p.rows = rows[i];
    if (p.basis === 'post') p.rate = Math.max(100, Math.round(expectedRevenue(p) / Math.exp(p.score) / p.posts));
  });
  return plans;
}

// ---------------------------------------------------------------------------------------------
// Influencers, posts and payouts: small files, one string per line

function* influencerLines(plans: Plan[]): Generator<string> {
  yield `${HEADERS.influencers}\n`;
  for (const p of plans) yield csvLine([p.id, p.name, p.category, p.gender, p.followers, p.platform, p.tier]);
}

function captionPool(faker: Faker): string[] {
  const templates = [
    (w: string, prod: string) => `Loving my ${prod}, ${w} results!`,
    (w: string, prod: string) => `Day ${faker.number.int({ min: 2, max: 90 })} with ${prod}: feeling ${w}`,
    (w: string, prod: string) => `"${w[0].toUpperCase()}${w.slice(1)}" is how I'd describe ${prod}`,
    (w: string, prod: string) => `My ${w} morning routine ft. ${prod} #HealthKart`,
    (_w: string, prod: string) => `Why I switched to ${prod} (honest review)`,
    (w: string, prod: string) => `${prod} + ${faker.word.noun()} = ${w} combo`,
  ];
  return Array.from({ length: 200 }, () => {
    const template = faker.helpers.arrayElement(templates);
    return template(faker.word.adjective(), faker.helpers.arrayElement(PRODUCTS)[0]);
  });
}

function postUrl(p: Plan, rand: Rng): string {
  const token = Math.floor(rand() * 2 ** 48)
    .toString(36)
    .padStart(10, '0');
  if (p.platform === 'YouTube') return `https://youtube.com/watch?v=${token}`;
  if (p.platform === 'Twitter') return `https://twitter.com/${p.name.slice(1)}/status/${Math.floor(rand() * 2 ** 52)}`;
  return `https://instagram.com/p/${token}`;
}

function* postLines(plans: Plan[], days: string[], captions: string[], seed: number): Generator<string> {
  const rand = keyedRng(seed, 4);
  const normal = normalSampler(rand);
  yield `${HEADERS.posts}\n`;
  for (const p of plans) {
    const postDays = [p.firstDay];
    for (let k = 1; k < p.posts; k++) postDays.push(p.firstDay + Math.floor(rand() * (DAYS - p.firstDay)));
    postDays.sort((a, b) => a - b);
    for (const day of postDays) {
      const reach = Math.max(50, Math.round(p.followers * PLATFORM_REACH[p.platform] * meanOneLognormal(normal(), 0.5)));
      const interactions = Math.min(reach, Math.round(reach * p.engagement * meanOneLognormal(normal(), 0.25)));
      const comments = Math.round(interactions * PLATFORM_COMMENT_SHARE[p.platform]);
      const caption = captions[Math.floor(rand() * captions.length)];
      yield csvLine([p.id, p.platform, days[day], postUrl(p, rand), caption, reach, interactions - comments, comments]);
    }
  }
}

function payoutOf(p: Plan, r: Realised): number {
  return p.basis === 'order' ? p.rate * r.units : p.rate * p.posts;
}

function* payoutLines(plans: Plan[], realised: Realised[]): Generator<string> {
  yield `${HEADERS.payouts}\n`;
  for (let i = 0; i < plans.length; i++) {
    const p = plans[i];
    yield csvLine([p.id, p.basis, p.rate, p.basis === 'order' ? realised[i].units : '', payoutOf(p, realised[i])]);
  }
}

// ---------------------------------------------------------------------------------------------
// Orders: streamed as bytes (no per-row strings), per-influencer state only

interface OrderContext {
  days: string[];
  dayCum: Float64Array;
  seed: number;
  total: number;
  onProgress?: (done: number, total: number) => void;
}

/** Cents of one row, bumped by a cent if the user already has an identical row (the ingest keys rows by content). */
function distinctCents(cents: number, k: number, key: number, keys: Float64Array, amounts: Float64Array): number {
  for (let j = 0; j < k; j++) if (keys[j] === key && amounts[j] === cents) return distinctCents(cents + 1, k, key, keys, amounts);
  return cents;
}

async function writeOrders(path: string, plans: Plan[], ctx: OrderContext): Promise<Realised[]> {
  const o = openOutput(path);
  const waveOfDay = Int32Array.from(ctx.days, (_, d) =>
    Math.min(CAMPAIGN_WAVES.length - 1, Math.floor((d * CAMPAIGN_WAVES.length) / ctx.days.length)),
  );
  const campaigns = [...CAMPAIGN_WAVES, ALWAYS_ON];
  const mixes = new Map(CATEGORIES.map((c) => [c, productMix(c)]));
  const productBytes = PRODUCTS.map(([name]) => ascii(`,${name},`));
  const dayBytes = ctx.days.map((d) => ascii(`${d},`));
  const groupBytes = [ascii(',0\n'), ascii(',1\n')];
  const rowKeys = new Float64Array(MAX_ROWS_PER_USER);
  const rowCents = new Float64Array(MAX_ROWS_PER_USER);
  const realised: Realised[] = [];
  await writeChunk(o, `${HEADERS.orders}\n`);
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let pos = 0;
  let done = 0;
  let nextProgress = PROGRESS_EVERY;
  let reported = -1;
  let userSeq = 0;

  for (const p of plans) {
    const rand = keyedRng(ctx.seed, 2, p.id);
    const normal = normalSampler(rand);
    const mix = mixes.get(p.category)!;
    const prefixes = campaigns.map((c) => ascii(`${p.platform},${c},${p.id},`));
    const startCum = p.firstDay > 0 ? ctx.dayCum[p.firstDay - 1] : 0;
    const r: Realised = { users: [0, 0], units: 0, revenueCents: 0 };
    let left = p.rows;
    while (left > 0) {
      const group = rand() < p.controlShare ? 0 : 1;
      const rows = Math.min(left, MAX_ROWS_PER_USER, 1 + poisson(rand, p.lambda[group]));
      const user = ++userSeq;
      const unitRevenue = p.unitRevenue[group];
      r.users[group]++;
      for (let k = 0; k < rows; k++) {
        const day = pickIndex(ctx.dayCum, startCum + rand() * (1 - startCum), p.firstDay);
        const campaign = rand() < ALWAYS_ON_SHARE ? CAMPAIGN_WAVES.length : waveOfDay[day];
        const product = pickIndex(mix.cum, rand());
        const units = pickIndex(UNITS_CUM, rand()) + 1;
        const expected = units * unitRevenue * mix.factor[product];
        const key = ((day * 8 + campaign) * 64 + product) * 8 + units;
        const cents = distinctCents(
          Math.max(1, Math.round(100 * expected * meanOneLognormal(normal(), ROW_REVENUE_SIGMA))),
          k,
          key,
          rowKeys,
          rowCents,
        );
        rowKeys[k] = key;
        rowCents[k] = cents;
        r.units += units;
        r.revenueCents += cents;
        pos = putBytes(buf, pos, prefixes[campaign]);
        pos = putUint(buf, pos, user);
        pos = putBytes(buf, pos, productBytes[product]);
        pos = putBytes(buf, pos, dayBytes[day]);
        pos = putUint(buf, pos, units);
        buf[pos++] = 44; // ','
        pos = putCents(buf, pos, cents);
        pos = putBytes(buf, pos, groupBytes[group]);
      }
      left -= rows;
      done += rows;
      // room for a whole user's rows is always left, so the check runs per user, not per row
      if (pos >= CHUNK_BYTES - USER_BYTES_MAX) {
        const chunk = buf.subarray(0, pos);
        buf = Buffer.allocUnsafe(CHUNK_BYTES); // the stream keeps the old one until written
        pos = 0;
        await writeChunk(o, chunk);
      }
      if (done >= nextProgress) {
        ctx.onProgress?.(done, ctx.total);
        reported = done;
        nextProgress += PROGRESS_EVERY;
      }
    }
    realised.push(r);
  }
  if (pos > 0) await writeChunk(o, buf.subarray(0, pos));
  await closeOutput(o);
  if (reported !== done) ctx.onProgress?.(done, ctx.total);
  return realised;
}

// ---------------------------------------------------------------------------------------------
// Ad campaigns, shaped like Marketing.csv (seed 002)

function* adCampaignLines(count: number, endDate: string, seed: number): Generator<string> {
  const rand = keyedRng(seed, 3);
  const normal = normalSampler(rand);
  const campaigns = Array.from({ length: count }, (_, i) => {
    const [baseName, category] = AD_CAMPAIGNS[i % AD_CAMPAIGNS.length];
    const name = i < AD_CAMPAIGNS.length ? baseName : `${baseName}_${Math.floor(i / AD_CAMPAIGNS.length) + 1}`;
    const [channel, variant] = baseName.split('_');
    const [impressions, ctr, cpc, roas] = AD_CHANNELS[channel];
    const shift = AD_VARIANT[variant] ?? 1;
    return {
      name,
      category,
      id: 100_000 + Math.floor(rand() * 99_900_000),
      impressions: impressions * meanOneLognormal(normal(), 0.5),
      ctr: ctr * Math.sqrt(shift) * meanOneLognormal(normal(), 0.25),
      cpc: cpc * meanOneLognormal(normal(), 0.25),
      leadRate: 0.022 * meanOneLognormal(normal(), 0.3),
      roas: roas * shift * meanOneLognormal(normal(), 0.35),
      orderValue: 3000 + 5000 * rand(),
    };
  });
  yield `${HEADERS.ad_campaigns}\n`;
  let id = 0;
  for (const day of dayStrings(endDate, AD_DAYS)) {
    for (const c of campaigns) {
      const impressions = Math.max(100, Math.round(c.impressions * meanOneLognormal(normal(), 0.3)));
      const clicks = Math.round(impressions * c.ctr * meanOneLognormal(normal(), 0.15));
      const spendCents = Math.round(100 * clicks * c.cpc * meanOneLognormal(normal(), 0.12));
      // a few days lose their order tracking, as in Marketing.csv (rows with zero orders)
      const tracked = rand() >= 0.03;
      const orders = tracked ? Math.round(((spendCents / 100) * c.roas * meanOneLognormal(normal(), 0.35)) / c.orderValue) : 0;
      const leads = Math.max(orders, Math.round(clicks * c.leadRate * meanOneLognormal(normal(), 0.2)));
      const revenue = Math.round(orders * c.orderValue * meanOneLognormal(normal(), 0.1));
      yield csvLine([++id, day, c.name, c.category, c.id, impressions, centsText(spendCents), clicks, leads, orders, revenue]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Truth

const round = (x: number, dp: number) => Math.round(x * 10 ** dp) / 10 ** dp;

function truthRecord(p: Plan, r: Realised): TruthInfluencer {
  const payout = payoutOf(p, r);
  const revenue = r.revenueCents / 100;
  const incremental = (p.mu[1] - p.mu[0]) * r.users[1];
  const roas = payout > 0 ? revenue / payout : null;
  return {
    id: String(p.id),
    name: p.name,
    platform: p.platform,
    category: p.category,
    tier: p.tier,
    basis: p.basis,
    mu_control: round(p.mu[0], 6),
    mu_exposed: round(p.mu[1], 6),
    exposed_users: r.users[1],
    control_users: r.users[0],
    control_share: round(p.controlShare, 6),
    lift: round(p.lift, 6),
    payout,
    true_incremental_revenue: round(incremental, 4),
    true_iroas: payout > 0 ? round(incremental / payout, 6) : null,
    expected_roas: round(Math.exp(p.score), 6),
    roas: roas === null ? null : round(roas, 6),
    profitable: roas !== null && roas > 1,
    rows: p.rows,
    revenue,
  };
}

/** truth.json with one influencer per line: valid JSON, streamable, and diffable. */
function* truthLines(plans: Plan[], realised: Realised[], head: Omit<Truth, 'influencers'>): Generator<string> {
  yield `${JSON.stringify(head).slice(0, -1)},"influencers":[\n`;
  for (let i = 0; i < plans.length; i++) yield JSON.stringify(truthRecord(plans[i], realised[i])) + (i < plans.length - 1 ? ',\n' : '\n');
  yield ']}\n';
}

// ---------------------------------------------------------------------------------------------

export const defaultInfluencers = (orders: number) => clamp(Math.round(orders / 500), 40, 50_000);

export async function generateDataset(opts: GenerateOptions): Promise<GenerateResult> {
  const { outDir, orders, seed } = opts;
  if (!Number.isSafeInteger(orders) || orders < 0) throw new Error(`orders must be a whole number ≥ 0, got ${orders}`);
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be a whole number, got ${seed}`);
  const influencers = opts.influencers ?? defaultInfluencers(orders);
  if (!Number.isSafeInteger(influencers) || influencers < 1) throw new Error(`influencers must be a whole number ≥ 1, got ${influencers}`);
  const adCampaigns = opts.adCampaigns ?? DEFAULT_AD_CAMPAIGNS;
  if (!Number.isSafeInteger(adCampaigns) || adCampaigns < 0) throw new Error(`adCampaigns must be a whole number ≥ 0, got ${adCampaigns}`);
  const endDate = opts.endDate ?? '2026-11-15';
  const days = dayStrings(endDate, DAYS);
  mkdirSync(outDir, { recursive: true });
  const files: Record<GeneratedFile, string> = {
    influencers: join(outDir, 'influencers.csv'),
    posts: join(outDir, 'posts.csv'),
    orders: join(outDir, 'orders.csv'),
    payouts: join(outDir, 'payouts.csv'),
    ad_campaigns: join(outDir, 'ad_campaigns.csv'),
    truth: join(outDir, 'truth.json'),
  };

  const plans = planAll({ orders, seed, influencers });
  const captionFaker = new Faker({ locale: [en, base] });
  captionFaker.seed(seed ^ 0x5eed);
  const counts: Record<string, number> = {};
  counts.influencers = await writeLines(files.influencers, influencerLines(plans));
  counts.posts = await writeLines(files.posts, postLines(plans, days, captionPool(captionFaker), seed));
  const realised = await writeOrders(files.orders, plans, {
    days,
    dayCum: dayWeights(days),
    seed,
    total: orders,
    onProgress: opts.onProgress,
  });
  counts.orders = orders;
  counts.payouts = await writeLines(files.payouts, payoutLines(plans, realised));
  counts.ad_campaigns = await writeLines(files.ad_campaigns, adCampaignLines(adCampaigns, endDate, seed));
  await writeLines(files.truth, truthLines(plans, realised, { seed, orders, endDate }));
  counts.exposed_users = realised.reduce((s, r) => s + r.users[1], 0);
  counts.control_users = realised.reduce((s, r) => s + r.users[0], 0);
  counts.users = counts.exposed_users + counts.control_users;
  return { files, counts };
}
