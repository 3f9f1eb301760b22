-- Ad campaigns reach the manager (issue 16): roll-ups of the ad rows per campaign, per channel
-- and per campaign and ISO week (ratios of sums), ad spend and revenue in mart.weekly_kpis (a
-- week with only ad rows is a week with data), and a data-quality flag on ad rows an export is
-- known to report that way (conversions without the clicks to match).

ALTER TABLE core.ad_campaigns ADD COLUMN quality_flag text;
COMMENT ON COLUMN core.ad_campaigns.quality_flag IS 'Data-quality flag of a row loaded although it breaks a rule (conversions_exceed_clicks: the KAG export reports conversions without the clicks to match); NULL when clean.';
-- rows stored before this rule: any with more conversions than clicks carries the flag
UPDATE core.ad_campaigns SET quality_flag = 'conversions_exceed_clicks' WHERE conversions > clicks;

ALTER TABLE mart.ad_campaign_kpis ADD COLUMN quality_flag text;
COMMENT ON COLUMN mart.ad_campaign_kpis.quality_flag IS 'Data-quality flag (conversions_exceed_clicks: conversions reported without the clicks to match, as the KAG export does); NULL when clean.';

CREATE TABLE mart.ad_campaign_weekly (
  campaign text NOT NULL, channel text NOT NULL, week text NOT NULL, week_start date NOT NULL,
  rows bigint NOT NULL, complete_rows bigint NOT NULL, flagged_rows bigint NOT NULL,
  impressions bigint NOT NULL, clicks bigint NOT NULL, conversions bigint NOT NULL,
  spend numeric(16, 2) NOT NULL, revenue numeric(16, 2),
  ctr double precision, cpc double precision, cpa double precision, cpm double precision, conversion_rate double precision,
  roi double precision, spend_estimated_share double precision, revenue_estimated_share double precision,
  spend_change double precision, revenue_change double precision, roi_change double precision,
  PRIMARY KEY (campaign, channel, week_start)
);
COMMENT ON TABLE mart.ad_campaign_weekly IS 'One row per ad campaign and ISO week of the reporting day (rows without a day are in mart.ad_campaign_totals only): sums and ratios of sums, with the change against the campaign''s previous week. Recomputed only for weeks with new or changed rows.';
COMMENT ON COLUMN mart.ad_campaign_weekly.campaign IS 'Campaign name as exported (else its id).';
COMMENT ON COLUMN mart.ad_campaign_weekly.channel IS 'Cleaned ad channel (Facebook, Google, ...), Unknown when neither a channel column nor the campaign name tells.';
COMMENT ON COLUMN mart.ad_campaign_weekly.week IS 'ISO week label, e.g. 2026-W46.';
COMMENT ON COLUMN mart.ad_campaign_weekly.week_start IS 'Monday of the ISO week of the reporting day.';
COMMENT ON COLUMN mart.ad_campaign_weekly.rows IS 'Ad rows (one per ad and day, as exported).';
COMMENT ON COLUMN mart.ad_campaign_weekly.complete_rows IS 'Rows whose spend and revenue are both known (exported or estimated); roi needs every row complete.';
COMMENT ON COLUMN mart.ad_campaign_weekly.flagged_rows IS 'Rows loaded with a data-quality flag (see mart.ad_campaign_kpis.quality_flag).';
COMMENT ON COLUMN mart.ad_campaign_weekly.impressions IS 'Impressions.';
COMMENT ON COLUMN mart.ad_campaign_weekly.clicks IS 'Clicks.';
COMMENT ON COLUMN mart.ad_campaign_weekly.conversions IS 'Conversions (orders); rows without them count 0.';
COMMENT ON COLUMN mart.ad_campaign_weekly.spend IS 'Spend, estimated in part where spend_estimated_share > 0; rows without spend count 0.';
COMMENT ON COLUMN mart.ad_campaign_weekly.revenue IS 'Revenue of the rows that have it; NULL when no row has.';
COMMENT ON COLUMN mart.ad_campaign_weekly.ctr IS 'clicks / impressions; NULL when impressions is 0.';
COMMENT ON COLUMN mart.ad_campaign_weekly.cpc IS 'spend / clicks; NULL when clicks is 0.';
COMMENT ON COLUMN mart.ad_campaign_weekly.cpa IS 'spend / conversions; NULL when conversions is 0.';
COMMENT ON COLUMN mart.ad_campaign_weekly.cpm IS '1000 x spend / impressions; NULL when impressions is 0.';
COMMENT ON COLUMN mart.ad_campaign_weekly.conversion_rate IS 'conversions / clicks; NULL when clicks is 0 (above 1 where flagged rows report conversions without clicks).';
COMMENT ON COLUMN mart.ad_campaign_weekly.roi IS '(revenue - spend) / spend, of sums; NULL when spend is 0 or some row''s spend or revenue is unknown.';
COMMENT ON COLUMN mart.ad_campaign_weekly.spend_estimated_share IS 'Share of spend that was estimated (0 to 1); NULL when spend is 0.';
COMMENT ON COLUMN mart.ad_campaign_weekly.revenue_estimated_share IS 'Share of revenue that was estimated (0 to 1); NULL when revenue is 0 or unknown.';
COMMENT ON COLUMN mart.ad_campaign_weekly.spend_change IS 'spend minus the campaign''s spend in the previous calendar week (NULL when it had no row then).';
COMMENT ON COLUMN mart.ad_campaign_weekly.revenue_change IS 'revenue minus the previous week''s revenue.';
COMMENT ON COLUMN mart.ad_campaign_weekly.roi_change IS 'roi minus the previous week''s roi.';

