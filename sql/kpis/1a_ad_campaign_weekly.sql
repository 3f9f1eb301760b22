-- Rebuilds mart.ad_campaign_weekly for the weeks in kpi_weeks (a temp table of Mondays: weeks an
-- ad load touched, see sql/load/ad_campaigns.sql, or every week) and the weeks after them, whose
-- change against the previous week moves with them. Sums of core.ad_campaigns per campaign,
-- channel and ISO week of the reporting day (its Monday, by date arithmetic), ratios of the sums.
DELETE FROM mart.ad_campaign_weekly WHERE week_start IN (SELECT week_start FROM kpi_weeks UNION SELECT week_start + 7 FROM kpi_weeks);

INSERT INTO mart.ad_campaign_weekly
WITH weeks AS (
  SELECT week_start FROM kpi_weeks UNION SELECT week_start + 7 FROM kpi_weeks
), r AS (
  SELECT a.*, coalesce(a.channel, 'Unknown') AS ch, a.day - (extract(isodow FROM a.day)::int - 1) AS week_start
  FROM core.ad_campaigns a WHERE a.day IS NOT NULL
), s AS (
  -- the weeks to write and the weeks before them (for the change)
  SELECT campaign, ch AS channel, week_start, count(*) AS rows,
         count(*) FILTER (WHERE spend IS NOT NULL AND revenue IS NOT NULL) AS complete_rows, count(quality_flag) AS flagged_rows,
         coalesce(sum(impressions), 0) AS impressions, coalesce(sum(clicks), 0) AS clicks, coalesce(sum(conversions), 0) AS conversions,
         coalesce(sum(spend), 0) AS spend, sum(revenue) AS revenue,
         coalesce(sum(spend) FILTER (WHERE spend_estimated), 0) AS spend_estimated,
         coalesce(sum(revenue) FILTER (WHERE revenue_estimated), 0) AS revenue_estimated
  FROM r WHERE week_start IN (SELECT week_start FROM weeks UNION SELECT week_start - 7 FROM weeks)
  GROUP BY 1, 2, 3
), k AS (
  SELECT s.*, CASE WHEN complete_rows = rows THEN (revenue - spend) / nullif(spend, 0) END AS roi FROM s
)
SELECT k.campaign, k.channel, to_char(k.week_start, 'IYYY-"W"IW'), k.week_start, k.rows, k.complete_rows, k.flagged_rows,
       k.impressions, k.clicks, k.conversions, k.spend, k.revenue,
       k.clicks::double precision / nullif(k.impressions, 0), k.spend / nullif(k.clicks, 0), k.spend / nullif(k.conversions, 0),
       1000 * k.spend / nullif(k.impressions, 0), k.conversions::double precision / nullif(k.clicks, 0), k.roi,
       k.spend_estimated / nullif(k.spend, 0), k.revenue_estimated / nullif(k.revenue, 0),
       k.spend - prev.spend, k.revenue - prev.revenue, k.roi - prev.roi
FROM k LEFT JOIN k prev ON prev.campaign = k.campaign AND prev.channel = k.channel AND prev.week_start = k.week_start - 7
WHERE k.week_start IN (SELECT week_start FROM weeks);
