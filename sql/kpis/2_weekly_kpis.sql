-- Rebuilds mart.weekly_kpis from mart.influencer_weekly (small: one row per influencer-week).
-- @param $1 baseline: revenue per order assumed without the influencer (BASELINE_REVENUE_PER_ORDER)
TRUNCATE mart.weekly_kpis;
INSERT INTO mart.weekly_kpis
WITH w AS (
  SELECT week_start, count(*) AS influencers, sum(orders) AS orders, sum(revenue) AS revenue, sum(payout) AS payout
  FROM mart.influencer_weekly GROUP BY week_start
), k AS (
  SELECT w.*, revenue / nullif(payout, 0) AS roas, (revenue - orders * $1::numeric) / nullif(payout, 0) AS iroas_baseline FROM w
)
SELECT to_char(k.week_start, 'IYYY-"W"IW'), k.week_start, k.influencers, k.orders, k.revenue, k.payout, k.roas, k.iroas_baseline,
       k.revenue - prev.revenue, k.payout - prev.payout, k.roas - prev.roas, k.iroas_baseline - prev.iroas_baseline
FROM k LEFT JOIN k prev ON prev.week_start = k.week_start - 7;
