-- Adds one load's sums (kept by the loader while the rows streamed by) to the per-week,
-- per-product and per-campaign aggregates the KPI statements read and to the days stored,
-- and marks the load's weeks for recompute.
-- Parameters: $1..$5 weekly (week, influencer, rows, orders, revenue), $6..$9 per product
--   (influencer, product, orders, revenue), $10..$13 per campaign (same), $14..$15 days (day, rows),
--   $16 weeks (Mondays).
WITH weekly AS (
  INSERT INTO core.orders_weekly AS w (week_start, influencer_id, rows, orders, revenue)
  SELECT * FROM unnest($1::date[], $2::text[], $3::bigint[], $4::bigint[], $5::numeric[])
  ON CONFLICT (week_start, influencer_id) DO UPDATE
    SET rows = w.rows + excluded.rows, orders = w.orders + excluded.orders, revenue = w.revenue + excluded.revenue
  RETURNING 1
), product AS (
  INSERT INTO core.orders_product AS m (influencer_id, product, orders, revenue)
  SELECT * FROM unnest($6::text[], $7::text[], $8::bigint[], $9::numeric[])
  ON CONFLICT (influencer_id, product) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue
  RETURNING 1
), campaign AS (
  INSERT INTO core.orders_campaign AS m (influencer_id, campaign, orders, revenue)
  SELECT * FROM unnest($10::text[], $11::text[], $12::bigint[], $13::numeric[])
  ON CONFLICT (influencer_id, campaign) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue
  RETURNING 1
), days AS (
  INSERT INTO core.order_days AS d (order_date, rows)
  SELECT * FROM unnest($14::date[], $15::bigint[])
  ON CONFLICT (order_date) DO UPDATE SET rows = d.rows + excluded.rows
  RETURNING 1
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT unnest($16::date[]) ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM weekly) + (SELECT count(*) FROM product) + (SELECT count(*) FROM campaign) + (SELECT count(*) FROM days) AS aggregates
