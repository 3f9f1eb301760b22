-- Merges a cleaned ad-campaign file into core.ad_campaigns: the last row of an ad key wins, and
-- a key stored before is updated. Spend and revenue arrive estimated and rounded by the cleaner
-- (src/pipeline/clean-ad-campaigns.ts); the key is computed here, exactly as earlier loads
-- computed it: campaign:ad_id, else a hash of the values as read, spend as first estimated
-- (hence the rates, and numeric arithmetic, which keeps their scale). No weeks are marked, as
-- before: mart.ad_campaign_kpis is rebuilt whole by every KPI run.
-- Reads load_rows (temp table: the cleaned rows and their line).
-- @param $1 file_id: the load
WITH ins AS (
  INSERT INTO core.ad_campaigns AS t (ad_key, campaign, channel, category, day, impressions, clicks, conversions, leads,
                                       spend, revenue, spend_estimated, revenue_estimated, audience, file_id, line)
  SELECT DISTINCT ON (ad_key) ad_key, coalesce(campaign, campaign_id, ad_id), channel, category, day, impressions,
         clicks, conversions, leads, spend, revenue, spend_estimated, revenue_estimated, audience, $1, line
  FROM (SELECT l.*, coalesce(coalesce(campaign, campaign_id) || ':' || ad_id,
                             hashtextextended(concat_ws(chr(31), campaign, campaign_id, day, impressions, clicks,
                                                        coalesce(spend_read, cpc * clicks, cpa * conversions, revenue_read / nullif(1 + roi, 0)),
                                                        conversions, revenue_read), 0)::text) AS ad_key
        FROM load_rows l) x
  ORDER BY ad_key, line DESC
  ON CONFLICT (ad_key) DO UPDATE SET campaign = excluded.campaign, channel = excluded.channel, category = excluded.category,
    day = excluded.day, impressions = excluded.impressions, clicks = excluded.clicks, conversions = excluded.conversions,
    leads = excluded.leads, spend = excluded.spend, revenue = excluded.revenue, spend_estimated = excluded.spend_estimated,
    revenue_estimated = excluded.revenue_estimated, audience = excluded.audience, file_id = excluded.file_id, line = excluded.line
  RETURNING day
)
SELECT (SELECT count(*) FROM ins) AS loaded, (SELECT min(day) FROM ins) AS min_date, (SELECT max(day) FROM ins) AS max_date
