-- core.orders is partitioned by load: each orders load COPYs into a partition of its own,
-- created in the load's transaction (src/stages/ingest.ts). The new partition has no index to
-- keep up while rows stream in (the two BRIN indexes cost a fifth of a load's time), and a fold
-- of new loads into the KPI sums reads only their partitions. Repeated rows are found by day
-- over all partitions (sql/load/orders-repeats.sql), which happens only when a load shares
-- days with earlier ones or repeats rows of its own.
DROP INDEX core.orders_file_brin;
DROP INDEX core.orders_date_brin;
ALTER TABLE core.orders RENAME TO orders_loaded_before_0005;
CREATE TABLE core.orders (LIKE core.orders_loaded_before_0005 INCLUDING ALL) PARTITION BY RANGE (file_id);
COMMENT ON TABLE core.orders IS 'Clean order (tracking) rows, one partition per load (core.orders_load_<file_id>): the source of every order KPI. file_id and line name the file (ops.ingest_files) and line each row came from.';

-- Rows loaded before this migration stay where they are, as one partition for their loads.
DO $$
DECLARE
  top bigint;
BEGIN
  SELECT max(file_id) INTO top FROM core.orders_loaded_before_0005;
  IF top IS NULL THEN
    DROP TABLE core.orders_loaded_before_0005;
  ELSE
    EXECUTE format('ALTER TABLE core.orders ATTACH PARTITION core.orders_loaded_before_0005 FOR VALUES FROM (MINVALUE) TO (%s)', top + 1);
  END IF;
END $$;
