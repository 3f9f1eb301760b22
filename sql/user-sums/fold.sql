-- Folds the orders of loads not yet folded into the per-user sums behind the holdout
-- statistics (core.order_users, holdout_stats, group_users, group_stats): each user's new
-- revenue is added to what the user had, and the running sums of squares move by the change
-- (in exact numeric arithmetic, so folding equals rebuilding to the last digit).
-- Parameters: $1 the last load already folded (file_id), $2 the newest load to fold.
WITH nu AS (
  SELECT influencer_id, grp, user_id, sum(orders) AS o, sum(revenue) AS r
  FROM core.orders
  WHERE file_id > $1 AND file_id <= $2 AND grp IS NOT NULL AND user_id IS NOT NULL
  GROUP BY 1, 2, 3
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
         sum((coalesce(ou.old, 0) + nu.r) * (coalesce(ou.old, 0) + nu.r) - coalesce(ou.old, 0) * coalesce(ou.old, 0))
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
  SELECT ng.grp, count(*) FILTER (WHERE og.old IS NULL), sum(ng.r), sum((coalesce(og.old, 0) + ng.r) * (coalesce(og.old, 0) + ng.r) - coalesce(og.old, 0) * coalesce(og.old, 0))
  FROM ng LEFT JOIN og USING (grp, user_id) GROUP BY 1
  ON CONFLICT (grp) DO UPDATE
    SET users = s.users + excluded.users, revenue = s.revenue + excluded.revenue, revenue_sq = s.revenue_sq + excluded.revenue_sq
  RETURNING 1
)
SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM hs) + (SELECT count(*) FROM gu) + (SELECT count(*) FROM gs) AS rows
