-- The slices' incremental ROAS summed over influencers (after 4_dimensions.sql and 6_portfolio_kpis.sql
-- have rebuilt the rows): for each slice, the influencers with a holdout standard error add up their
-- own incremental revenue, variance (incremental_revenue_se²) and payout; users are never pooled
-- across influencers. df is the Welch–Satterthwaite (Σ v)² / Σ (v² / df). Products and campaigns
-- have theirs from sql/kpis/4_dimensions.sql, in the pass that builds their rows. The kpis stage
-- then sets the 95% interval from the t quantile at df.
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
