import { adCampaignsCleaner } from './clean-ad-campaigns.ts';
import { influencersCleaner } from './clean-influencers.ts';
import { payoutsCleaner } from './clean-payouts.ts';
import { postsCleaner } from './clean-posts.ts';
import type { FileKind, Recognised } from './file-kinds.ts';
import type { CleanContext, RowCleaner } from './row-cleaner.ts';

/** The row cleaner of each small file kind (orders have their own: src/pipeline/ingest/clean-orders.ts). */
export const cleaners: Record<Exclude<FileKind, 'orders'>, (file: Recognised, ctx: CleanContext) => RowCleaner> = {
  influencers: influencersCleaner,
  posts: postsCleaner,
  payouts: payoutsCleaner,
  ad_campaigns: adCampaignsCleaner,
};
