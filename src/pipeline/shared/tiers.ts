/**
 * Influencer tiers by follower count: what the ingest fills in when a file has no tier column,
 * and what the data generator labels its influencers with (so the two always agree).
 */
export const TIERS = ['Nano', 'Micro', 'Macro', 'Mega'] as const;
export type Tier = (typeof TIERS)[number];

/** The fewest followers of each tier above Nano. */
export const TIER_MIN_FOLLOWERS = { Micro: 10_000, Macro: 100_000, Mega: 1_000_000 } as const;

export const tierOf = (followers: number): Tier =>
  followers >= TIER_MIN_FOLLOWERS.Mega
    ? 'Mega'
    : followers >= TIER_MIN_FOLLOWERS.Macro
      ? 'Macro'
      : followers >= TIER_MIN_FOLLOWERS.Micro
        ? 'Micro'
        : 'Nano';
