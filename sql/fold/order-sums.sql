-- Adds the orders of the loads $1 to $2 to the per-week, per-product and per-campaign sums
-- the KPI statements read (a new day's load, or with $1 = 0 after a rebuild emptied them, all).
-- The week is its Monday, by integer date arithmetic: the days since a Monday (2000-01-03) modulo
-- 7, taken non-negative. date_trunc would go through timestamps, and extract(isodow …) returns
-- numeric: at 1 M orders the weekly sums took 0.38 s with it, 0.30 s without (medians of 5).
-- Each sum is grouped in a hash table (tens of thousands of groups per 1 M orders): the first KPI
-- run comes right after the loads, before any statistics on their partitions, and the planner,
-- expecting a few hundred rows, sorted every order by the locale-collated ids instead (≈ 3 s at
-- 1 M orders instead of ≈ 1 s).
-- Each sum is grouped into a temporary table first and then added to its table: a CREATE TABLE AS
-- may run its query in parallel workers, an INSERT … SELECT never does (PostgreSQL 15). On the
-- first run at 10 M orders that took the three sums from 10.1 s to 6.8 s; a day's fold is too
-- small to start workers and runs as before. Each temporary table is dropped once added, not
-- kept to the end of the long KPI transaction. It is added by MERGE, one join of the new sums
-- with the table: INSERT … ON CONFLICT checked the key row by row (a day at 10 M orders: 90 k
-- product rows, all existing, 489 ms that way, 271 ms by MERGE; EXPLAIN ANALYZE).
-- A missing or empty product (campaign) is stored as 'Unknown', the name the marts show it by,
-- so that each creator has one row per product as the marts group them (sql/kpis/4_dimensions.sql
-- sums each row's share of the creator's variance, which two rows for one name would split).
-- @param $1 first_file: the first load to fold (file_id; bounds that include, so that
--   partitions of loads outside them are never read)
-- @param $2 last_file: the newest load to fold
SET LOCAL enable_sort = off;
CREATE TEMP TABLE folded_weekly ON COMMIT DROP AS
SELECT order_date - ((order_date - date '2000-01-03') % 7 + 7) % 7 AS week_start, influencer_id, count(*) AS rows, sum(orders) AS orders,
       sum(revenue) AS revenue
FROM core.orders WHERE file_id BETWEEN $1 AND $2
GROUP BY 1, 2;
MERGE INTO core.orders_weekly w USING folded_weekly f ON w.week_start = f.week_start AND w.influencer_id = f.influencer_id
WHEN MATCHED THEN UPDATE SET rows = w.rows + f.rows, orders = w.orders + f.orders, revenue = w.revenue + f.revenue
WHEN NOT MATCHED THEN INSERT (week_start, influencer_id, rows, orders, revenue) VALUES (f.week_start, f.influencer_id, f.rows, f.orders, f.revenue);
DROP TABLE folded_weekly;

CREATE TEMP TABLE folded_product ON COMMIT DROP AS
SELECT influencer_id, coalesce(nullif(product, ''), 'Unknown') AS product, sum(orders) AS orders, sum(revenue) AS revenue
FROM core.orders WHERE file_id BETWEEN $1 AND $2
GROUP BY 1, 2;
MERGE INTO core.orders_product m USING folded_product f ON m.influencer_id = f.influencer_id AND m.product = f.product
WHEN MATCHED THEN UPDATE SET orders = m.orders + f.orders, revenue = m.revenue + f.revenue
WHEN NOT MATCHED THEN INSERT (influencer_id, product, orders, revenue) VALUES (f.influencer_id, f.product, f.orders, f.revenue);
DROP TABLE folded_product;

CREATE TEMP TABLE folded_campaign ON COMMIT DROP AS
SELECT influencer_id, coalesce(nullif(campaign, ''), 'Unknown') AS campaign, sum(orders) AS orders, sum(revenue) AS revenue
FROM core.orders WHERE file_id BETWEEN $1 AND $2
GROUP BY 1, 2;
MERGE INTO core.orders_campaign m USING folded_campaign f ON m.influencer_id = f.influencer_id AND m.campaign = f.campaign
WHEN MATCHED THEN UPDATE SET orders = m.orders + f.orders, revenue = m.revenue + f.revenue
WHEN NOT MATCHED THEN INSERT (influencer_id, campaign, orders, revenue) VALUES (f.influencer_id, f.campaign, f.orders, f.revenue);
DROP TABLE folded_campaign;
RESET enable_sort;
