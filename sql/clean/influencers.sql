-- Cleans one staged influencers file into core.influencers.
-- Parameters (substituted as literals by src/stages/ingest.ts):
--   {{staging}}  the staged file's table (text columns named by canonical name)
--   {{file_id}}  ops.ingest_files.file_id of this load
-- MATERIALIZED: every cleaned value is computed once, not once per reference below.
WITH c AS MATERIALIZED (
  SELECT line, parse_error, influencer_id AS raw_id, name AS raw_name, followers AS raw_followers,
         staging.text(influencer_id) AS influencer_id, staging.text(name) AS name,
         staging.platform(platform) AS platform, staging.label(category) AS category,
         staging.label(gender) AS gender, staging.label(tier) AS tier, staging.int(followers) AS followers
  FROM {{staging}}
), r AS (
  SELECT c.*, CASE
    WHEN parse_error IS NOT NULL THEN ARRAY[NULL, NULL, parse_error]
    WHEN influencer_id IS NULL THEN ARRAY['id', raw_id, 'is empty; every influencer needs an id']
    WHEN length(influencer_id) > 200 THEN ARRAY['id', left(raw_id, 80), 'is longer than 200 characters']
    WHEN name IS NULL THEN ARRAY['name', raw_name, 'is empty; every influencer needs a name']
    WHEN length(name) > 200 THEN ARRAY['name', left(raw_name, 80), 'is longer than 200 characters']
    WHEN followers IS NULL AND NOT staging.blank(raw_followers) THEN ARRAY['follower_count', raw_followers, 'is not a whole number']
    WHEN followers < 0 THEN ARRAY['follower_count', raw_followers, 'is negative; follower counts are 0 or more']
  END AS problem
  FROM c
), rej AS (
  INSERT INTO ops.rejects (file_id, line, column_name, value, reason)
  SELECT {{file_id}}, line, problem[1], left(problem[2], 200), problem[3] FROM r WHERE problem IS NOT NULL
  RETURNING 1
), ins AS (
  INSERT INTO core.influencers AS t (influencer_id, name, platform, category, gender, tier, followers, file_id)
  SELECT DISTINCT ON (influencer_id) influencer_id, name, platform, category, gender,
         coalesce(tier, CASE WHEN followers >= 1000000 THEN 'Mega' WHEN followers >= 100000 THEN 'Macro'
                             WHEN followers >= 10000 THEN 'Micro' WHEN followers IS NOT NULL THEN 'Nano' END),
         followers, {{file_id}}
  FROM r WHERE problem IS NULL
  ORDER BY influencer_id, line DESC
  ON CONFLICT (influencer_id) DO UPDATE SET name = excluded.name, platform = excluded.platform,
    category = excluded.category, gender = excluded.gender, tier = excluded.tier,
    followers = excluded.followers, file_id = excluded.file_id, updated_at = now()
  RETURNING influencer_id
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT '-infinity'::date WHERE EXISTS (SELECT 1 FROM ins)
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM r) AS total, (SELECT count(*) FROM rej) AS rejected,
       (SELECT count(*) FROM ins) AS loaded, NULL::date AS min_date, NULL::date AS max_date;
