-- Merges a cleaned posts file into core.posts. Exports carry no post id: a post is known by a
-- hash of its cleaned values, computed here exactly as earlier loads computed it, so a post sent
-- again is not stored twice (within the file, its first line is kept). The weeks of new posts
-- are marked for recompute.
-- Reads load_rows (temp table: the cleaned rows and their line).
-- @param $1 file_id: the load
WITH ins AS (
  INSERT INTO core.posts (post_key, influencer_id, platform, post_date, url, caption, reach, likes, comments, file_id, line)
  SELECT DISTINCT ON (k) k, influencer_id, platform, post_date, url, caption, reach, likes, comments, $1, line
  FROM (SELECT l.*, hashtextextended(concat_ws(chr(31), influencer_id, platform, post_date, url, caption), 0) AS k
        FROM load_rows l) x
  ORDER BY k, line
  ON CONFLICT (post_key) DO NOTHING
  RETURNING post_date
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT DISTINCT date_trunc('week', post_date)::date FROM ins
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM ins) AS loaded, (SELECT min(post_date) FROM ins) AS min_date,
       (SELECT max(post_date) FROM ins) AS max_date
