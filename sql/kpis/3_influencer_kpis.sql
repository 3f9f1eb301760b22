-- Rebuilds mart.influencer_kpis: additive measures are sums of mart.influencer_weekly (kept
-- current week by week), holdout results come from the kpis stage as parallel arrays.
-- The holdout arrays, one element per influencer with a holdout result:
-- @param $1 h_influencer_id
-- @param $2 h_exposed_users
-- @param $3 h_control_users
-- @param $4 h_rpu_exposed
-- @param $5 h_rpu_control
-- @param $6 h_incremental_revenue
-- @param $7 h_iroas
-- @param $8 h_low
-- @param $9 h_high
-- @param $10 h_p
-- @param $11 h_status
-- @param $12 h_incremental_se
-- @param $13 h_df
-- @param $14 h_p_negative
-- @param $15 loss_level: the P(iROAS < 0) from the holdout that makes a loss-maker (LOSS_PROBABILITY_LEVEL)
-- @param $16 baseline: revenue per order assumed without the influencer (BASELINE_REVENUE_PER_ORDER)
TRUNCATE mart.influencer_kpis;
INSERT INTO mart.influencer_kpis
WITH w AS (
  SELECT influencer_id, sum(posts) AS posts, sum(reach) AS reach, sum(likes) AS likes, sum(comments) AS comments,
         sum(orders) AS orders, sum(revenue) AS revenue
  FROM mart.influencer_weekly GROUP BY influencer_id
), h AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                       $8::float8[], $9::float8[], $10::float8[], $11::text[], $12::float8[], $13::float8[], $14::float8[])
    AS h(influencer_id, exposed_users, control_users, rpu_exposed, rpu_control, incremental_revenue, iroas, low, high, p, status,
         incremental_se, df, p_negative)
), b AS (
  SELECT i.influencer_id, i.name, i.platform, i.category, i.gender, i.tier, i.followers,
         coalesce(w.posts, 0) AS posts, coalesce(w.reach, 0) AS reach, coalesce(w.likes, 0) AS likes,
         coalesce(w.comments, 0) AS comments, coalesce(w.orders, 0) AS orders, coalesce(w.revenue, 0) AS revenue,
         coalesce(pay.total_payout, 0) AS payout, pay.basis, pay.rate,
         h.exposed_users, h.control_users, h.rpu_exposed, h.rpu_control, h.incremental_revenue,
         h.iroas AS iroas_holdout, h.low, h.high, h.p, coalesce(h.status, 'no_control') AS holdout_status,
         h.incremental_se, h.df, h.p_negative
  FROM core.influencers i
  LEFT JOIN w ON w.influencer_id = i.influencer_id
  LEFT JOIN core.payouts pay ON pay.influencer_id = i.influencer_id
  LEFT JOIN h ON h.influencer_id = i.influencer_id
), m AS (
  SELECT b.*, revenue / nullif(payout, 0) AS roas, (revenue - orders * $16::numeric) / nullif(payout, 0) AS iroas_baseline,
         CASE holdout_status WHEN 'ok' THEN iroas_holdout WHEN 'no_control' THEN (revenue - orders * $16::numeric) / nullif(payout, 0) END AS iroas,
         CASE holdout_status WHEN 'ok' THEN 'holdout' WHEN 'no_control' THEN 'baseline' END AS iroas_method
  FROM b
), r AS (
  -- The holdout (ok or underpowered, whenever it has a standard error) makes a loss-maker when the
  -- one-sided probability that the incremental ROAS is below 0 reaches the stated level; without a
  -- control group the baseline estimate decides.
  SELECT m.*, array_remove(ARRAY[CASE WHEN roas < 1 THEN 'roas_below_1' END,
                                 CASE WHEN p_negative >= $15::float8
                                      THEN 'likely losing money: ' || floor(100 * p_negative)::int || ' % one-sided P(iROAS < 0), holdout' END,
                                 CASE WHEN iroas_method = 'baseline' AND iroas < 0 THEN 'negative_incremental_roas' END], NULL) AS loss_reasons
  FROM m
)
SELECT influencer_id, name, platform, category, gender, tier, followers, posts, reach, likes, comments,
       (likes + comments)::double precision / nullif(reach, 0), orders, revenue, payout, basis, rate,
       roas, (revenue - payout) / nullif(payout, 0), payout / nullif(orders, 0), iroas_baseline,
       exposed_users, control_users, rpu_exposed, rpu_control, incremental_revenue, iroas_holdout, low, high, p, holdout_status,
       iroas, iroas_method, cardinality(loss_reasons) > 0, loss_reasons, revenue / nullif(orders, 0)::double precision,
       incremental_se, df, p_negative, CASE WHEN p_negative IS NOT NULL THEN $15::float8 END
FROM r;
