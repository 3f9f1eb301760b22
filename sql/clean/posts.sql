-- Cleans one staged posts file into core.posts.
-- Parameters: {{staging}} staged table, {{file_id}} this load, {{max_date}} latest acceptable date.
-- MATERIALIZED: every cleaned value is computed once, not once per reference below.
WITH c AS MATERIALIZED (
  SELECT s.line, s.parse_error, s.influencer_id AS raw_id, s.date AS raw_date, s.reach AS raw_reach,
         s.likes AS raw_likes, s.comments AS raw_comments,
         staging.text(s.influencer_id) AS influencer_id, staging.platform(s.platform) AS platform,
         staging.day(s.date) AS post_date, staging.text(s.url) AS url, staging.text(s.caption) AS caption,
         staging.int(s.reach) AS reach, staging.int(s.likes) AS likes, staging.int(s.comments) AS comments
  FROM {{staging}} s
), r AS (
  SELECT c.*, CASE
    WHEN parse_error IS NOT NULL THEN ARRAY[NULL, NULL, parse_error]
    WHEN influencer_id IS NULL THEN ARRAY['influencer_id', raw_id, 'is empty']
    WHEN NOT EXISTS (SELECT 1 FROM core.influencers i WHERE i.influencer_id = c.influencer_id)
      THEN ARRAY['influencer_id', left(raw_id, 80), 'is not a known influencer; load the influencers file first']
    WHEN post_date IS NULL THEN ARRAY['date', raw_date, 'is not a date (use YYYY-MM-DD, M/D/YYYY or an ISO timestamp)']
    WHEN post_date < DATE '2000-01-01' OR post_date > {{max_date}} THEN ARRAY['date', raw_date, 'is out of range (2000-01-01 to tomorrow)']
    WHEN reach IS NULL AND NOT staging.blank(raw_reach) THEN ARRAY['reach', raw_reach, 'is not a whole number']
    WHEN likes IS NULL AND NOT staging.blank(raw_likes) THEN ARRAY['likes', raw_likes, 'is not a whole number']
    WHEN comments IS NULL AND NOT staging.blank(raw_comments) THEN ARRAY['comments', raw_comments, 'is not a whole number']
    WHEN reach < 0 OR likes < 0 OR comments < 0 THEN ARRAY['reach', raw_reach, 'reach, likes and comments must be 0 or more']
    WHEN length(url) > 2000 OR length(caption) > 5000 THEN ARRAY['caption', left(caption, 80), 'url or caption is too long (2,000 / 5,000 characters)']
  END AS problem
  FROM c
), rej AS (
  INSERT INTO ops.rejects (file_id, line, column_name, value, reason)
  SELECT {{file_id}}, line, problem[1], left(problem[2], 200), problem[3] FROM r WHERE problem IS NOT NULL
  RETURNING 1
), ins AS (
  INSERT INTO core.posts (post_key, influencer_id, platform, post_date, url, caption, reach, likes, comments, file_id, line)
  SELECT DISTINCT ON (k) k, influencer_id, platform, post_date, url, caption, reach, likes, comments, {{file_id}}, line
  FROM (SELECT r.*, hashtextextended(concat_ws(chr(31), influencer_id, platform, post_date, url, caption), 0) AS k
        FROM r WHERE problem IS NULL) x
  ORDER BY k, line
  ON CONFLICT (post_key) DO NOTHING
  RETURNING post_date
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks SELECT DISTINCT date_trunc('week', post_date)::date FROM ins
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM r) AS total, (SELECT count(*) FROM rej) AS rejected,
       (SELECT count(*) FROM ins) AS loaded, (SELECT min(post_date) FROM ins) AS min_date,
       (SELECT max(post_date) FROM ins) AS max_date;
