-- Merges a cleaned ad-campaign file into core.ad_campaigns: the last row of an ad key wins, and
-- a key stored before is updated. Spend and revenue arrive estimated and rounded by the cleaner
-- (src/pipeline/ingest/clean-ad-campaigns.ts); the key is computed here, exactly as earlier loads
-- computed it: campaign:ad_id, else a hash of the values as read, spend as first estimated
-- (hence the rates, and numeric arithmetic, which keeps their scale). The ISO weeks of the rows
-- merged, as they were and as they are now, are marked for recompute (ops.kpi_dirty_weeks), so
-- mart.ad_campaign_weekly recomputes only those (sql/kpis/1a_ad_campaign_weekly.sql). A row
-- without a reporting day marks no week: it counts in the all-time marts only.
-- Reads load_rows (temp table: the cleaned rows and their line).
-- @param $1 file_id: the load
WITH x AS (
  SELECT l.*, coalesce(coalesce(campaign, campaign_id) || ':' || ad_id,
                       hashtextextended(concat_ws(chr(31), campaign, campaign_id, day, impressions, clicks,
                                                  coalesce(spend_read, cpc * clicks, cpa * conversions, revenue_read / nullif(1 + roi, 0)),
                                                  conversions, revenue_read), 0)::text) AS ad_key
  FROM load_rows l
), old AS (
  -- the statement's snapshot: the stored rows before this merge replaces them
  SELECT c.day FROM core.ad_campaigns c WHERE c.ad_key IN (SELECT ad_key FROM x) AND c.day IS NOT NULL
), ins AS (
  INSERT INTO core.ad_campaigns AS t (ad_key, campaign, channel, category, day, impressions, clicks, conversions, leads,
                                       spend, revenue, spend_estimated, revenue_estimated, audience, file_id, line, quality_flag)
  SELECT DISTINCT ON (ad_key) ad_key, coalesce(campaign, campaign_id, ad_id), channel, category, day, impressions,
         clicks, conversions, leads, spend, revenue, spend_estimated, revenue_estimated, audience, $1, line, quality_flag
  FROM x
  ORDER BY ad_key, line DESC
  ON CONFLICT (ad_key) DO UPDATE SET campaign = excluded.campaign, channel = excluded.channel, category = excluded.category,
    day = excluded.day, impressions = excluded.impressions, clicks = excluded.clicks, conversions = excluded.conversions,
    leads = excluded.leads, spend = excluded.spend, revenue = excluded.revenue, spend_estimated = excluded.spend_estimated,
    revenue_estimated = excluded.revenue_estimated, audience = excluded.audience, file_id = excluded.file_id, line = excluded.line,
    quality_flag = excluded.quality_flag
  RETURNING day
), dirty AS (
  INSERT INTO ops.kpi_dirty_weeks
  SELECT DISTINCT d - (extract(isodow FROM d)::int - 1) FROM (SELECT day AS d FROM ins UNION SELECT day FROM old) u WHERE d IS NOT NULL
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM ins) AS loaded, (SELECT min(day) FROM ins) AS min_date, (SELECT max(day) FROM ins) AS max_date
