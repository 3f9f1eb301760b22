-- Records the days a load's orders fall on (how later loads find days they share with it) and
-- marks the load's weeks for recompute.
-- Parameters: $1 days, $2 rows per day, $3 weeks (Mondays).
WITH days AS (
  INSERT INTO core.order_days AS d (order_date, rows)
  SELECT * FROM unnest($1::date[], $2::bigint[])
  ON CONFLICT (order_date) DO UPDATE SET rows = d.rows + excluded.rows
  RETURNING 1
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT unnest($3::date[]) ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM days) AS days
