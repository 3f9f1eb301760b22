-- Rebuilds the dimension marts. Platform, category and persona group influencers; product and
-- campaign split each influencer's payout by its share of orders (w), and so its incremental
-- revenue, whose variance they split by w² (the summed incremental ROAS of sql/kpis/7_slice_iroas.sql,
-- here in the same pass over the creator-product sums: each creator has one row per product there).
-- @param $1 baseline: revenue per order assumed without the influencer (BASELINE_REVENUE_PER_ORDER)
TRUNCATE mart.platform_kpis, mart.category_kpis, mart.persona_kpis, mart.product_kpis, mart.campaign_kpis;

INSERT INTO mart.platform_kpis
SELECT coalesce(platform, 'Unknown'), count(*), sum(orders), sum(revenue), sum(payout), sum(revenue) / nullif(sum(payout), 0),
       (sum(revenue) - sum(orders) * $1::numeric) / nullif(sum(payout), 0), count(*) FILTER (WHERE is_loss_maker),
       coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0),
       sum(reach), (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0)
FROM mart.influencer_kpis GROUP BY 1;

INSERT INTO mart.category_kpis
SELECT coalesce(category, 'Unknown'), count(*), sum(orders), sum(revenue), sum(payout), sum(revenue) / nullif(sum(payout), 0),
       (sum(revenue) - sum(orders) * $1::numeric) / nullif(sum(payout), 0), count(*) FILTER (WHERE is_loss_maker),
       coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0),
       sum(reach), (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0)
FROM mart.influencer_kpis GROUP BY 1;

INSERT INTO mart.persona_kpis
SELECT coalesce(category, 'Unknown'), coalesce(gender, 'Unknown'), count(*), sum(orders), sum(revenue), sum(payout),
       sum(revenue) / nullif(sum(payout), 0), (sum(revenue) - sum(orders) * $1::numeric) / nullif(sum(payout), 0),
       count(*) FILTER (WHERE is_loss_maker), coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0),
       sum(reach), (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0)
FROM mart.influencer_kpis GROUP BY 1, 2;

-- Products and campaigns in one grouping, into a temporary table (dropped once read): a CREATE
-- TABLE AS may run its query in parallel workers, an INSERT … SELECT never does. At 10 M orders,
-- three nightly runs alternating: 513-610 ms as two INSERT … SELECT, 347-426 ms so. Workers add
-- the floating-point sums (incremental revenue and its variance) in an order that varies from
-- run to run, so those may differ in their last bits; the money (payout and its holdout share)
-- is summed in exact numeric.
CREATE TEMP TABLE split_kpis ON COMMIT DROP AS
SELECT dim, key, count(*) AS influencers, sum(orders) AS orders, sum(revenue) AS revenue, round(coalesce(sum(payout), 0), 2) AS payout,
       sum(revenue) / nullif(sum(payout), 0) AS roas, (sum(revenue) - sum(orders) * $1::numeric) / nullif(sum(payout), 0) AS iroas_baseline,
       count(*) FILTER (WHERE is_loss_maker) AS loss_makers,
       round(coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0), 2) AS loss,
       count(*) FILTER (WHERE held) AS holdout_influencers, sum(payout) FILTER (WHERE held) AS holdout_payout,
       sum(h_inc) FILTER (WHERE held) AS incremental_revenue_summed, sqrt(sum(h_v) FILTER (WHERE held)) AS incremental_revenue_summed_se,
       sum(h_inc) FILTER (WHERE held) / nullif(sum(payout) FILTER (WHERE held), 0)::float8 AS iroas_summed,
       (sum(h_v) FILTER (WHERE held)) ^ 2 / nullif(sum(h_v2) FILTER (WHERE held), 0) AS iroas_summed_df
FROM (
  SELECT m.dim, m.key, m.orders, m.revenue, k.is_loss_maker, k.payout * m.orders / nullif(k.orders, 0) AS payout,
         k.incremental_revenue_se IS NOT NULL AND x.w > 0 AS held, k.incremental_revenue * x.w AS h_inc,
         (k.incremental_revenue_se * x.w) ^ 2 AS h_v, (k.incremental_revenue_se * x.w) ^ 4 / nullif(k.holdout_df, 0) AS h_v2
  FROM (SELECT 'product' AS dim, product AS key, influencer_id, orders, revenue FROM core.orders_product
        UNION ALL
        SELECT 'campaign', campaign, influencer_id, orders, revenue FROM core.orders_campaign) m
  JOIN mart.influencer_kpis k USING (influencer_id)
  CROSS JOIN LATERAL (SELECT m.orders::float8 / nullif(k.orders, 0) AS w) x
) r
GROUP BY 1, 2;

INSERT INTO mart.product_kpis (product, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, holdout_influencers,
                              holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df)
SELECT key, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, holdout_influencers,
       holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df
FROM split_kpis WHERE dim = 'product';

INSERT INTO mart.campaign_kpis (campaign, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, holdout_influencers,
                               holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df)
SELECT key, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, holdout_influencers,
       holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df
FROM split_kpis WHERE dim = 'campaign';
DROP TABLE split_kpis;
