-- Merges a cleaned payouts file into core.payouts: one payout agreement per influencer, the
-- last row of an influencer wins, and a later file replaces an earlier one. Any change means
-- every mart is recomputed ('-infinity').
-- Reads load_rows (temp table: the cleaned rows and their line).
-- @param $1 file_id: the load
WITH ins AS (
  INSERT INTO core.payouts AS t (influencer_id, basis, rate, orders, total_payout, file_id, line)
  SELECT DISTINCT ON (influencer_id) influencer_id, basis, rate, orders, total_payout, $1, line
  FROM load_rows
  ORDER BY influencer_id, line DESC
  ON CONFLICT (influencer_id) DO UPDATE SET basis = excluded.basis, rate = excluded.rate, orders = excluded.orders,
    total_payout = excluded.total_payout, file_id = excluded.file_id, line = excluded.line
  RETURNING 1
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT '-infinity'::date WHERE EXISTS (SELECT 1 FROM ins)
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM ins) AS loaded, NULL::date AS min_date, NULL::date AS max_date
