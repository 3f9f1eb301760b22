-- Rebuilds mart.influencer_weekly for the weeks in kpi_weeks (a temp table of Mondays).
-- @param $1 baseline: revenue per order assumed without the influencer (BASELINE_REVENUE_PER_ORDER)
DELETE FROM mart.influencer_weekly WHERE week_start IN (SELECT week_start FROM kpi_weeks);

INSERT INTO mart.influencer_weekly
WITH o AS (
  SELECT w.influencer_id, w.week_start, w.orders, w.revenue
  FROM core.orders_weekly w WHERE w.week_start IN (SELECT week_start FROM kpi_weeks)
), p AS (
  SELECT s.influencer_id, w.week_start, count(*) AS posts, sum(s.reach) AS reach, sum(s.likes) AS likes, sum(s.comments) AS comments
  FROM kpi_weeks w JOIN core.posts s ON s.post_date >= w.week_start AND s.post_date < w.week_start + 7
  GROUP BY 1, 2
), j AS (
  SELECT coalesce(o.influencer_id, p.influencer_id) AS influencer_id, coalesce(o.week_start, p.week_start) AS week_start,
         coalesce(p.posts, 0) AS posts, coalesce(p.reach, 0) AS reach, coalesce(p.likes, 0) AS likes,
         coalesce(p.comments, 0) AS comments, coalesce(o.orders, 0) AS orders, coalesce(o.revenue, 0) AS revenue
  FROM o FULL JOIN p ON p.influencer_id = o.influencer_id AND p.week_start = o.week_start
), a AS (
  -- Payout by basis: rate x units of the week; without a rate, the week's share of the total.
  SELECT j.*, round(coalesce(CASE
      WHEN pay.basis = 'post' AND pay.rate IS NOT NULL THEN pay.rate * j.posts
      WHEN pay.basis = 'order' AND pay.rate IS NOT NULL THEN pay.rate * j.orders
      WHEN pay.basis = 'post' THEN pay.total_payout * j.posts / nullif((SELECT count(*) FROM core.posts x WHERE x.influencer_id = j.influencer_id), 0)
      WHEN pay.basis = 'order' THEN pay.total_payout * j.orders / nullif((SELECT sum(orders) FROM core.orders_product x WHERE x.influencer_id = j.influencer_id), 0)
    END, 0), 2) AS payout
  FROM j LEFT JOIN core.payouts pay ON pay.influencer_id = j.influencer_id
)
SELECT influencer_id, to_char(week_start, 'IYYY-"W"IW'), week_start, posts, reach, likes, comments,
       (likes + comments)::double precision / nullif(reach, 0),
       orders, revenue, payout,
       revenue / nullif(payout, 0), (revenue - payout) / nullif(payout, 0), payout / nullif(orders, 0),
       (revenue - orders * $1::numeric) / nullif(payout, 0)
FROM a;
