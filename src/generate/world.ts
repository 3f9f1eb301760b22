/**
 * The synthetic world generate.ts draws from: its levels (platform, category, gender, tier), how
 * often each occurs, and how each moves an influencer's latent log-ROAS score, reach, engagement
 * and basket. These tables are the "why" behind the profitability the models are asked to learn,
 * kept apart from the drawing code so the assumptions can be read (and tuned) in one place.
 * Changing a number here changes the generated files, and truth.json with them.
 */

import type { Tier } from '../pipeline/shared/tiers.ts';

// Days of posts and orders (sixteen weeks) and of ad-campaign rows, each ending at the end date.
export const DAYS = 16 * 7;
export const AD_DAYS = 28;

/**
 * Weights to a cumulative table ending at exactly 1, the form the pickers in generate.ts search.
 * It lives here because the tables below are stored already cumulated.
 */
export function cumulative(weights: readonly number[]): Float64Array {
  const cum = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) cum[i] = total += weights[i];
  for (let i = 0; i < cum.length; i++) cum[i] /= total;
  cum[cum.length - 1] = 1;
  return cum;
}

// ---------------------------------------------------------------------------------------------
// Influencer levels and their effects on the latent log-ROAS score

export const PLATFORMS = ['Instagram', 'YouTube', 'Twitter'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const PLATFORM_CUM = cumulative([0.5, 0.3, 0.2]);
export const PLATFORM_EFFECT: Record<Platform, number> = { Instagram: 0.15, YouTube: 0.35, Twitter: -0.55 };
export const PLATFORM_REACH: Record<Platform, number> = { Instagram: 0.3, YouTube: 0.45, Twitter: 0.12 };
export const PLATFORM_ER: Record<Platform, number> = { Instagram: 0.035, YouTube: 0.045, Twitter: 0.015 };
export const PLATFORM_COMMENT_SHARE: Record<Platform, number> = { Instagram: 0.06, YouTube: 0.1, Twitter: 0.15 };

export const CATEGORIES = ['Fitness', 'Nutrition', 'Wellness', 'Parenting', 'Beauty', 'Health', 'Lifestyle'] as const;
export type Category = (typeof CATEGORIES)[number];
export const CATEGORY_CUM = cumulative([0.22, 0.16, 0.14, 0.12, 0.12, 0.13, 0.11]);
export const CATEGORY_EFFECT: Record<Category, number> = {
  Fitness: 0.35,
  Nutrition: 0.2,
  Wellness: 0,
  Parenting: -0.55,
  Beauty: -0.25,
  Health: 0.1,
  Lifestyle: -0.15,
};
// Revenue per unit (INR) a pay-per-post influencer's audience spends, before noise.
export const CATEGORY_UNIT_REVENUE: Record<Category, number> = {
  Fitness: 2200,
  Nutrition: 1800,
  Wellness: 1500,
  Parenting: 1300,
  Beauty: 1200,
  Health: 1600,
  Lifestyle: 1400,
};

export const GENDERS = ['Male', 'Female', 'Other'] as const;
export type Gender = (typeof GENDERS)[number];
export const GENDER_CUM = cumulative([0.45, 0.45, 0.1]);
// Small persona effects so the category x gender heatmap is not flat.
export const PERSONA_EFFECT: Partial<Record<`${Category}/${Gender}`, number>> = {
  'Beauty/Female': 0.2,
  'Fitness/Male': 0.15,
  'Parenting/Female': 0.15,
  'Lifestyle/Other': 0.15,
};

// The levels (TIERS, in this order) and their follower thresholds are pipeline/shared/tiers.ts's,
// shared with the ingest.
export const TIER_CUM = cumulative([0.2, 0.4, 0.3, 0.1]);
// log10 follower ranges, matching TIER_MIN_FOLLOWERS (tierOf labels each drawn count).
export const TIER_LOG10: Record<Tier, [number, number]> = { Nano: [3, 4], Micro: [4, 5], Macro: [5, 6], Mega: [6, 6.8] };
export const TIER_EFFECT: Record<Tier, number> = { Nano: 0.05, Micro: 0.3, Macro: 0, Mega: -0.35 };
export const TIER_ER: Record<Tier, number> = { Nano: 1.8, Micro: 1.3, Macro: 0.9, Mega: 0.6 };
export const TIER_ORDER_RATE: Record<Tier, number> = { Nano: 450, Micro: 550, Macro: 650, Mega: 750 };

export const ORDER_BASIS_SHARE = 0.45;
export const ORDER_BASIS_EFFECT = 0.45;
export const ENGAGEMENT_SIGMA = 0.45;
export const ENGAGEMENT_EFFECT = 1.1;
// The part of log-ROAS no pre-spend feature explains; sized so cross-validated AUC lands near 0.85.
export const SCORE_NOISE = 0.6;
export const SCORE_INTERCEPT = 0.5;

export const PRODUCTS: readonly (readonly [string, number])[] = [
  ['MB Protein', 1.5],
  ['Protein Powder', 1.4],
  ['Creatine', 0.8],
  ['Omega 3', 0.6],
  ['Multivitamins', 0.55],
  ['Energy Bars', 0.3],
  ['Gritzo Shake', 0.7],
  ['Fish Oil', 0.5],
  ['Biotin', 0.45],
  ['Ashwagandha', 0.4],
  ['Apple Cider Vinegar', 0.35],
  ['Peanut Butter', 0.35],
  ['Mass Gainer', 1.3],
  ['Pre-Workout', 0.9],
];
export const PRODUCT_BOOST: Record<Category, Record<string, number>> = {
  Fitness: { 'MB Protein': 5, 'Protein Powder': 5, Creatine: 4, 'Pre-Workout': 3, 'Mass Gainer': 3 },
  Nutrition: { 'Protein Powder': 4, 'Peanut Butter': 4, 'Energy Bars': 3, Multivitamins: 3 },
  Wellness: { Ashwagandha: 4, 'Omega 3': 3, 'Apple Cider Vinegar': 3, Multivitamins: 3 },
  Parenting: { 'Gritzo Shake': 10, Multivitamins: 3, 'Omega 3': 2 },
  Beauty: { Biotin: 7, 'Fish Oil': 3, 'Apple Cider Vinegar': 3 },
  Health: { 'Omega 3': 4, Multivitamins: 4, 'Fish Oil': 3 },
  Lifestyle: { 'Energy Bars': 3, 'Apple Cider Vinegar': 3, 'Peanut Butter': 3 },
};

export interface ProductMix {
  cum: Float64Array /** price factor / the mix's mean factor: mean one */;
  factor: Float64Array;
}

export function productMix(category: Category): ProductMix {
  const weights = PRODUCTS.map(([name]) => PRODUCT_BOOST[category][name] ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const meanFactor = PRODUCTS.reduce((s, [, f], i) => s + (weights[i] * f) / total, 0);
  return { cum: cumulative(weights), factor: Float64Array.from(PRODUCTS, ([, f]) => f / meanFactor) };
}

export const UNITS_CUM = cumulative([0.62, 0.25, 0.09, 0.04]);
export const MEAN_UNITS = 0.62 * 1 + 0.25 * 2 + 0.09 * 3 + 0.04 * 4;
export const ROW_REVENUE_SIGMA = 0.35;

// Four four-week pushes over the sixteen weeks, and an always-on campaign beside them.
export const CAMPAIGN_WAVES = ['Monsoon Immunity', 'Freedom Fit', 'Festive Boost', 'Winter Bulk'];
export const ALWAYS_ON = 'Wellness Week';
export const ALWAYS_ON_SHARE = 0.25;

// ---------------------------------------------------------------------------------------------
// Ad campaigns, shaped like Marketing.csv (seed 002)

// The first eleven are Marketing.csv's campaigns; the rest extend the list for larger runs.
export const DEFAULT_AD_CAMPAIGNS = 11;
export const AD_CAMPAIGNS: readonly (readonly [string, string])[] = [
  ['facebook_tier1', 'social'],
  ['facebook_tier2', 'social'],
  ['google_hot', 'search'],
  ['google_wide', 'search'],
  ['youtube_blogger', 'influencer'],
  ['instagram_blogger', 'influencer'],
  ['instagram_tier1', 'social'],
  ['instagram_tier2', 'social'],
  ['facebook_lal', 'social'],
  ['facebook_retargeting', 'social'],
  ['banner_partner', 'media'],
  ['google_brand', 'search'],
  ['youtube_preroll', 'media'],
  ['twitter_promoted', 'social'],
  ['instagram_reels', 'influencer'],
];
// channel: daily impressions, CTR, CPC (INR), ROAS centre
export const AD_CHANNELS: Record<string, [number, number, number, number]> = {
  facebook: [2_500_000, 0.006, 12, 0.95],
  instagram: [3_000_000, 0.005, 8, 1.1],
  youtube: [1_500_000, 0.01, 9, 2.6],
  google: [1_500_000, 0.012, 11, 1.5],
  banner: [35_000_000, 0.0005, 12, 1.2],
  twitter: [1_000_000, 0.004, 7, 0.75],
};
// Targeting variants shift CTR and return together, so CTR is an honest (noisy) signal of ROI.
export const AD_VARIANT: Record<string, number> = {
  tier1: 1.25,
  hot: 1.5,
  retargeting: 1.6,
  brand: 1.4,
  blogger: 1.1,
  reels: 1.1,
  tier2: 0.75,
  wide: 0.7,
  lal: 0.5,
  preroll: 0.9,
  partner: 1,
  promoted: 0.9,
};
