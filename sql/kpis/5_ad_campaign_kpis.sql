-- Rebuilds mart.ad_campaign_kpis from core.ad_campaigns (seed 002 definitions).
TRUNCATE mart.ad_campaign_kpis;
INSERT INTO mart.ad_campaign_kpis
SELECT ad_key, campaign, channel, category, day, audience, impressions, clicks, conversions, spend, revenue,
       clicks::double precision / nullif(impressions, 0), spend / nullif(clicks, 0), spend / nullif(conversions, 0),
       1000 * spend / nullif(impressions, 0), (revenue - spend) / nullif(spend, 0), spend_estimated, revenue_estimated
FROM core.ad_campaigns;
