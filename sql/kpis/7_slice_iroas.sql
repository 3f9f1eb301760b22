-- The slices' incremental ROAS summed over influencers (after 4_dimensions.sql and 6_portfolio_kpis.sql
-- have rebuilt the rows): for each slice, the influencers with a holdout standard error add up their
-- own incremental revenue, variance (incremental_revenue_se²) and payout; users are never pooled
-- across influencers. df is the Welch–Satterthwaite (Σ v)² / Σ (v² / df). Products and campaigns
-- split each influencer's incremental revenue and payout by its share of orders (w), so its
-- variance by w². The kpis stage then sets the 95% interval from the t quantile at df.
WITH s AS (
  SELECT count(*) AS n, sum(payout) AS payout, sum(incremental_revenue) AS inc, sum(incremental_revenue_se ^ 2) AS v,
         sum(incremental_revenue_se ^ 4 / nullif(holdout_df, 0)) AS v2
  FROM mart.influencer_kpis WHERE incremental_revenue_se IS NOT NULL
)
UPDATE mart.portfolio_kpis d SET holdout_influencers = s.n, holdout_payout = s.payout, incremental_revenue_summed = s.inc,
       incremental_revenue_summed_se = sqrt(s.v), iroas_summed = s.inc / nullif(s.payout, 0), iroas_summed_df = s.v ^ 2 / nullif(s.v2, 0)
FROM s WHERE s.n > 0;

WITH s AS (
  SELECT coalesce(platform, 'Unknown') AS key, count(*) AS n, sum(payout) AS payout, sum(incremental_revenue) AS inc,
         sum(incremental_revenue_se ^ 2) AS v, sum(incremental_revenue_se ^ 4 / nullif(holdout_df, 0)) AS v2
  FROM mart.influencer_kpis WHERE incremental_revenue_se IS NOT NULL GROUP BY 1
)
UPDATE mart.platform_kpis d SET holdout_influencers = s.n, holdout_payout = s.payout, incremental_revenue_summed = s.inc,
       incremental_revenue_summed_se = sqrt(s.v), iroas_summed = s.inc / nullif(s.payout, 0), iroas_summed_df = s.v ^ 2 / nullif(s.v2, 0)
FROM s WHERE d.platform = s.key;

WITH s AS (
  SELECT coalesce(category, 'Unknown') AS key, count(*) AS n, sum(payout) AS payout, sum(incremental_revenue) AS inc,
         sum(incremental_revenue_se ^ 2) AS v, sum(incremental_revenue_se ^ 4 / nullif(holdout_df, 0)) AS v2
  FROM mart.influencer_kpis WHERE incremental_revenue_se IS NOT NULL GROUP BY 1
)
UPDATE mart.category_kpis d SET holdout_influencers = s.n, holdout_payout = s.payout, incremental_revenue_summed = s.inc,
       incremental_revenue_summed_se = sqrt(s.v), iroas_summed = s.inc / nullif(s.payout, 0), iroas_summed_df = s.v ^ 2 / nullif(s.v2, 0)
FROM s WHERE d.category = s.key;

WITH s AS (
  SELECT coalesce(category, 'Unknown') AS key, coalesce(gender, 'Unknown') AS key2, count(*) AS n, sum(payout) AS payout,
         sum(incremental_revenue) AS inc, sum(incremental_revenue_se ^ 2) AS v, sum(incremental_revenue_se ^ 4 / nullif(holdout_df, 0)) AS v2
  FROM mart.influencer_kpis WHERE incremental_revenue_se IS NOT NULL GROUP BY 1, 2
)
UPDATE mart.persona_kpis d SET holdout_influencers = s.n, holdout_payout = s.payout, incremental_revenue_summed = s.inc,
       incremental_revenue_summed_se = sqrt(s.v), iroas_summed = s.inc / nullif(s.payout, 0), iroas_summed_df = s.v ^ 2 / nullif(s.v2, 0)
FROM s WHERE d.category = s.key AND d.gender = s.key2;

WITH m AS (
  SELECT influencer_id, coalesce(nullif(product, ''), 'Unknown') AS key, sum(orders) AS orders FROM core.orders_product GROUP BY 1, 2
), s AS (
  SELECT m.key, count(*) AS n, sum(k.payout * x.w) AS payout, sum(k.incremental_revenue * x.w) AS inc,
         sum((k.incremental_revenue_se * x.w) ^ 2) AS v, sum((k.incremental_revenue_se * x.w) ^ 4 / nullif(k.holdout_df, 0)) AS v2
  FROM m JOIN mart.influencer_kpis k USING (influencer_id)
  CROSS JOIN LATERAL (SELECT m.orders::float8 / nullif(k.orders, 0) AS w) x
  WHERE k.incremental_revenue_se IS NOT NULL AND x.w > 0 GROUP BY 1
)
UPDATE mart.product_kpis d SET holdout_influencers = s.n, holdout_payout = s.payout, incremental_revenue_summed = s.inc,
       incremental_revenue_summed_se = sqrt(s.v), iroas_summed = s.inc / nullif(s.payout, 0), iroas_summed_df = s.v ^ 2 / nullif(s.v2, 0)
FROM s WHERE d.product = s.key;

WITH m AS (
  SELECT influencer_id, coalesce(nullif(campaign, ''), 'Unknown') AS key, sum(orders) AS orders FROM core.orders_campaign GROUP BY 1, 2
), s AS (
  SELECT m.key, count(*) AS n, sum(k.payout * x.w) AS payout, sum(k.incremental_revenue * x.w) AS inc,
         sum((k.incremental_revenue_se * x.w) ^ 2) AS v, sum((k.incremental_revenue_se * x.w) ^ 4 / nullif(k.holdout_df, 0)) AS v2
  FROM m JOIN mart.influencer_kpis k USING (influencer_id)
  CROSS JOIN LATERAL (SELECT m.orders::float8 / nullif(k.orders, 0) AS w) x
  WHERE k.incremental_revenue_se IS NOT NULL AND x.w > 0 GROUP BY 1
)
UPDATE mart.campaign_kpis d SET holdout_influencers = s.n, holdout_payout = s.payout, incremental_revenue_summed = s.inc,
       incremental_revenue_summed_se = sqrt(s.v), iroas_summed = s.inc / nullif(s.payout, 0), iroas_summed_df = s.v ^ 2 / nullif(s.v2, 0)
FROM s WHERE d.campaign = s.key;
