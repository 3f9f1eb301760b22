-- Rebuilds the dimension marts, each row with its incremental ROAS summed over influencers: the
-- influencers with a holdout standard error add up their own incremental revenue, variance
-- (incremental_revenue_se²) and payout (users are never pooled across influencers); df is the
-- Welch–Satterthwaite (Σ v)² / Σ (v² / df), and the kpis stage then sets the 95 % interval from
-- the t quantile at df. Platform, category and persona take each influencer whole; product and
-- campaign split its payout and incremental revenue by its share of orders there (w), so its
-- variance by w² (each creator has one row per product or campaign in their sums).
-- All five are grouped in one statement into a temporary table (dropped once read): a CREATE TABLE
-- AS may run its query in parallel workers, an INSERT … SELECT never does (at 10 M orders, three
-- nightly runs alternating: the product and campaign marts 513-610 ms as two INSERT … SELECT,
-- 347-426 ms so). Workers add the floating-point sums (incremental revenue and its variance) in an
-- order that varies from run to run, so those may differ in their last bits; the money (payout
-- and its holdout share) is summed in exact numeric.
-- @param $1 baseline: revenue per order assumed without the influencer (BASELINE_REVENUE_PER_ORDER)
TRUNCATE mart.platform_kpis, mart.category_kpis, mart.persona_kpis, mart.product_kpis, mart.campaign_kpis;

CREATE TEMP TABLE dim_kpis ON COMMIT DROP AS
SELECT dim, key, key2, count(*) AS influencers, sum(orders) AS orders, sum(revenue) AS revenue, round(coalesce(sum(payout), 0), 2) AS payout,
       sum(revenue) / nullif(sum(payout), 0) AS roas, (sum(revenue) - sum(orders) * $1::numeric) / nullif(sum(payout), 0) AS iroas_baseline,
       count(*) FILTER (WHERE is_loss_maker) AS loss_makers,
       round(coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0), 2) AS loss,
       sum(reach) AS reach, (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0) AS engagement_rate,
       count(*) FILTER (WHERE held) AS holdout_influencers, sum(payout) FILTER (WHERE held) AS holdout_payout,
       sum(h_inc) FILTER (WHERE held) AS incremental_revenue_summed, sqrt(sum(h_v) FILTER (WHERE held)) AS incremental_revenue_summed_se,
       sum(h_inc) FILTER (WHERE held) / nullif(sum(payout) FILTER (WHERE held), 0)::float8 AS iroas_summed,
       (sum(h_v) FILTER (WHERE held)) ^ 2 / nullif(sum(h_v2) FILTER (WHERE held), 0) AS iroas_summed_df
FROM (
  SELECT m.dim, m.key, m.key2, m.orders, m.revenue, m.reach, m.likes, m.comments, k.is_loss_maker,
         CASE WHEN m.whole THEN k.payout ELSE k.payout * m.orders / nullif(k.orders, 0) END AS payout,
         k.incremental_revenue_se IS NOT NULL AND x.w > 0 AS held, k.incremental_revenue * x.w AS h_inc,
         (k.incremental_revenue_se * x.w) ^ 2 AS h_v, (k.incremental_revenue_se * x.w) ^ 4 / nullif(k.holdout_df, 0) AS h_v2
  FROM (SELECT d.dim, d.key, d.key2, true AS whole, i.influencer_id, i.orders, i.revenue, i.reach, i.likes, i.comments
        FROM mart.influencer_kpis i
        CROSS JOIN LATERAL (VALUES ('platform', coalesce(i.platform, 'Unknown'), ''), ('category', coalesce(i.category, 'Unknown'), ''),
                                   ('persona', coalesce(i.category, 'Unknown'), coalesce(i.gender, 'Unknown'))) d(dim, key, key2)
        UNION ALL
        SELECT 'product', product, '', false, influencer_id, orders, revenue, NULL, NULL, NULL FROM core.orders_product
        UNION ALL
        SELECT 'campaign', campaign, '', false, influencer_id, orders, revenue, NULL, NULL, NULL FROM core.orders_campaign) m
  JOIN mart.influencer_kpis k USING (influencer_id)
  CROSS JOIN LATERAL (SELECT CASE WHEN m.whole THEN 1 ELSE m.orders::float8 / nullif(k.orders, 0) END AS w) x
) r
GROUP BY 1, 2, 3;

INSERT INTO mart.platform_kpis (platform, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, reach, engagement_rate,
                               holdout_influencers, holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed,
                               iroas_summed_df)
SELECT key, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, reach, engagement_rate,
       holdout_influencers, holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df
FROM dim_kpis WHERE dim = 'platform';

INSERT INTO mart.category_kpis (category, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, reach, engagement_rate,
                               holdout_influencers, holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed,
                               iroas_summed_df)
SELECT key, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, reach, engagement_rate,
       holdout_influencers, holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df
FROM dim_kpis WHERE dim = 'category';

INSERT INTO mart.persona_kpis (category, gender, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, reach,
                              engagement_rate, holdout_influencers, holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se,
                              iroas_summed, iroas_summed_df)
SELECT key, key2, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, reach, engagement_rate,
       holdout_influencers, holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df
FROM dim_kpis WHERE dim = 'persona';

INSERT INTO mart.product_kpis (product, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, holdout_influencers,
                              holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df)
SELECT key, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, holdout_influencers,
       holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df
FROM dim_kpis WHERE dim = 'product';

INSERT INTO mart.campaign_kpis (campaign, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, holdout_influencers,
                               holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df)
SELECT key, influencers, orders, revenue, payout, roas, iroas_baseline, loss_makers, loss, holdout_influencers,
       holdout_payout, incremental_revenue_summed, incremental_revenue_summed_se, iroas_summed, iroas_summed_df
FROM dim_kpis WHERE dim = 'campaign';
DROP TABLE dim_kpis;
