-- Rebuilds the per-user sums behind the holdout statistics from every stored order (when asked,
-- or the first time, or after a crash emptied these unlogged tables), and empties the order
-- sums for sql/fold/order-sums.sql to fill again. Indexes are built after the rows are in: one
-- sort instead of a B-tree insert per row.
-- Parameters: $1 the newest load to include (file_id).
TRUNCATE core.orders_weekly, core.orders_product, core.orders_campaign;
TRUNCATE core.order_users, core.holdout_stats, core.group_users, core.group_stats;
ALTER TABLE core.order_users DROP CONSTRAINT order_users_pkey;
ALTER TABLE core.group_users DROP CONSTRAINT group_users_pkey;
INSERT INTO core.order_users (influencer_id, grp, user_id, orders, revenue)
SELECT influencer_id, grp, user_id, sum(orders), sum(revenue)
FROM core.orders WHERE file_id <= $1 AND grp IS NOT NULL AND user_id IS NOT NULL
GROUP BY 1, 2, 3;
INSERT INTO core.holdout_stats (influencer_id, grp, users, revenue, revenue_sq)
SELECT influencer_id, grp, count(*), sum(revenue), sum(revenue * revenue) FROM core.order_users GROUP BY 1, 2;
INSERT INTO core.group_users (grp, user_id, revenue)
SELECT grp, user_id, sum(revenue) FROM core.order_users GROUP BY 1, 2;
INSERT INTO core.group_stats (grp, users, revenue, revenue_sq)
SELECT grp, count(*), sum(revenue), sum(revenue * revenue) FROM core.group_users GROUP BY 1;
ALTER TABLE core.order_users ADD CONSTRAINT order_users_pkey PRIMARY KEY (influencer_id, grp, user_id);
ALTER TABLE core.group_users ADD CONSTRAINT group_users_pkey PRIMARY KEY (grp, user_id);
