// A subscription's slice as SQL fragments, for the digest's and the alerts' queries alike: which
// creators (with their slice's share of orders, revenue and payout) and which ad campaign rows.
import { type RawBuilder, sql } from 'kysely';
import type { Slice } from '../pipeline/shared/slice.ts';

const anyOf = (column: string, values: string[] | undefined) =>
  values ? sql`coalesce(${sql.ref(column)}, 'Unknown') = ANY(${values}::text[])` : sql`true`;

/**
 * The slice's creators as (influencer_id, orders, revenue, payout, w): the creator's own figures,
 * unless the slice is by product or campaign, where orders and revenue are those of the slice's
 * products (campaigns), w their share of the creator's orders and payout that share of its payout,
 * as mart.product_kpis and mart.campaign_kpis count them.
 */
export function creatorsOf(slice: Slice, kept: boolean): RawBuilder<unknown> {
  if (!kept) return sql`SELECT influencer_id, orders, revenue, payout, 1::float8 AS w FROM mart.influencer_kpis WHERE false`;
  const own = sql.join(
    [
      anyOf('k.platform', slice.platform),
      anyOf('k.category', slice.category),
      anyOf('k.gender', slice.gender),
      anyOf('k.tier', slice.tier),
    ],
    sql` AND `,
  );
  const split = slice.product
    ? { table: 'core.orders_product', column: 'product', values: slice.product }
    : slice.campaign
      ? { table: 'core.orders_campaign', column: 'campaign', values: slice.campaign }
      : null;
  if (!split) return sql`SELECT k.influencer_id, k.orders, k.revenue, k.payout, 1::float8 AS w FROM mart.influencer_kpis k WHERE ${own}`;
  return sql`
    SELECT k.influencer_id, m.orders, m.revenue, k.payout * m.orders / nullif(k.orders, 0) AS payout, m.orders::float8 / nullif(k.orders, 0) AS w
    FROM mart.influencer_kpis k
    JOIN (SELECT influencer_id, sum(orders) AS orders, sum(revenue) AS revenue FROM ${sql.table(split.table)}
          WHERE ${sql.ref(split.column)} = ANY(${split.values}::text[]) GROUP BY 1) m USING (influencer_id)
    WHERE ${own}`;
}

/** Which ad campaign rows (of mart.ad_campaign_*) the slice keeps. */
export function adFilter(slice: Slice, kept: boolean): RawBuilder<unknown> {
  return kept ? sql`${anyOf('campaign', slice.campaign)} AND ${anyOf('channel', slice.channel)}` : sql`false`;
}