CREATE TABLE mart.ad_campaign_totals (
  campaign text NOT NULL, channel text NOT NULL, first_day date, last_day date,
  rows bigint NOT NULL, complete_rows bigint NOT NULL, flagged_rows bigint NOT NULL,
  impressions bigint NOT NULL, clicks bigint NOT NULL, conversions bigint NOT NULL,
  spend numeric(16, 2) NOT NULL, revenue numeric(16, 2),
  ctr double precision, cpc double precision, cpa double precision, cpm double precision, conversion_rate double precision,
  roi double precision, spend_estimated_share double precision, revenue_estimated_share double precision,
  PRIMARY KEY (campaign, channel)
);
COMMENT ON TABLE mart.ad_campaign_totals IS 'One row per ad campaign, all time (dated and undated rows): sums and ratios of sums.';
COMMENT ON COLUMN mart.ad_campaign_totals.campaign IS 'Campaign name as exported (else its id).';
COMMENT ON COLUMN mart.ad_campaign_totals.channel IS 'Cleaned ad channel, Unknown when neither a channel column nor the campaign name tells.';
COMMENT ON COLUMN mart.ad_campaign_totals.first_day IS 'First reporting day; NULL when no row has one.';
COMMENT ON COLUMN mart.ad_campaign_totals.last_day IS 'Last reporting day; NULL when no row has one.';
COMMENT ON COLUMN mart.ad_campaign_totals.rows IS 'Ad rows.';
COMMENT ON COLUMN mart.ad_campaign_totals.complete_rows IS 'Rows whose spend and revenue are both known (exported or estimated); roi needs every row complete.';
COMMENT ON COLUMN mart.ad_campaign_totals.flagged_rows IS 'Rows loaded with a data-quality flag (see mart.ad_campaign_kpis.quality_flag).';
COMMENT ON COLUMN mart.ad_campaign_totals.impressions IS 'Impressions.';
COMMENT ON COLUMN mart.ad_campaign_totals.clicks IS 'Clicks.';
COMMENT ON COLUMN mart.ad_campaign_totals.conversions IS 'Conversions (orders); rows without them count 0.';
COMMENT ON COLUMN mart.ad_campaign_totals.spend IS 'Spend, estimated in part where spend_estimated_share > 0; rows without spend count 0.';
COMMENT ON COLUMN mart.ad_campaign_totals.revenue IS 'Revenue of the rows that have it; NULL when no row has.';
COMMENT ON COLUMN mart.ad_campaign_totals.ctr IS 'clicks / impressions; NULL when impressions is 0.';
COMMENT ON COLUMN mart.ad_campaign_totals.cpc IS 'spend / clicks; NULL when clicks is 0.';
COMMENT ON COLUMN mart.ad_campaign_totals.cpa IS 'spend / conversions; NULL when conversions is 0.';
COMMENT ON COLUMN mart.ad_campaign_totals.cpm IS '1000 x spend / impressions; NULL when impressions is 0.';
COMMENT ON COLUMN mart.ad_campaign_totals.conversion_rate IS 'conversions / clicks; NULL when clicks is 0 (above 1 where flagged rows report conversions without clicks).';
COMMENT ON COLUMN mart.ad_campaign_totals.roi IS '(revenue - spend) / spend, of sums; NULL when spend is 0 or some row''s spend or revenue is unknown.';
COMMENT ON COLUMN mart.ad_campaign_totals.spend_estimated_share IS 'Share of spend that was estimated (0 to 1); NULL when spend is 0.';
COMMENT ON COLUMN mart.ad_campaign_totals.revenue_estimated_share IS 'Share of revenue that was estimated (0 to 1); NULL when revenue is 0 or unknown.';

