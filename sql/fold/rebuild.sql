-- Rebuilds the per-user sums behind the holdout statistics from every stored order (when asked,
-- or the first time, or after a crash emptied these unlogged tables), and empties the order
-- sums for sql/fold/order-sums.sql to fill again.
-- Millions of users are grouped by sorting on core.order_users' key (hash tables of that
-- size spill to disk, and their output is in no order): the rows go in in key order, the
-- primary key is then built from input already sorted, and each user's total over every
-- influencer of a group is read along that key. The key leads with the user id (text compared
-- byte by byte), which the sorts compare by abbreviated keys: led by the group, they took twice
-- as long (sql/migrations/0017_user_sums_key_user_first.sql).
-- @param $1 last_file: the newest load to include (file_id)
TRUNCATE core.orders_weekly, core.orders_product, core.orders_campaign;
TRUNCATE core.order_users, core.holdout_stats, core.group_stats;
ALTER TABLE core.order_users DROP CONSTRAINT order_users_pkey;
SET LOCAL enable_hashagg = off;
INSERT INTO core.order_users (user_id, grp, influencer_id, orders, revenue)
SELECT user_id COLLATE "C", grp, influencer_id COLLATE "C", sum(orders), sum(revenue)
FROM core.orders WHERE file_id <= $1 AND grp IS NOT NULL AND user_id IS NOT NULL
GROUP BY 1, 2, 3;
ALTER TABLE core.order_users ADD CONSTRAINT order_users_pkey PRIMARY KEY (user_id, grp, influencer_id);
-- so that the planner knows the rows lie in key order and reads them along the key
ANALYZE core.order_users;
RESET enable_hashagg;
INSERT INTO core.holdout_stats (influencer_id, grp, users, revenue, revenue_sq)
SELECT influencer_id, grp, count(*), sum(revenue), sum(revenue * revenue) FROM core.order_users GROUP BY 1, 2;
-- Each user's total is read along the key, and the few groups are hashed: with hashing off, the
-- users' totals (in user order) would be sorted by group; with the work_mem above, the planner
-- would hash every user. A hash table of every user does not fit in this one, so it reads
-- along the key (the caller sets work_mem again after this file).
SET LOCAL work_mem = '4MB';
INSERT INTO core.group_stats (grp, users, revenue, revenue_sq)
SELECT grp, count(*), sum(revenue), sum(revenue * revenue)
FROM (SELECT user_id, grp, sum(revenue) AS revenue FROM core.order_users GROUP BY 1, 2) u GROUP BY 1;
