-- Records the days a load's orders fall on (how later loads find days they share with it) and
-- marks the load's weeks for recompute.
-- @param $1 days: the days of the load's rows (date[])
-- @param $2 rows: rows per day (bigint[])
-- @param $3 weeks: the Mondays of those days (date[])
WITH days AS (
  INSERT INTO core.order_days AS d (order_date, rows)
  SELECT * FROM unnest($1::date[], $2::bigint[])
  ON CONFLICT (order_date) DO UPDATE SET rows = d.rows + excluded.rows
  RETURNING 1
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT unnest($3::date[]) ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM days) AS days
