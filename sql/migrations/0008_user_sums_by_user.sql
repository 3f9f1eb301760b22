-- The per-user sums behind the holdout statistics, reshaped for the fold of a day's users:
-- - core.order_users is keyed by user first (grp, user_id, influencer_id), so a user's total
--   over every influencer of a group is a range of that key. core.group_users, which kept
--   that total in a second table (a second keyed write per user in every fold), is dropped.
-- - The identifiers that key the sums are compared byte by byte (COLLATE "C") rather than by
--   the database's locale: they are opaque ids, never shown in order, and a locale comparison
--   costs several times more (at 10 M orders the per-user key builds in 3.7 s instead of 6.7 s).
--   Joins with the locale-collated ids of core.orders and core.influencers compare in "C" (a
--   column's own collation wins over the default), which for equality is the same.
ALTER TABLE core.orders_weekly   ALTER COLUMN influencer_id TYPE text COLLATE "C";
ALTER TABLE core.orders_product  ALTER COLUMN influencer_id TYPE text COLLATE "C";
ALTER TABLE core.orders_campaign ALTER COLUMN influencer_id TYPE text COLLATE "C";
ALTER TABLE core.holdout_stats   ALTER COLUMN influencer_id TYPE text COLLATE "C";
ALTER TABLE core.order_users DROP CONSTRAINT order_users_pkey,
  ALTER COLUMN influencer_id TYPE text COLLATE "C",
  ALTER COLUMN user_id TYPE text COLLATE "C",
  ADD PRIMARY KEY (grp, user_id, influencer_id);
DROP TABLE core.group_users;
COMMENT ON TABLE ops.kpi_folded IS 'The last orders load (ops.ingest_files.file_id) whose rows the derived sums include: core.orders_weekly, orders_product, orders_campaign, order_users, holdout_stats, group_stats.';
