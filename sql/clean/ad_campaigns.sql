-- Cleans one staged ad-campaign file into core.ad_campaigns. Missing spend or revenue is
-- estimated only from what the row carries (seed 002), and flagged as estimated.
-- Parameters: {{staging}} staged table, {{file_id}} this load, {{max_date}} latest acceptable date,
--   {{revenue_per_conversion}} configured value per conversion, or NULL.
-- MATERIALIZED: every cleaned value is computed once, not once per reference below.
WITH c AS MATERIALIZED (
  SELECT line, parse_error, ad_id AS raw_ad_id, date AS raw_date, impressions AS raw_impressions,
         clicks AS raw_clicks, spend AS raw_spend, conversions AS raw_conversions, revenue AS raw_revenue,
         staging.text(ad_id) AS ad_id, staging.text(campaign) AS campaign, staging.text(campaign_id) AS campaign_id,
         coalesce(staging.platform(channel), staging.platform(substring(campaign FROM '^[A-Za-z]+'))) AS channel_guess,
         staging.label(category) AS category, staging.day(date) AS day,
         staging.int(impressions) AS impressions, staging.int(clicks) AS clicks, staging.num(spend) AS spend,
         staging.int(conversions) AS conversions, staging.int(leads) AS leads, staging.num(revenue) AS revenue,
         staging.num(cpc) AS cpc, staging.num(cpa) AS cpa, staging.num(roi) AS roi,
         nullif(concat_ws(' ', staging.text(age), staging.text(gender)), '') AS audience
  FROM {{staging}}
), r AS (
  SELECT c.*, CASE
    WHEN parse_error IS NOT NULL THEN ARRAY[NULL, NULL, parse_error]
    WHEN coalesce(campaign, campaign_id, ad_id) IS NULL THEN ARRAY['campaign', NULL, 'is empty; a campaign name or id is required']
    WHEN day IS NULL AND NOT staging.blank(raw_date) THEN ARRAY['date', raw_date, 'is not a date (use YYYY-MM-DD, M/D/YYYY or an ISO timestamp)']
    WHEN day < DATE '2000-01-01' OR day > {{max_date}} THEN ARRAY['date', raw_date, 'is out of range (2000-01-01 to tomorrow)']
    WHEN impressions IS NULL THEN ARRAY['impressions', raw_impressions, 'is not a whole number']
    WHEN clicks IS NULL THEN ARRAY['clicks', raw_clicks, 'is not a whole number']
    WHEN spend IS NULL AND NOT staging.blank(raw_spend) THEN ARRAY['spend', raw_spend, 'is not a number']
    WHEN conversions IS NULL AND NOT staging.blank(raw_conversions) THEN ARRAY['conversions', raw_conversions, 'is not a whole number']
    WHEN revenue IS NULL AND NOT staging.blank(raw_revenue) THEN ARRAY['revenue', raw_revenue, 'is not a number']
    WHEN impressions < 0 OR clicks < 0 OR spend < 0 OR conversions < 0 OR revenue < 0
      THEN ARRAY['impressions', raw_impressions, 'impressions, clicks, spend, conversions and revenue must be 0 or more']
  END AS problem
  FROM c
), e AS (
  SELECT r.*,
         coalesce(spend, cpc * clicks, cpa * conversions, revenue / nullif(1 + roi, 0)) AS spend_final,
         spend IS NULL AND coalesce(cpc * clicks, cpa * conversions, revenue / nullif(1 + roi, 0)) IS NOT NULL AS spend_estimated
  FROM r WHERE problem IS NULL
), rej AS (
  INSERT INTO ops.rejects (file_id, line, column_name, value, reason)
  SELECT {{file_id}}, line, problem[1], left(problem[2], 200), problem[3] FROM r WHERE problem IS NOT NULL
  RETURNING 1
), ins AS (
  INSERT INTO core.ad_campaigns AS t (ad_key, campaign, channel, category, day, impressions, clicks, conversions, leads,
                                       spend, revenue, spend_estimated, revenue_estimated, audience, file_id, line)
  SELECT DISTINCT ON (ad_key) ad_key, coalesce(campaign, campaign_id, ad_id), channel_guess, category, day, impressions,
         clicks, conversions, leads, round(spend_final, 2),
         round(coalesce(revenue, spend_final * (1 + roi), conversions * {{revenue_per_conversion}}), 2),
         spend_estimated,
         revenue IS NULL AND coalesce(spend_final * (1 + roi), conversions * {{revenue_per_conversion}}) IS NOT NULL,
         audience, {{file_id}}, line
  FROM (SELECT e.*, coalesce(coalesce(campaign, campaign_id) || ':' || ad_id,
                             hashtextextended(concat_ws(chr(31), campaign, campaign_id, day, impressions, clicks, spend_final, conversions, revenue), 0)::text) AS ad_key
        FROM e) x
  ORDER BY ad_key, line DESC
  ON CONFLICT (ad_key) DO UPDATE SET campaign = excluded.campaign, channel = excluded.channel, category = excluded.category,
    day = excluded.day, impressions = excluded.impressions, clicks = excluded.clicks, conversions = excluded.conversions,
    leads = excluded.leads, spend = excluded.spend, revenue = excluded.revenue, spend_estimated = excluded.spend_estimated,
    revenue_estimated = excluded.revenue_estimated, audience = excluded.audience, file_id = excluded.file_id, line = excluded.line
  RETURNING day
)
SELECT (SELECT count(*) FROM r) AS total, (SELECT count(*) FROM rej) AS rejected,
       (SELECT count(*) FROM ins) AS loaded, (SELECT min(day) FROM ins) AS min_date, (SELECT max(day) FROM ins) AS max_date;
