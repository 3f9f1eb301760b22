-- Deletes the rows of this load that repeat a stored row value for value: a row of an earlier
-- load, or an earlier line of this one. Only the days the loader names are compared: days
-- earlier loads also have, and days on which the load's own fingerprints repeat. Each day's
-- rows are ranked within their values (PARTITION BY counts NULLs as equal); all but the first
-- go. Only rows of this load go, all in its own partition, where a ctid names one row.
-- Only the partitions of the loads the loader names are read: this one and the earlier ones
-- whose first and last days (ops.ingest_files) reach the days compared.
-- Returns the deleted rows' days, which the loader takes back out of its count of days.
-- @param $1 file_id: the load
-- @param $2 days: the days to compare (date[])
-- @param $3 files: the loads to read (file_id[], $1 among them)
WITH ranked AS (
  SELECT ctid AS id, file_id,
    row_number() OVER (PARTITION BY order_date, influencer_id, orders, revenue, source, campaign, user_id, product, grp
                       ORDER BY file_id, line) AS k
  FROM core.orders
  WHERE order_date = ANY($2::date[]) AND file_id = ANY($3::bigint[])
)
DELETE FROM core.orders o USING ranked r
WHERE o.file_id = $1 AND r.file_id = $1 AND o.ctid = r.id AND r.k > 1
RETURNING o.order_date::text AS order_date
