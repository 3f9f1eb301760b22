-- Rebuilds mart.ad_campaign_kpis (one row per ad row, seed 002 definitions) and the all-time
-- roll-ups per campaign and per channel from core.ad_campaigns (small: one row per ad and day;
-- rows without a reporting day count here, not in mart.ad_campaign_weekly): sums, ratios of sums.
TRUNCATE mart.ad_campaign_kpis, mart.ad_campaign_totals, mart.ad_channel_kpis;
INSERT INTO mart.ad_campaign_kpis
SELECT ad_key, campaign, channel, category, day, audience, impressions, clicks, conversions, spend, revenue,
       clicks::double precision / nullif(impressions, 0), spend / nullif(clicks, 0), spend / nullif(conversions, 0),
       1000 * spend / nullif(impressions, 0), (revenue - spend) / nullif(spend, 0), spend_estimated, revenue_estimated, quality_flag
FROM core.ad_campaigns;

INSERT INTO mart.ad_campaign_totals
WITH s AS (
  SELECT campaign, coalesce(channel, 'Unknown') AS channel, min(day) AS first_day, max(day) AS last_day, count(*) AS rows,
         count(*) FILTER (WHERE spend IS NOT NULL AND revenue IS NOT NULL) AS complete_rows, count(quality_flag) AS flagged_rows,
         coalesce(sum(impressions), 0) AS impressions, coalesce(sum(clicks), 0) AS clicks, coalesce(sum(conversions), 0) AS conversions,
         coalesce(sum(spend), 0) AS spend, sum(revenue) AS revenue,
         coalesce(sum(spend) FILTER (WHERE spend_estimated), 0) AS spend_estimated,
         coalesce(sum(revenue) FILTER (WHERE revenue_estimated), 0) AS revenue_estimated
  FROM core.ad_campaigns GROUP BY 1, 2
)
SELECT campaign, channel, first_day, last_day, rows, complete_rows, flagged_rows, impressions, clicks, conversions, spend, revenue,
       clicks::double precision / nullif(impressions, 0), spend / nullif(clicks, 0), spend / nullif(conversions, 0),
       1000 * spend / nullif(impressions, 0), conversions::double precision / nullif(clicks, 0),
       CASE WHEN complete_rows = rows THEN (revenue - spend) / nullif(spend, 0) END,
       spend_estimated / nullif(spend, 0), revenue_estimated / nullif(revenue, 0)
FROM s;

INSERT INTO mart.ad_channel_kpis
WITH s AS (
  SELECT coalesce(channel, 'Unknown') AS channel, count(DISTINCT campaign) AS campaigns, count(*) AS rows,
         count(*) FILTER (WHERE spend IS NOT NULL AND revenue IS NOT NULL) AS complete_rows, count(quality_flag) AS flagged_rows,
         coalesce(sum(impressions), 0) AS impressions, coalesce(sum(clicks), 0) AS clicks, coalesce(sum(conversions), 0) AS conversions,
         coalesce(sum(spend), 0) AS spend, sum(revenue) AS revenue,
         coalesce(sum(spend) FILTER (WHERE spend_estimated), 0) AS spend_estimated,
         coalesce(sum(revenue) FILTER (WHERE revenue_estimated), 0) AS revenue_estimated
  FROM core.ad_campaigns GROUP BY 1
)
SELECT channel, campaigns, rows, complete_rows, flagged_rows, impressions, clicks, conversions, spend, revenue,
       clicks::double precision / nullif(impressions, 0), spend / nullif(clicks, 0), spend / nullif(conversions, 0),
       1000 * spend / nullif(impressions, 0), conversions::double precision / nullif(clicks, 0),
       CASE WHEN complete_rows = rows THEN (revenue - spend) / nullif(spend, 0) END,
       spend_estimated / nullif(spend, 0), revenue_estimated / nullif(revenue, 0)
FROM s;
