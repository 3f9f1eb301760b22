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
-- kept to the end of the long KPI transaction.
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
INSERT INTO core.orders_weekly AS w (week_start, influencer_id, rows, orders, revenue)
SELECT week_start, influencer_id, rows, orders, revenue FROM folded_weekly
ON CONFLICT (week_start, influencer_id) DO UPDATE
  SET rows = w.rows + excluded.rows, orders = w.orders + excluded.orders, revenue = w.revenue + excluded.revenue;
DROP TABLE folded_weekly;

CREATE TEMP TABLE folded_product ON COMMIT DROP AS
SELECT influencer_id, coalesce(nullif(product, ''), 'Unknown') AS product, sum(orders) AS orders, sum(revenue) AS revenue
FROM core.orders WHERE file_id BETWEEN $1 AND $2
GROUP BY 1, 2;
INSERT INTO core.orders_product AS m (influencer_id, product, orders, revenue)
SELECT influencer_id, product, orders, revenue FROM folded_product
ON CONFLICT (influencer_id, product) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue;
DROP TABLE folded_product;

CREATE TEMP TABLE folded_campaign ON COMMIT DROP AS
SELECT influencer_id, coalesce(nullif(campaign, ''), 'Unknown') AS campaign, sum(orders) AS orders, sum(revenue) AS revenue
FROM core.orders WHERE file_id BETWEEN $1 AND $2
GROUP BY 1, 2;
INSERT INTO core.orders_campaign AS m (influencer_id, campaign, orders, revenue)
SELECT influencer_id, campaign, orders, revenue FROM folded_campaign
ON CONFLICT (influencer_id, campaign) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue;
DROP TABLE folded_campaign;
RESET enable_sort;
