-- Cleans one staged orders (tracking) file into core.orders and keeps the per-day and
-- per-user aggregates in step, from the rows actually inserted (duplicates add nothing).
-- Parameters: {{staging}} staged table, {{file_id}} this load, {{max_date}} latest acceptable date.
-- MATERIALIZED: every cleaned value is computed once, not once per reference below.
WITH c AS MATERIALIZED (
  SELECT s.line, s.parse_error, s.influencer_id AS raw_id, s.date AS raw_date, s.orders AS raw_orders,
         s.revenue AS raw_revenue, s."group" AS raw_group,
         staging.text(s.influencer_id) AS influencer_id, staging.platform(s.source) AS source,
         staging.text(s.campaign) AS campaign, staging.text(s.user_id) AS user_id, staging.text(s.product) AS product,
         staging.day(s.date) AS order_date, staging.int(s.orders) AS orders, staging.num(s.revenue) AS revenue,
         CASE WHEN staging.blank(s."group") THEN NULL
              WHEN lower(btrim(s."group")) IN ('1', '1.0', 'exposed', 'treatment', 'test', 'true', 'yes', 'y') THEN 1
              WHEN lower(btrim(s."group")) IN ('0', '0.0', 'control', 'holdout', 'false', 'no', 'n') THEN 0
              ELSE -9 END AS grp
  FROM {{staging}} s
), r AS (
  SELECT c.*, CASE
    WHEN parse_error IS NOT NULL THEN ARRAY[NULL, NULL, parse_error]
    WHEN influencer_id IS NULL THEN ARRAY['influencer_id', raw_id, 'is empty']
    WHEN i.known_id IS NULL THEN ARRAY['influencer_id', left(raw_id, 80), 'is not a known influencer; load the influencers file first']
    WHEN order_date IS NULL THEN ARRAY['date', raw_date, 'is not a date (use YYYY-MM-DD, M/D/YYYY or an ISO timestamp)']
    WHEN order_date < DATE '2000-01-01' OR order_date > {{max_date}} THEN ARRAY['date', raw_date, 'is out of range (2000-01-01 to tomorrow)']
    WHEN orders IS NULL THEN ARRAY['orders', raw_orders, 'is not a whole number']
    WHEN orders < 0 OR orders > 1000000 THEN ARRAY['orders', raw_orders, 'must be between 0 and 1,000,000']
    WHEN revenue IS NULL THEN ARRAY['revenue', raw_revenue, 'is not a number']
    WHEN revenue < 0 OR revenue >= 1e12 THEN ARRAY['revenue', raw_revenue, 'must be 0 or more (and below 10^12)']
    WHEN grp = -9 THEN ARRAY['group', raw_group, 'is not a group: use 0/control or 1/exposed']
    WHEN length(c.user_id) > 200 OR length(product) > 200 OR length(campaign) > 200
      THEN ARRAY['user_id', left(c.user_id, 80), 'user_id, product or campaign is longer than 200 characters']
  END AS problem
  FROM c LEFT JOIN (SELECT influencer_id AS known_id FROM core.influencers) i ON i.known_id = c.influencer_id
), rej AS (
  INSERT INTO ops.rejects (file_id, line, column_name, value, reason)
  SELECT {{file_id}}, line, problem[1], left(problem[2], 200), problem[3] FROM r WHERE problem IS NOT NULL
  RETURNING 1
), ins AS (
  INSERT INTO core.orders (row_key, influencer_id, source, campaign, user_id, product, order_date, orders, revenue, grp, file_id, line)
  SELECT DISTINCT ON (k) k, influencer_id, source, campaign, user_id, product, order_date, orders, revenue, grp, {{file_id}}, line
  FROM (SELECT r.*, hashtextextended(concat_ws(chr(31), influencer_id, source, campaign, user_id, product, order_date,
                                               orders, revenue, grp), 0) AS k
        FROM r WHERE problem IS NULL) x
  ORDER BY k, line
  ON CONFLICT (row_key) DO NOTHING
  RETURNING influencer_id, user_id, product, campaign, order_date, orders, revenue, grp
), daily AS (
  INSERT INTO core.orders_daily AS d (order_date, influencer_id, grp, rows, orders, revenue)
  SELECT order_date, influencer_id, coalesce(grp, -1), count(*), sum(orders), sum(revenue)
  FROM ins GROUP BY 1, 2, 3
  ON CONFLICT (order_date, influencer_id, grp) DO UPDATE
    SET rows = d.rows + excluded.rows, orders = d.orders + excluded.orders, revenue = d.revenue + excluded.revenue
  RETURNING 1
), product AS (
  INSERT INTO core.orders_product AS m (influencer_id, product, orders, revenue)
  SELECT influencer_id, coalesce(product, ''), sum(orders), sum(revenue) FROM ins GROUP BY 1, 2
  ON CONFLICT (influencer_id, product) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue
  RETURNING 1
), campaign AS (
  INSERT INTO core.orders_campaign AS m (influencer_id, campaign, orders, revenue)
  SELECT influencer_id, coalesce(campaign, ''), sum(orders), sum(revenue) FROM ins GROUP BY 1, 2
  ON CONFLICT (influencer_id, campaign) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue
  RETURNING 1
), nu AS (
  -- this load's revenue per user, and (below) what each user had before it
  SELECT influencer_id, grp, user_id, sum(orders) AS o, sum(revenue) AS r
  FROM ins WHERE grp IS NOT NULL AND user_id IS NOT NULL GROUP BY 1, 2, 3
), ou AS (
  SELECT u.influencer_id, u.grp, u.user_id, u.revenue AS old FROM core.order_users u JOIN nu USING (influencer_id, grp, user_id)
), users AS (
  INSERT INTO core.order_users AS u (influencer_id, grp, user_id, orders, revenue)
  SELECT influencer_id, grp, user_id, o, r FROM nu
  ON CONFLICT (influencer_id, grp, user_id) DO UPDATE
    SET orders = u.orders + excluded.orders, revenue = u.revenue + excluded.revenue
  RETURNING 1
), hs AS (
  INSERT INTO core.holdout_stats AS h (influencer_id, grp, users, revenue, revenue_sq)
  SELECT nu.influencer_id, nu.grp, count(*) FILTER (WHERE ou.old IS NULL), sum(nu.r),
         sum((coalesce(ou.old, 0) + nu.r) ^ 2 - coalesce(ou.old, 0) ^ 2)
  FROM nu LEFT JOIN ou USING (influencer_id, grp, user_id) GROUP BY 1, 2
  ON CONFLICT (influencer_id, grp) DO UPDATE
    SET users = h.users + excluded.users, revenue = h.revenue + excluded.revenue, revenue_sq = h.revenue_sq + excluded.revenue_sq
  RETURNING 1
), ng AS (
  SELECT grp, user_id, sum(r) AS r FROM nu GROUP BY 1, 2
), og AS (
  SELECT g.grp, g.user_id, g.revenue AS old FROM core.group_users g JOIN ng USING (grp, user_id)
), gu AS (
  INSERT INTO core.group_users AS g (grp, user_id, revenue) SELECT grp, user_id, r FROM ng
  ON CONFLICT (grp, user_id) DO UPDATE SET revenue = g.revenue + excluded.revenue
  RETURNING 1
), gs AS (
  INSERT INTO core.group_stats AS s (grp, users, revenue, revenue_sq)
  SELECT ng.grp, count(*) FILTER (WHERE og.old IS NULL), sum(ng.r), sum((coalesce(og.old, 0) + ng.r) ^ 2 - coalesce(og.old, 0) ^ 2)
  FROM ng LEFT JOIN og USING (grp, user_id) GROUP BY 1
  ON CONFLICT (grp) DO UPDATE
    SET users = s.users + excluded.users, revenue = s.revenue + excluded.revenue, revenue_sq = s.revenue_sq + excluded.revenue_sq
  RETURNING 1
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT DISTINCT date_trunc('week', order_date)::date FROM ins
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM r) AS total, (SELECT count(*) FROM rej) AS rejected,
       (SELECT count(*) FROM ins) AS loaded, (SELECT min(order_date) FROM ins) AS min_date,
       (SELECT max(order_date) FROM ins) AS max_date,
       (SELECT count(*) FROM daily) + (SELECT count(*) FROM product) + (SELECT count(*) FROM campaign) + (SELECT count(*) FROM users)
         + (SELECT count(*) FROM hs) + (SELECT count(*) FROM gu) + (SELECT count(*) FROM gs) AS aggregates;