CREATE TABLE mart.ad_channel_kpis (
  channel text PRIMARY KEY, campaigns bigint NOT NULL,
  rows bigint NOT NULL, complete_rows bigint NOT NULL, flagged_rows bigint NOT NULL,
  impressions bigint NOT NULL, clicks bigint NOT NULL, conversions bigint NOT NULL,
  spend numeric(16, 2) NOT NULL, revenue numeric(16, 2),
  ctr double precision, cpc double precision, cpa double precision, cpm double precision, conversion_rate double precision,
  roi double precision, spend_estimated_share double precision, revenue_estimated_share double precision
);
COMMENT ON TABLE mart.ad_channel_kpis IS 'One row per ad channel, all time: sums and ratios of sums over its campaigns.';
COMMENT ON COLUMN mart.ad_channel_kpis.channel IS 'Cleaned ad channel, Unknown when neither a channel column nor the campaign name tells.';
COMMENT ON COLUMN mart.ad_channel_kpis.campaigns IS 'Campaigns on the channel.';
COMMENT ON COLUMN mart.ad_channel_kpis.rows IS 'Ad rows.';
COMMENT ON COLUMN mart.ad_channel_kpis.complete_rows IS 'Rows whose spend and revenue are both known (exported or estimated); roi needs every row complete.';
COMMENT ON COLUMN mart.ad_channel_kpis.flagged_rows IS 'Rows loaded with a data-quality flag (see mart.ad_campaign_kpis.quality_flag).';
COMMENT ON COLUMN mart.ad_channel_kpis.impressions IS 'Impressions.';
COMMENT ON COLUMN mart.ad_channel_kpis.clicks IS 'Clicks.';
COMMENT ON COLUMN mart.ad_channel_kpis.conversions IS 'Conversions (orders); rows without them count 0.';
COMMENT ON COLUMN mart.ad_channel_kpis.spend IS 'Spend, estimated in part where spend_estimated_share > 0; rows without spend count 0.';
COMMENT ON COLUMN mart.ad_channel_kpis.revenue IS 'Revenue of the rows that have it; NULL when no row has.';
COMMENT ON COLUMN mart.ad_channel_kpis.ctr IS 'clicks / impressions; NULL when impressions is 0.';
COMMENT ON COLUMN mart.ad_channel_kpis.cpc IS 'spend / clicks; NULL when clicks is 0.';
COMMENT ON COLUMN mart.ad_channel_kpis.cpa IS 'spend / conversions; NULL when conversions is 0.';
COMMENT ON COLUMN mart.ad_channel_kpis.cpm IS '1000 x spend / impressions; NULL when impressions is 0.';
COMMENT ON COLUMN mart.ad_channel_kpis.conversion_rate IS 'conversions / clicks; NULL when clicks is 0 (above 1 where flagged rows report conversions without clicks).';
COMMENT ON COLUMN mart.ad_channel_kpis.roi IS '(revenue - spend) / spend, of sums; NULL when spend is 0 or some row''s spend or revenue is unknown.';
COMMENT ON COLUMN mart.ad_channel_kpis.spend_estimated_share IS 'Share of spend that was estimated (0 to 1); NULL when spend is 0.';
COMMENT ON COLUMN mart.ad_channel_kpis.revenue_estimated_share IS 'Share of revenue that was estimated (0 to 1); NULL when revenue is 0 or unknown.';

