/**
 * Input files are recognised by their header, not their name. Each kind lists its
 * canonical columns with the aliases seen in real exports; matching is case-insensitive
 * and ignores spaces, dashes and a byte-order mark.
 */
export type FileKind = 'influencers' | 'posts' | 'payouts' | 'orders' | 'ad_campaigns';

interface ColumnSpec {
  aliases: string[];
  required?: boolean;
}

export const fileKinds: Record<FileKind, Record<string, ColumnSpec>> = {
  influencers: {
    influencer_id: { aliases: ['id', 'influencer_id', 'influencer', 'creator_id'], required: true },
    name: { aliases: ['name', 'influencer_name', 'handle', 'username'], required: true },
    platform: { aliases: ['platform', 'channel', 'network'] },
    category: { aliases: ['category', 'niche', 'vertical'] },
    gender: { aliases: ['gender', 'sex'] },
    tier: { aliases: ['influencer_type', 'tier', 'type', 'size'] },
    followers: { aliases: ['follower_count', 'followers', 'follower', 'subscribers'], required: true },
  },
  posts: {
    influencer_id: { aliases: ['influencer_id', 'influencer', 'creator_id'], required: true },
    platform: { aliases: ['platform', 'channel'] },
    date: { aliases: ['date', 'post_date', 'posted_at', 'day', 'c_date'], required: true },
    url: { aliases: ['url', 'link', 'post_url'] },
    caption: { aliases: ['caption', 'text', 'title'] },
    reach: { aliases: ['reach', 'views', 'impressions'], required: true },
    likes: { aliases: ['likes', 'like_count'], required: true },
    comments: { aliases: ['comments', 'comment_count'], required: true },
  },
  payouts: {
    influencer_id: { aliases: ['influencer_id', 'influencer', 'creator_id'], required: true },
    basis: { aliases: ['basis', 'payout_basis', 'pay_basis'], required: true },
    rate: { aliases: ['rate', 'payout_rate'] },
    orders: { aliases: ['orders', 'order_count'] },
    total_payout: { aliases: ['total_payout', 'payout', 'amount', 'total'], required: true },
  },
  orders: {
    source: { aliases: ['source', 'platform', 'channel'] },
    campaign: { aliases: ['campaign', 'campaign_name'] },
    influencer_id: { aliases: ['influencer_id', 'influencer', 'creator_id'], required: true },
    user_id: { aliases: ['user_id', 'customer_id', 'user'] },
    product: { aliases: ['product', 'sku', 'product_name'] },
    date: { aliases: ['date', 'order_date', 'day', 'c_date', 'created_at'], required: true },
    orders: { aliases: ['orders', 'quantity', 'qty', 'order_count'], required: true },
    revenue: { aliases: ['revenue', 'sales', 'amount', 'gmv'], required: true },
    group: { aliases: ['group', 'grp', 'test_group', 'exposed', 'is_exposed', 'variant'] },
  },
  ad_campaigns: {
    ad_id: { aliases: ['ad_id', 'id', 'row_id'] },
    campaign: { aliases: ['campaign_name', 'campaign', 'xyz_campaign_id', 'campaign_id'] },
    campaign_id: { aliases: ['campaign_id', 'fb_campaign_id'] },
    channel: { aliases: ['channel', 'platform', 'source', 'ad_channel'] },
    category: { aliases: ['category', 'interest'] },
    date: { aliases: ['c_date', 'date', 'day', 'reporting_start'] },
    impressions: { aliases: ['impressions', 'impr'], required: true },
    clicks: { aliases: ['clicks', 'link_clicks'], required: true },
    spend: { aliases: ['spend', 'spent', 'cost', 'mark_spent', 'amount_spent', 'budget'] },
    conversions: { aliases: ['total_conversion', 'conversions', 'orders', 'purchases'] },
    leads: { aliases: ['leads', 'approved_conversion'] },
    revenue: { aliases: ['revenue', 'sales', 'conversion_value'] },
    cpc: { aliases: ['cpc', 'cost_per_click'] },
    cpa: { aliases: ['cpa', 'cost_per_acquisition', 'cost_per_conversion'] },
    roi: { aliases: ['roi'] },
    age: { aliases: ['age', 'age_group'] },
    gender: { aliases: ['gender'] },
  },
};

// Dependencies first: posts, payouts and orders refer to influencers.
export const loadOrder: FileKind[] = ['influencers', 'posts', 'payouts', 'orders', 'ad_campaigns'];

export const normaliseHeader = (h: string) =>
  h
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s\-./]+/g, '_');

export interface Recognised {
  kind: FileKind;
  /** canonical column → index in the file's header */
  columns: Record<string, number>;
  header: string[];
}

export type Recognition = { ok: true; file: Recognised } | { ok: false; reason: string };

/** Picks the kind whose required columns are all present, preferring the most matched columns. */
export function recogniseHeader(header: string[]): Recognition {
  const names = header.map(normaliseHeader);
  let best: Recognised | undefined;
  let bestScore = -1;
  for (const [kind, spec] of Object.entries(fileKinds) as [FileKind, Record<string, ColumnSpec>][]) {
    const columns: Record<string, number> = {};
    const taken = new Set<number>();
    for (const [canonical, { aliases }] of Object.entries(spec)) {
      for (const alias of aliases) {
        const i = names.indexOf(alias);
        if (i >= 0 && !taken.has(i)) {
          columns[canonical] = i;
          taken.add(i);
          break;
        }
      }
    }
    const complete = Object.entries(spec).every(([c, s]) => !s.required || c in columns);
    const score = Object.keys(columns).length / Object.keys(spec).length;
    if (complete && score > bestScore) {
      best = { kind, columns, header };
      bestScore = score;
    }
  }
  if (best) return { ok: true, file: best };
  const expected = (Object.entries(fileKinds) as [FileKind, Record<string, ColumnSpec>][])
    .map(
      ([kind, spec]) =>
        `${kind} (${Object.entries(spec)
          .filter(([, s]) => s.required)
          .map(([c]) => c)
          .join(', ')})`,
    )
    .join('; ');
  return {
    ok: false,
    reason: `header ${JSON.stringify(header.slice(0, 12).join(','))} matches no known file kind; expected the columns of one of: ${expected}`,
  };
}
