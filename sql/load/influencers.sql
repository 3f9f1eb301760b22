-- Merges a cleaned influencers file into core.influencers: the last row of an id wins, and an
-- id stored before is updated. Any change means every mart is recomputed ('-infinity').
-- Reads load_rows (temp table: the cleaned rows and their line).
-- @param $1 file_id: the load
WITH ins AS (
  INSERT INTO core.influencers AS t (influencer_id, name, platform, category, gender, tier, followers, file_id)
  SELECT DISTINCT ON (influencer_id) influencer_id, name, platform, category, gender, tier, followers, $1
  FROM load_rows
  ORDER BY influencer_id, line DESC
  ON CONFLICT (influencer_id) DO UPDATE SET name = excluded.name, platform = excluded.platform,
    category = excluded.category, gender = excluded.gender, tier = excluded.tier,
    followers = excluded.followers, file_id = excluded.file_id, updated_at = now()
  RETURNING 1
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT '-infinity'::date WHERE EXISTS (SELECT 1 FROM ins)
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM ins) AS loaded, NULL::date AS min_date, NULL::date AS max_date
