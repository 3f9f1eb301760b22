-- Cleans one staged payouts file into core.payouts (one payout agreement per influencer;
-- a later file replaces an earlier one).
-- Parameters: {{staging}} staged table, {{file_id}} this load.
-- MATERIALIZED: every cleaned value is computed once, not once per reference below.
WITH c AS MATERIALIZED (
  SELECT line, parse_error, influencer_id AS raw_id, basis AS raw_basis, rate AS raw_rate,
         orders AS raw_orders, total_payout AS raw_total,
         staging.text(influencer_id) AS influencer_id,
         CASE WHEN lower(basis) LIKE '%post%' THEN 'post' WHEN lower(basis) LIKE '%order%' THEN 'order' END AS basis,
         staging.num(rate) AS rate, staging.int(orders) AS orders, staging.num(total_payout) AS total_payout
  FROM {{staging}}
), r AS (
  SELECT c.*, CASE
    WHEN parse_error IS NOT NULL THEN ARRAY[NULL, NULL, parse_error]
    WHEN influencer_id IS NULL THEN ARRAY['influencer_id', raw_id, 'is empty']
    WHEN NOT EXISTS (SELECT 1 FROM core.influencers i WHERE i.influencer_id = c.influencer_id)
      THEN ARRAY['influencer_id', left(raw_id, 80), 'is not a known influencer; load the influencers file first']
    WHEN basis IS NULL THEN ARRAY['basis', raw_basis, 'must be ''post'' or ''order''']
    WHEN rate IS NULL AND NOT staging.blank(raw_rate) THEN ARRAY['rate', raw_rate, 'is not a number']
    WHEN orders IS NULL AND NOT staging.blank(raw_orders) THEN ARRAY['orders', raw_orders, 'is not a whole number']
    WHEN total_payout IS NULL THEN ARRAY['total_payout', raw_total, 'is not a number']
    WHEN total_payout < 0 OR rate < 0 OR orders < 0 THEN ARRAY['total_payout', raw_total, 'payout, rate and orders must be 0 or more']
  END AS problem
  FROM c
), rej AS (
  INSERT INTO ops.rejects (file_id, line, column_name, value, reason)
  SELECT {{file_id}}, line, problem[1], left(problem[2], 200), problem[3] FROM r WHERE problem IS NOT NULL
  RETURNING 1
), ins AS (
  INSERT INTO core.payouts AS t (influencer_id, basis, rate, orders, total_payout, file_id, line)
  SELECT DISTINCT ON (influencer_id) influencer_id, basis, rate, orders, total_payout, {{file_id}}, line
  FROM r WHERE problem IS NULL
  ORDER BY influencer_id, line DESC
  ON CONFLICT (influencer_id) DO UPDATE SET basis = excluded.basis, rate = excluded.rate, orders = excluded.orders,
    total_payout = excluded.total_payout, file_id = excluded.file_id, line = excluded.line
  RETURNING 1
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT '-infinity'::date WHERE EXISTS (SELECT 1 FROM ins)
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM r) AS total, (SELECT count(*) FROM rej) AS rejected,
       (SELECT count(*) FROM ins) AS loaded, NULL::date AS min_date, NULL::date AS max_date;
