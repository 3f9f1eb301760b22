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

-- Per-week rather than per-day sums: the marts are weekly, and a load keeps a quarter as many
-- rows in step. Which days hold orders is kept apart, for finding repeated rows.
CREATE TABLE core.orders_weekly (
  week_start      date NOT NULL,  -- the Monday of the ISO week
  influencer_id   text NOT NULL,
  rows            bigint NOT NULL,
  orders          bigint NOT NULL,
  revenue         numeric(16, 2) NOT NULL,
  PRIMARY KEY (week_start, influencer_id)
);
INSERT INTO core.orders_weekly
SELECT date_trunc('week', order_date)::date, influencer_id, sum(rows), sum(orders), sum(revenue)
FROM core.orders_daily GROUP BY 1, 2;
CREATE TABLE core.order_days (
  order_date      date PRIMARY KEY,
  rows            bigint NOT NULL
);
INSERT INTO core.order_days SELECT order_date, sum(rows) FROM core.orders_daily GROUP BY 1;
DROP TABLE core.orders_daily;

-- Per-user sums for the holdout statistics are derived from core.orders by the kpis stage
-- (sql/kpis/0_fold_orders.sql), no longer by every load. Derived and rebuildable, they are
-- unlogged, as is the mark of how far they reach: a crash empties both, and the next
-- recompute rebuilds them in full.
ALTER TABLE core.order_users SET UNLOGGED;
ALTER TABLE core.holdout_stats SET UNLOGGED;
ALTER TABLE core.group_users SET UNLOGGED;
ALTER TABLE core.group_stats SET UNLOGGED;
CREATE UNLOGGED TABLE ops.kpi_folded (
  one             boolean PRIMARY KEY DEFAULT true CHECK (one),
  file_id         bigint NOT NULL
);
COMMENT ON TABLE ops.kpi_folded IS 'The last orders load (ops.ingest_files.file_id) whose rows core.order_users, holdout_stats, group_users and group_stats include.';
