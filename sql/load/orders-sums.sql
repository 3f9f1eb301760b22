-- Adds one load's sums (kept by the loader while the rows streamed by) to the per-week,
-- per-product and per-campaign aggregates the KPI statements read and to the days stored,
-- and marks the load's weeks for recompute.
-- Parameters: $1..$6 weekly (week, influencer, grp, rows, orders, revenue), $7..$10 per product
--   (influencer, product, orders, revenue), $11..$14 per campaign (same), $15..$16 days (day, rows),
--   $17 weeks (Mondays).
WITH weekly AS (
  INSERT INTO core.orders_weekly AS w (week_start, influencer_id, grp, rows, orders, revenue)
  SELECT * FROM unnest($1::date[], $2::text[], $3::smallint[], $4::bigint[], $5::bigint[], $6::numeric[])
  ON CONFLICT (week_start, influencer_id, grp) DO UPDATE
    SET rows = w.rows + excluded.rows, orders = w.orders + excluded.orders, revenue = w.revenue + excluded.revenue
  RETURNING 1
), product AS (
  INSERT INTO core.orders_product AS m (influencer_id, product, orders, revenue)
  SELECT * FROM unnest($7::text[], $8::text[], $9::bigint[], $10::numeric[])
  ON CONFLICT (influencer_id, product) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue
  RETURNING 1
), campaign AS (
  INSERT INTO core.orders_campaign AS m (influencer_id, campaign, orders, revenue)
  SELECT * FROM unnest($11::text[], $12::text[], $13::bigint[], $14::numeric[])
  ON CONFLICT (influencer_id, campaign) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue
  RETURNING 1
), days AS (
  INSERT INTO core.order_days AS d (order_date, rows)
  SELECT * FROM unnest($15::date[], $16::bigint[])
  ON CONFLICT (order_date) DO UPDATE SET rows = d.rows + excluded.rows
  RETURNING 1
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT unnest($17::date[]) ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM weekly) + (SELECT count(*) FROM product) + (SELECT count(*) FROM campaign) + (SELECT count(*) FROM days) AS aggregates
