-- Deletes the rows of this load that repeat a stored row value for value: a row of an earlier
-- load, or an earlier line of this one. Only candidates are compared: every row of the load
-- when the loader's fingerprints say two may be equal ($2), else the rows on days earlier loads
-- also have ($3).
-- Returns the deleted rows' days, which the loader takes back out of its count of days.
-- Parameters: $1 file_id, $2 compare every row of the load (boolean), $3 days stored before this load (date[]).
WITH candidate AS (
  SELECT ctid AS id, n.* FROM core.orders n
  WHERE n.file_id = $1 AND ($2::boolean OR n.order_date IN (SELECT unnest($3::date[])))
), repeat AS (
  SELECT c.id FROM candidate c
  WHERE EXISTS (
    SELECT 1 FROM core.orders o
    WHERE o.order_date = c.order_date AND o.influencer_id = c.influencer_id AND o.orders = c.orders AND o.revenue = c.revenue
      AND o.source IS NOT DISTINCT FROM c.source AND o.campaign IS NOT DISTINCT FROM c.campaign
      AND o.user_id IS NOT DISTINCT FROM c.user_id AND o.product IS NOT DISTINCT FROM c.product
      AND o.grp IS NOT DISTINCT FROM c.grp
      AND (o.file_id < c.file_id OR (o.file_id = c.file_id AND o.line < c.line)))
)
DELETE FROM core.orders o USING repeat r WHERE o.ctid = r.id
RETURNING o.order_date::text AS order_date