-- A week with ad rows only is a week with data: the influencer figures are 0 there.
ALTER TABLE mart.weekly_kpis
  ADD COLUMN ad_campaigns bigint NOT NULL DEFAULT 0,
  ADD COLUMN ad_spend numeric(16, 2) NOT NULL DEFAULT 0,
  ADD COLUMN ad_revenue numeric(16, 2),
  ADD COLUMN ad_conversions bigint NOT NULL DEFAULT 0,
  ADD COLUMN ad_roi double precision,
  ADD COLUMN ad_cpa double precision,
  ADD COLUMN ad_spend_change double precision,
  ADD COLUMN ad_revenue_change double precision,
  ADD COLUMN ad_roi_change double precision,
  ADD COLUMN ad_cpa_change double precision;
COMMENT ON TABLE mart.weekly_kpis IS 'One row per ISO week with influencer or ad-campaign data: portfolio orders, revenue, allocated payout, ROAS and baseline incremental ROAS, ad spend, revenue, ROI and CPA, with the change against the previous week.';
COMMENT ON COLUMN mart.weekly_kpis.influencers IS 'Influencers with orders or posts in the week (0 in a week with ad rows only).';
COMMENT ON COLUMN mart.weekly_kpis.revenue_change IS 'revenue minus the previous calendar week''s revenue (NULL when that week has no influencer data).';
COMMENT ON COLUMN mart.weekly_kpis.ad_campaigns IS 'Ad campaigns with rows reported in the week.';
COMMENT ON COLUMN mart.weekly_kpis.ad_spend IS 'Ad spend reported in the week (sum of mart.ad_campaign_weekly.spend).';
COMMENT ON COLUMN mart.weekly_kpis.ad_revenue IS 'Ad revenue reported in the week; NULL without ad rows having revenue.';
COMMENT ON COLUMN mart.weekly_kpis.ad_conversions IS 'Ad conversions reported in the week.';
COMMENT ON COLUMN mart.weekly_kpis.ad_roi IS '(ad_revenue - ad_spend) / ad_spend; NULL when ad_spend is 0 or some ad row''s spend or revenue is unknown.';
COMMENT ON COLUMN mart.weekly_kpis.ad_cpa IS 'ad_spend / ad_conversions; NULL when ad_conversions is 0.';
COMMENT ON COLUMN mart.weekly_kpis.ad_spend_change IS 'ad_spend minus the previous calendar week''s (NULL when that week has no ad rows).';
COMMENT ON COLUMN mart.weekly_kpis.ad_revenue_change IS 'ad_revenue minus the previous week''s.';
COMMENT ON COLUMN mart.weekly_kpis.ad_roi_change IS 'ad_roi minus the previous week''s.';
COMMENT ON COLUMN mart.weekly_kpis.ad_cpa_change IS 'ad_cpa minus the previous week''s.';

GRANT SELECT ON mart.ad_campaign_weekly, mart.ad_campaign_totals, mart.ad_channel_kpis TO pulse_bi;

-- the next KPI run fills the new marts from every stored ad row
INSERT INTO ops.kpi_dirty_weeks SELECT '-infinity'::date WHERE EXISTS (SELECT 1 FROM core.ad_campaigns) ON CONFLICT DO NOTHING;
