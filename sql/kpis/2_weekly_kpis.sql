-- Rebuilds mart.weekly_kpis from mart.influencer_weekly and mart.ad_campaign_weekly (small: one
-- row per influencer-week and campaign-week). A week with either kind of data has a row; the
-- change against the previous week is NULL where that week or this one had none of the kind.
-- @param $1 baseline: revenue per order assumed without the influencer (BASELINE_REVENUE_PER_ORDER)
TRUNCATE mart.weekly_kpis;
INSERT INTO mart.weekly_kpis
WITH w AS (
  SELECT week_start, count(*) AS influencers, sum(orders) AS orders, sum(revenue) AS revenue, sum(payout) AS payout
  FROM mart.influencer_weekly GROUP BY week_start
), a AS (
  SELECT week_start, count(DISTINCT campaign) AS ad_campaigns, sum(rows) AS ad_rows, sum(complete_rows) AS ad_complete,
         sum(spend) AS ad_spend, sum(revenue) AS ad_revenue, sum(conversions) AS ad_conversions
  FROM mart.ad_campaign_weekly GROUP BY week_start
), j AS (
  SELECT coalesce(w.week_start, a.week_start) AS week_start, coalesce(w.influencers, 0) AS influencers, coalesce(w.orders, 0) AS orders,
         coalesce(w.revenue, 0) AS revenue, coalesce(w.payout, 0) AS payout, coalesce(a.ad_campaigns, 0) AS ad_campaigns,
         coalesce(a.ad_rows, 0) AS ad_rows, coalesce(a.ad_spend, 0) AS ad_spend, a.ad_revenue, coalesce(a.ad_conversions, 0) AS ad_conversions,
         CASE WHEN a.ad_complete = a.ad_rows THEN (a.ad_revenue - a.ad_spend) / nullif(a.ad_spend, 0) END AS ad_roi,
         a.ad_spend / nullif(a.ad_conversions, 0) AS ad_cpa
  FROM w FULL JOIN a ON a.week_start = w.week_start
), k AS (
  SELECT j.*, revenue / nullif(payout, 0) AS roas, (revenue - orders * $1::numeric) / nullif(payout, 0) AS iroas_baseline FROM j
)
SELECT to_char(k.week_start, 'IYYY-"W"IW'), k.week_start, k.influencers, k.orders, k.revenue, k.payout, k.roas, k.iroas_baseline,
       k.revenue - p.revenue, k.payout - p.payout, k.roas - p.roas, k.iroas_baseline - p.iroas_baseline,
       k.ad_campaigns, k.ad_spend, k.ad_revenue, k.ad_conversions, k.ad_roi, k.ad_cpa,
       k.ad_spend - q.ad_spend, k.ad_revenue - q.ad_revenue, k.ad_roi - q.ad_roi, k.ad_cpa - q.ad_cpa
FROM k
LEFT JOIN k p ON p.week_start = k.week_start - 7 AND p.influencers > 0 AND k.influencers > 0
LEFT JOIN k q ON q.week_start = k.week_start - 7 AND q.ad_rows > 0 AND k.ad_rows > 0;
