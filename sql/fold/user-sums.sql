-- Folds the orders of loads not yet folded into the per-user sums behind the holdout
-- statistics (core.order_users, holdout_stats, group_stats): each user's new revenue is added
-- to what the user had, and the running sums of squares move by the change (in exact numeric
-- arithmetic, so folding equals rebuilding to the last digit).
-- Every old sum is read before any is written (one statement, one snapshot):
-- - nu: per user, group and influencer, the new sums, the user's old sum with that influencer
--   (which tells new users, inserted, from returning ones, updated, so no row pays for a conflict
--   check) and the user's old total over every influencer of the group (for the portfolio, a user
--   who bought through two influencers is one user). Both come from one read of a range of
--   core.order_users' key (user_id, grp, influencer_id), and the new sums come in that key's
--   order (byte order, COLLATE "C"; ORDER BY, since the planner may group them in a hash table
--   once the day's partition has statistics), so the reads, and the inserts of new users after them,
--   walk the key forward instead of jumping about it. Grouped by influencer and read twice, a day
--   of 143 k new users at 10 M orders took 2.06-2.35 s in `pulse run`, 1.10-1.13 s so (three runs
--   each, alternating; at 1 M, 14 k users: 170-196 ms, 109-118 ms).
-- - ng: per group and user, the new sum and that old total.
-- The load lock (src/stages/kpis.ts) keeps other folds out.
-- @param $1 first_file: the first load to fold (file_id; bounds that include, so that
--   partitions of loads outside them are never read)
-- @param $2 last_file: the newest load to fold
WITH nu AS MATERIALIZED (
  SELECT n.influencer_id, n.grp, n.user_id, n.o, n.r, u.old, u.old_total
  FROM (SELECT user_id COLLATE "C" AS user_id, grp, influencer_id COLLATE "C" AS influencer_id, sum(orders) AS o, sum(revenue) AS r
        FROM core.orders
        WHERE file_id BETWEEN $1 AND $2 AND grp IS NOT NULL AND user_id IS NOT NULL
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3) n
  CROSS JOIN LATERAL (SELECT sum(u.revenue) FILTER (WHERE u.influencer_id = n.influencer_id) AS old, sum(u.revenue) AS old_total
                      FROM core.order_users u WHERE u.user_id = n.user_id AND u.grp = n.grp) u
), ng AS MATERIALIZED (
  SELECT grp, sum(r) AS r, max(old_total) AS old FROM nu GROUP BY user_id, grp
), users AS (
  INSERT INTO core.order_users (influencer_id, grp, user_id, orders, revenue)
  SELECT influencer_id, grp, user_id, o, r FROM nu WHERE old IS NULL
  RETURNING 1
), returning_users AS (
  UPDATE core.order_users u SET orders = u.orders + nu.o, revenue = u.revenue + nu.r
  FROM nu WHERE nu.old IS NOT NULL AND u.grp = nu.grp AND u.user_id = nu.user_id AND u.influencer_id = nu.influencer_id
  RETURNING 1
), hs AS (
  INSERT INTO core.holdout_stats AS h (influencer_id, grp, users, revenue, revenue_sq)
  SELECT influencer_id, grp, count(*) FILTER (WHERE old IS NULL), sum(r),
         sum((coalesce(old, 0) + r) * (coalesce(old, 0) + r) - coalesce(old, 0) * coalesce(old, 0))
  FROM nu GROUP BY 1, 2
  ON CONFLICT (influencer_id, grp) DO UPDATE
    SET users = h.users + excluded.users, revenue = h.revenue + excluded.revenue, revenue_sq = h.revenue_sq + excluded.revenue_sq
  RETURNING 1
), gs AS (
  INSERT INTO core.group_stats AS s (grp, users, revenue, revenue_sq)
  SELECT grp, count(*) FILTER (WHERE old IS NULL), sum(r), sum((coalesce(old, 0) + r) * (coalesce(old, 0) + r) - coalesce(old, 0) * coalesce(old, 0))
  FROM ng GROUP BY 1
  ON CONFLICT (grp) DO UPDATE
    SET users = s.users + excluded.users, revenue = s.revenue + excluded.revenue, revenue_sq = s.revenue_sq + excluded.revenue_sq
  RETURNING 1
)
SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM returning_users) + (SELECT count(*) FROM hs) + (SELECT count(*) FROM gs) AS rows
