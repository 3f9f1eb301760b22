-- Loads are cleaned in the ingest process and streamed straight into core (src/stages/ingest.ts),
-- so the raw-text staging tables and the SQL cleaning functions go.
DROP SCHEMA staging CASCADE;

-- core.orders is append-only and read by load (file_id) and by day: BRIN indexes cost almost
-- nothing to keep, where a unique B-tree on a row hash cost more than the COPY itself. Repeated
-- rows are now found by value (sql/load/orders-repeats.sql) on the days a load shares with
-- earlier ones, and within a file by the loader's fingerprints.
DROP INDEX core.orders_row_key;
ALTER TABLE core.orders DROP COLUMN row_key;
CREATE INDEX orders_file_brin ON core.orders USING brin (file_id);
CREATE INDEX orders_date_brin ON core.orders USING brin (order_date);

-- Sums derived from core.orders for the KPI statements are kept by the kpis stage, which folds
-- in each new load (sql/fold/): per week rather than per day (the marts are weekly), per
-- product, per campaign, and per user for the holdout statistics. Derived and rebuildable,
-- they are unlogged, as is the mark of how far they reach: a crash empties them all, and the
-- next recompute rebuilds them from the orders. Which days hold orders is kept by the loads,
-- for finding repeated rows.
CREATE UNLOGGED TABLE core.orders_weekly (
  week_start      date NOT NULL,  -- the Monday of the ISO week
  influencer_id   text NOT NULL,
  rows            bigint NOT NULL,
  orders          bigint NOT NULL,
  revenue         numeric(16, 2) NOT NULL,
  PRIMARY KEY (week_start, influencer_id)
);
ALTER TABLE core.orders_product SET UNLOGGED;
ALTER TABLE core.orders_campaign SET UNLOGGED;
CREATE TABLE core.order_days (
  order_date      date PRIMARY KEY,
  rows            bigint NOT NULL
);
INSERT INTO core.order_days SELECT order_date, sum(rows) FROM core.orders_daily GROUP BY 1;
DROP TABLE core.orders_daily;

ALTER TABLE core.order_users SET UNLOGGED;
ALTER TABLE core.holdout_stats SET UNLOGGED;
ALTER TABLE core.group_users SET UNLOGGED;
ALTER TABLE core.group_stats SET UNLOGGED;
CREATE UNLOGGED TABLE ops.kpi_folded (
  one             boolean PRIMARY KEY DEFAULT true CHECK (one),
  file_id         bigint NOT NULL
);
COMMENT ON TABLE ops.kpi_folded IS 'The last orders load (ops.ingest_files.file_id) whose rows the derived sums include: core.orders_weekly, orders_product, orders_campaign, order_users, holdout_stats, group_users, group_stats.';
