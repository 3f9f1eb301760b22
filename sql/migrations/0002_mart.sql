-- The BI contract: mart tables rebuilt by the kpis stage, documented column by column.

CREATE TABLE mart.influencer_kpis (
  influencer_id text PRIMARY KEY, name text NOT NULL, platform text, category text, gender text, tier text,
  followers bigint, posts bigint NOT NULL, reach bigint NOT NULL, likes bigint NOT NULL, comments bigint NOT NULL,
  engagement_rate double precision, orders bigint NOT NULL, revenue numeric(16, 2) NOT NULL,
  payout numeric(16, 2) NOT NULL, payout_basis text, payout_rate numeric(14, 2),
  roas double precision, roi double precision, cost_per_order double precision, iroas_baseline double precision,
  exposed_users bigint, control_users bigint, rpu_exposed double precision, rpu_control double precision,
  incremental_revenue double precision, iroas_holdout double precision, iroas_holdout_low double precision,
  iroas_holdout_high double precision, iroas_holdout_p double precision, holdout_status text NOT NULL,
  iroas double precision, iroas_method text, is_loss_maker boolean NOT NULL, loss_reasons text[] NOT NULL,
  break_even_rate_per_order double precision
);
COMMENT ON TABLE mart.influencer_kpis IS 'One row per influencer, all time: reach, engagement, orders, revenue, payout and the return measures (ROAS, ROI, incremental ROAS by baseline and by holdout), with the loss-maker verdict.';
COMMENT ON COLUMN mart.influencer_kpis.influencer_id IS 'Influencer id as given in the influencers export.';
COMMENT ON COLUMN mart.influencer_kpis.name IS 'Influencer name or handle.';
COMMENT ON COLUMN mart.influencer_kpis.platform IS 'Main platform (Instagram, YouTube, Twitter, ...), cleaned spelling.';
COMMENT ON COLUMN mart.influencer_kpis.category IS 'Content category (Fitness, Nutrition, Parenting, ...).';
COMMENT ON COLUMN mart.influencer_kpis.gender IS 'Influencer gender as exported.';
COMMENT ON COLUMN mart.influencer_kpis.tier IS 'Size tier (Nano < 10k, Micro < 100k, Macro < 1M, Mega) as exported, or derived from followers.';
COMMENT ON COLUMN mart.influencer_kpis.followers IS 'Follower count.';
COMMENT ON COLUMN mart.influencer_kpis.posts IS 'Number of posts loaded.';
COMMENT ON COLUMN mart.influencer_kpis.reach IS 'Sum of post reach.';
COMMENT ON COLUMN mart.influencer_kpis.likes IS 'Sum of post likes.';
COMMENT ON COLUMN mart.influencer_kpis.comments IS 'Sum of post comments.';
COMMENT ON COLUMN mart.influencer_kpis.engagement_rate IS '(likes + comments) / reach over all posts (ratio of sums); NULL when reach is 0.';
COMMENT ON COLUMN mart.influencer_kpis.orders IS 'Sum of tracked orders.';
COMMENT ON COLUMN mart.influencer_kpis.revenue IS 'Sum of tracked revenue (control and exposed groups together).';
COMMENT ON COLUMN mart.influencer_kpis.payout IS 'Total payout from the payouts export (0 when the influencer has none).';
COMMENT ON COLUMN mart.influencer_kpis.payout_basis IS 'post (pay per post) or order (pay per order).';
COMMENT ON COLUMN mart.influencer_kpis.payout_rate IS 'Rate per post or per order.';
COMMENT ON COLUMN mart.influencer_kpis.roas IS 'Return on ad spend: revenue / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.influencer_kpis.roi IS 'Return on investment: (revenue - payout) / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.influencer_kpis.cost_per_order IS 'payout / orders; NULL when orders is 0.';
COMMENT ON COLUMN mart.influencer_kpis.iroas_baseline IS 'Baseline incremental ROAS: (revenue - orders x BASELINE_REVENUE_PER_ORDER) / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.influencer_kpis.exposed_users IS 'Distinct users in the exposed group (group 1).';
COMMENT ON COLUMN mart.influencer_kpis.control_users IS 'Distinct users in the control group (group 0).';
COMMENT ON COLUMN mart.influencer_kpis.rpu_exposed IS 'Revenue per exposed user: exposed revenue / exposed users.';
COMMENT ON COLUMN mart.influencer_kpis.rpu_control IS 'Revenue per control user: control revenue / control users.';
COMMENT ON COLUMN mart.influencer_kpis.incremental_revenue IS 'Holdout incremental revenue: (rpu_exposed - rpu_control) x exposed_users.';
COMMENT ON COLUMN mart.influencer_kpis.iroas_holdout IS 'Holdout incremental ROAS: incremental_revenue / payout.';
COMMENT ON COLUMN mart.influencer_kpis.iroas_holdout_low IS 'Lower end of the 95% Welch interval of iroas_holdout (users as the unit).';
COMMENT ON COLUMN mart.influencer_kpis.iroas_holdout_high IS 'Upper end of the 95% Welch interval of iroas_holdout.';
COMMENT ON COLUMN mart.influencer_kpis.iroas_holdout_p IS 'Two-sided Welch t-test p-value for rpu_exposed = rpu_control.';
COMMENT ON COLUMN mart.influencer_kpis.holdout_status IS 'ok; underpowered (fewer than MIN_HOLDOUT_USERS users in a group); no_control (no control or no exposed users).';
COMMENT ON COLUMN mart.influencer_kpis.iroas IS 'The incremental ROAS used for decisions: holdout when holdout_status is ok, baseline when there is no control group, NULL when underpowered.';
COMMENT ON COLUMN mart.influencer_kpis.iroas_method IS 'holdout, baseline, or NULL (see iroas).';
COMMENT ON COLUMN mart.influencer_kpis.is_loss_maker IS 'true when ROAS < 1 or iroas < 0 (seed 000 rule); a holdout iroas counts as negative only when its 95% interval lies below 0.';
COMMENT ON COLUMN mart.influencer_kpis.loss_reasons IS 'Why it is a loss-maker: roas_below_1, negative_incremental_roas.';
COMMENT ON COLUMN mart.influencer_kpis.break_even_rate_per_order IS 'revenue / orders: the highest pay-per-order rate at which ROAS would still be 1.';

CREATE TABLE mart.influencer_weekly (
  influencer_id text NOT NULL, week text NOT NULL, week_start date NOT NULL,
  posts bigint NOT NULL, reach bigint NOT NULL, likes bigint NOT NULL, comments bigint NOT NULL,
  engagement_rate double precision, orders bigint NOT NULL, revenue numeric(16, 2) NOT NULL,
  payout numeric(16, 2) NOT NULL, roas double precision, roi double precision, cost_per_order double precision,
  iroas_baseline double precision,
  PRIMARY KEY (influencer_id, week_start)
);
COMMENT ON TABLE mart.influencer_weekly IS 'One row per influencer and ISO week with activity: the influencer measures for that week. Payout is allocated by basis: rate x posts in the week (per post), rate x orders in the week (per order); without a rate, total payout x the week''s share of posts or orders.';
COMMENT ON COLUMN mart.influencer_weekly.influencer_id IS 'Influencer id.';
COMMENT ON COLUMN mart.influencer_weekly.week IS 'ISO week label, e.g. 2026-W46.';
COMMENT ON COLUMN mart.influencer_weekly.week_start IS 'Monday of the ISO week.';
COMMENT ON COLUMN mart.influencer_weekly.posts IS 'Posts dated in the week.';
COMMENT ON COLUMN mart.influencer_weekly.reach IS 'Reach of those posts.';
COMMENT ON COLUMN mart.influencer_weekly.likes IS 'Likes of those posts.';
COMMENT ON COLUMN mart.influencer_weekly.comments IS 'Comments of those posts.';
COMMENT ON COLUMN mart.influencer_weekly.engagement_rate IS '(likes + comments) / reach; NULL when reach is 0.';
COMMENT ON COLUMN mart.influencer_weekly.orders IS 'Orders dated in the week.';
COMMENT ON COLUMN mart.influencer_weekly.revenue IS 'Revenue dated in the week.';
COMMENT ON COLUMN mart.influencer_weekly.payout IS 'Payout allocated to the week by basis.';
COMMENT ON COLUMN mart.influencer_weekly.roas IS 'revenue / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.influencer_weekly.roi IS '(revenue - payout) / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.influencer_weekly.cost_per_order IS 'payout / orders; NULL when orders is 0.';
COMMENT ON COLUMN mart.influencer_weekly.iroas_baseline IS '(revenue - orders x BASELINE_REVENUE_PER_ORDER) / payout; NULL when payout is 0.';

CREATE TABLE mart.weekly_kpis (
  week text NOT NULL, week_start date PRIMARY KEY, influencers bigint NOT NULL, orders bigint NOT NULL,
  revenue numeric(16, 2) NOT NULL, payout numeric(16, 2) NOT NULL, roas double precision, iroas_baseline double precision,
  revenue_change double precision, payout_change double precision, roas_change double precision, iroas_baseline_change double precision
);
COMMENT ON TABLE mart.weekly_kpis IS 'One row per ISO week: portfolio orders, revenue, allocated payout, ROAS and baseline incremental ROAS, with the change against the previous week.';
COMMENT ON COLUMN mart.weekly_kpis.week IS 'ISO week label, e.g. 2026-W46.';
COMMENT ON COLUMN mart.weekly_kpis.week_start IS 'Monday of the ISO week.';
COMMENT ON COLUMN mart.weekly_kpis.influencers IS 'Influencers with orders or posts in the week.';
COMMENT ON COLUMN mart.weekly_kpis.orders IS 'Orders in the week.';
COMMENT ON COLUMN mart.weekly_kpis.revenue IS 'Revenue in the week.';
COMMENT ON COLUMN mart.weekly_kpis.payout IS 'Payout allocated to the week (spend).';
COMMENT ON COLUMN mart.weekly_kpis.roas IS 'revenue / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.weekly_kpis.iroas_baseline IS '(revenue - orders x BASELINE_REVENUE_PER_ORDER) / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.weekly_kpis.revenue_change IS 'revenue minus the previous calendar week''s revenue (NULL when that week has no row).';
COMMENT ON COLUMN mart.weekly_kpis.payout_change IS 'payout minus the previous week''s payout.';
COMMENT ON COLUMN mart.weekly_kpis.roas_change IS 'roas minus the previous week''s roas.';
COMMENT ON COLUMN mart.weekly_kpis.iroas_baseline_change IS 'iroas_baseline minus the previous week''s.';

CREATE TABLE mart.portfolio_kpis (
  influencers bigint NOT NULL, orders bigint NOT NULL, revenue numeric(16, 2) NOT NULL, payout numeric(16, 2) NOT NULL,
  roas double precision, iroas_baseline double precision, control_users bigint, exposed_users bigint,
  control_revenue numeric(16, 2), exposed_revenue numeric(16, 2), rpu_control double precision, rpu_exposed double precision,
  incremental_revenue double precision, iroas_holdout double precision, iroas_holdout_low double precision,
  iroas_holdout_high double precision, iroas_holdout_p double precision, holdout_status text NOT NULL, loss_makers bigint NOT NULL
);
COMMENT ON TABLE mart.portfolio_kpis IS 'One row: the whole portfolio, all time, with holdout incremental ROAS over distinct users of all influencers.';
COMMENT ON COLUMN mart.portfolio_kpis.influencers IS 'Influencers loaded.';
COMMENT ON COLUMN mart.portfolio_kpis.orders IS 'Total orders.';
COMMENT ON COLUMN mart.portfolio_kpis.revenue IS 'Total revenue.';
COMMENT ON COLUMN mart.portfolio_kpis.payout IS 'Total payout.';
COMMENT ON COLUMN mart.portfolio_kpis.roas IS 'revenue / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.portfolio_kpis.iroas_baseline IS '(revenue - orders x BASELINE_REVENUE_PER_ORDER) / payout.';
COMMENT ON COLUMN mart.portfolio_kpis.control_users IS 'Distinct users in the control group.';
COMMENT ON COLUMN mart.portfolio_kpis.exposed_users IS 'Distinct users in the exposed group.';
COMMENT ON COLUMN mart.portfolio_kpis.control_revenue IS 'Revenue of the control group.';
COMMENT ON COLUMN mart.portfolio_kpis.exposed_revenue IS 'Revenue of the exposed group.';
COMMENT ON COLUMN mart.portfolio_kpis.rpu_control IS 'control_revenue / control_users.';
COMMENT ON COLUMN mart.portfolio_kpis.rpu_exposed IS 'exposed_revenue / exposed_users.';
COMMENT ON COLUMN mart.portfolio_kpis.incremental_revenue IS '(rpu_exposed - rpu_control) x exposed_users.';
COMMENT ON COLUMN mart.portfolio_kpis.iroas_holdout IS 'incremental_revenue / payout.';
COMMENT ON COLUMN mart.portfolio_kpis.iroas_holdout_low IS 'Lower end of the 95% Welch interval.';
COMMENT ON COLUMN mart.portfolio_kpis.iroas_holdout_high IS 'Upper end of the 95% Welch interval.';
COMMENT ON COLUMN mart.portfolio_kpis.iroas_holdout_p IS 'Two-sided Welch p-value.';
COMMENT ON COLUMN mart.portfolio_kpis.holdout_status IS 'ok, underpowered or no_control.';
COMMENT ON COLUMN mart.portfolio_kpis.loss_makers IS 'Number of loss-making influencers.';

CREATE TABLE mart.platform_kpis (
  platform text NOT NULL,
  influencers bigint NOT NULL,
  orders bigint NOT NULL,
  revenue numeric(16, 2) NOT NULL,
  payout numeric(16, 2) NOT NULL,
  roas double precision,
  iroas_baseline double precision,
  loss_makers bigint NOT NULL,
  loss numeric(16, 2) NOT NULL,
  reach bigint NOT NULL,
  engagement_rate double precision,
  PRIMARY KEY (platform)
);
COMMENT ON TABLE mart.platform_kpis IS 'One row per influencer platform, all time: revenue, payout, ROAS, baseline incremental ROAS and loss-makers.';
COMMENT ON COLUMN mart.platform_kpis.platform IS 'Platform (Instagram, YouTube, Twitter, ...).';
COMMENT ON COLUMN mart.platform_kpis.influencers IS 'Influencers counted in this group.';
COMMENT ON COLUMN mart.platform_kpis.orders IS 'Orders.';
COMMENT ON COLUMN mart.platform_kpis.revenue IS 'Revenue.';
COMMENT ON COLUMN mart.platform_kpis.payout IS 'Payout.';
COMMENT ON COLUMN mart.platform_kpis.roas IS 'revenue / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.platform_kpis.iroas_baseline IS '(revenue - orders x BASELINE_REVENUE_PER_ORDER) / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.platform_kpis.loss_makers IS 'Loss-making influencers in this group.';
COMMENT ON COLUMN mart.platform_kpis.loss IS 'Payout minus revenue of the loss-making influencers in this group (0 when none).';
COMMENT ON COLUMN mart.platform_kpis.reach IS 'Post reach.';
COMMENT ON COLUMN mart.platform_kpis.engagement_rate IS '(likes + comments) / reach; NULL when reach is 0.';

CREATE TABLE mart.category_kpis (
  category text NOT NULL,
  influencers bigint NOT NULL,
  orders bigint NOT NULL,
  revenue numeric(16, 2) NOT NULL,
  payout numeric(16, 2) NOT NULL,
  roas double precision,
  iroas_baseline double precision,
  loss_makers bigint NOT NULL,
  loss numeric(16, 2) NOT NULL,
  reach bigint NOT NULL,
  engagement_rate double precision,
  PRIMARY KEY (category)
);
COMMENT ON TABLE mart.category_kpis IS 'One row per influencer category, all time: revenue, payout, ROAS, baseline incremental ROAS and loss-makers.';
COMMENT ON COLUMN mart.category_kpis.category IS 'Influencer content category.';
COMMENT ON COLUMN mart.category_kpis.influencers IS 'Influencers counted in this group.';
COMMENT ON COLUMN mart.category_kpis.orders IS 'Orders.';
COMMENT ON COLUMN mart.category_kpis.revenue IS 'Revenue.';
COMMENT ON COLUMN mart.category_kpis.payout IS 'Payout.';
COMMENT ON COLUMN mart.category_kpis.roas IS 'revenue / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.category_kpis.iroas_baseline IS '(revenue - orders x BASELINE_REVENUE_PER_ORDER) / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.category_kpis.loss_makers IS 'Loss-making influencers in this group.';
COMMENT ON COLUMN mart.category_kpis.loss IS 'Payout minus revenue of the loss-making influencers in this group (0 when none).';
COMMENT ON COLUMN mart.category_kpis.reach IS 'Post reach.';
COMMENT ON COLUMN mart.category_kpis.engagement_rate IS '(likes + comments) / reach; NULL when reach is 0.';

CREATE TABLE mart.persona_kpis (
  category text NOT NULL,
  gender text NOT NULL,
  influencers bigint NOT NULL,
  orders bigint NOT NULL,
  revenue numeric(16, 2) NOT NULL,
  payout numeric(16, 2) NOT NULL,
  roas double precision,
  iroas_baseline double precision,
  loss_makers bigint NOT NULL,
  loss numeric(16, 2) NOT NULL,
  reach bigint NOT NULL,
  engagement_rate double precision,
  PRIMARY KEY (category, gender)
);
COMMENT ON TABLE mart.persona_kpis IS 'One row per persona (category x gender, seed 001), all time: revenue, payout, ROAS, baseline incremental ROAS and loss-makers.';
COMMENT ON COLUMN mart.persona_kpis.category IS 'Influencer content category.';
COMMENT ON COLUMN mart.persona_kpis.gender IS 'Influencer gender.';
COMMENT ON COLUMN mart.persona_kpis.influencers IS 'Influencers counted in this group.';
COMMENT ON COLUMN mart.persona_kpis.orders IS 'Orders.';
COMMENT ON COLUMN mart.persona_kpis.revenue IS 'Revenue.';
COMMENT ON COLUMN mart.persona_kpis.payout IS 'Payout.';
COMMENT ON COLUMN mart.persona_kpis.roas IS 'revenue / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.persona_kpis.iroas_baseline IS '(revenue - orders x BASELINE_REVENUE_PER_ORDER) / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.persona_kpis.loss_makers IS 'Loss-making influencers in this group.';
COMMENT ON COLUMN mart.persona_kpis.loss IS 'Payout minus revenue of the loss-making influencers in this group (0 when none).';
COMMENT ON COLUMN mart.persona_kpis.reach IS 'Post reach.';
COMMENT ON COLUMN mart.persona_kpis.engagement_rate IS '(likes + comments) / reach; NULL when reach is 0.';

CREATE TABLE mart.product_kpis (
  product text NOT NULL,
  influencers bigint NOT NULL,
  orders bigint NOT NULL,
  revenue numeric(16, 2) NOT NULL,
  payout numeric(16, 2) NOT NULL,
  roas double precision,
  iroas_baseline double precision,
  loss_makers bigint NOT NULL,
  loss numeric(16, 2) NOT NULL,
  PRIMARY KEY (product)
);
COMMENT ON TABLE mart.product_kpis IS 'One row per product, all time: revenue, payout, ROAS, baseline incremental ROAS and loss-makers. Payout is split over products (campaigns) by each influencer''s share of orders.';
COMMENT ON COLUMN mart.product_kpis.product IS 'Product as tracked in orders.';
COMMENT ON COLUMN mart.product_kpis.influencers IS 'Influencers counted in this group.';
COMMENT ON COLUMN mart.product_kpis.orders IS 'Orders.';
COMMENT ON COLUMN mart.product_kpis.revenue IS 'Revenue.';
COMMENT ON COLUMN mart.product_kpis.payout IS 'Payout allocated by order share.';
COMMENT ON COLUMN mart.product_kpis.roas IS 'revenue / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.product_kpis.iroas_baseline IS '(revenue - orders x BASELINE_REVENUE_PER_ORDER) / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.product_kpis.loss_makers IS 'Loss-making influencers with orders of this product.';
COMMENT ON COLUMN mart.product_kpis.loss IS 'Allocated payout minus revenue of loss-making influencers for this product, where positive (0 when none).';

CREATE TABLE mart.campaign_kpis (
  campaign text NOT NULL,
  influencers bigint NOT NULL,
  orders bigint NOT NULL,
  revenue numeric(16, 2) NOT NULL,
  payout numeric(16, 2) NOT NULL,
  roas double precision,
  iroas_baseline double precision,
  loss_makers bigint NOT NULL,
  loss numeric(16, 2) NOT NULL,
  PRIMARY KEY (campaign)
);
COMMENT ON TABLE mart.campaign_kpis IS 'One row per campaign, all time: revenue, payout, ROAS, baseline incremental ROAS and loss-makers. Payout is split over products (campaigns) by each influencer''s share of orders.';
COMMENT ON COLUMN mart.campaign_kpis.campaign IS 'Campaign as tracked in orders.';
COMMENT ON COLUMN mart.campaign_kpis.influencers IS 'Influencers counted in this group.';
COMMENT ON COLUMN mart.campaign_kpis.orders IS 'Orders.';
COMMENT ON COLUMN mart.campaign_kpis.revenue IS 'Revenue.';
COMMENT ON COLUMN mart.campaign_kpis.payout IS 'Payout allocated by order share.';
COMMENT ON COLUMN mart.campaign_kpis.roas IS 'revenue / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.campaign_kpis.iroas_baseline IS '(revenue - orders x BASELINE_REVENUE_PER_ORDER) / payout; NULL when payout is 0.';
COMMENT ON COLUMN mart.campaign_kpis.loss_makers IS 'Loss-making influencers with orders of this campaign.';
COMMENT ON COLUMN mart.campaign_kpis.loss IS 'Allocated payout minus revenue of loss-making influencers for this campaign, where positive (0 when none).';

CREATE TABLE mart.ad_campaign_kpis (
  ad_key text PRIMARY KEY,
  campaign text,
  channel text,
  category text,
  day date,
  audience text,
  impressions bigint,
  clicks bigint,
  conversions bigint,
  spend numeric(14, 2),
  revenue numeric(14, 2),
  ctr double precision,
  cpc double precision,
  cpa double precision,
  cpm double precision,
  roi double precision,
  spend_estimated boolean,
  revenue_estimated boolean
);
COMMENT ON TABLE mart.ad_campaign_kpis IS 'One row per ad-campaign row (seed 002 exports): CTR, CPC, CPA, CPM and ROI, with flags for estimated values.';
COMMENT ON COLUMN mart.ad_campaign_kpis.ad_key IS 'Key of the row: campaign:ad id, or a hash of the row when the export has no id.';
COMMENT ON COLUMN mart.ad_campaign_kpis.campaign IS 'Campaign name or id.';
COMMENT ON COLUMN mart.ad_campaign_kpis.channel IS 'Ad channel (Facebook, Google, YouTube, Instagram, ...), from the channel column or the campaign name.';
COMMENT ON COLUMN mart.ad_campaign_kpis.category IS 'Campaign category or interest.';
COMMENT ON COLUMN mart.ad_campaign_kpis.day IS 'Reporting day, when exported.';
COMMENT ON COLUMN mart.ad_campaign_kpis.audience IS 'Age and gender of the audience, when exported.';
COMMENT ON COLUMN mart.ad_campaign_kpis.impressions IS 'Impressions.';
COMMENT ON COLUMN mart.ad_campaign_kpis.clicks IS 'Clicks.';
COMMENT ON COLUMN mart.ad_campaign_kpis.conversions IS 'Conversions (orders).';
COMMENT ON COLUMN mart.ad_campaign_kpis.spend IS 'Spend (estimated when spend_estimated).';
COMMENT ON COLUMN mart.ad_campaign_kpis.revenue IS 'Revenue (estimated when revenue_estimated); NULL when neither exported nor estimable.';
COMMENT ON COLUMN mart.ad_campaign_kpis.ctr IS 'clicks / impressions; NULL when impressions is 0.';
COMMENT ON COLUMN mart.ad_campaign_kpis.cpc IS 'spend / clicks; NULL when clicks is 0.';
COMMENT ON COLUMN mart.ad_campaign_kpis.cpa IS 'spend / conversions; NULL when conversions is 0.';
COMMENT ON COLUMN mart.ad_campaign_kpis.cpm IS '1000 x spend / impressions; NULL when impressions is 0.';
COMMENT ON COLUMN mart.ad_campaign_kpis.roi IS '(revenue - spend) / spend; NULL when spend is 0 or revenue unknown.';
COMMENT ON COLUMN mart.ad_campaign_kpis.spend_estimated IS 'true when spend was estimated (CPC x clicks, CPA x conversions, or revenue / (1 + ROI)).';
COMMENT ON COLUMN mart.ad_campaign_kpis.revenue_estimated IS 'true when revenue was estimated (spend x (1 + ROI), or conversions x REVENUE_PER_CONVERSION).';

CREATE VIEW mart.loss_makers AS
SELECT influencer_id, name, platform, category, payout_basis, payout_rate, orders, revenue, payout, roas,
       iroas, iroas_method, loss_reasons, break_even_rate_per_order,
       CASE
         WHEN orders = 0 OR revenue = 0 THEN 'pause: no tracked sales for the payout'
         WHEN roas >= 1 THEN 'change product or pause: buyers reached by this influencer spend no more than they would anyway'
         WHEN payout_basis = 'post' THEN 'switch to pay-per-order at or below ' || to_char(floor(break_even_rate_per_order * 100) / 100, 'FM999,999,990.00') || ' per order'
         WHEN payout_basis = 'order' AND payout_rate > break_even_rate_per_order THEN 'cut the per-order rate to at most ' || to_char(floor(break_even_rate_per_order * 100) / 100, 'FM999,999,990.00')
         ELSE 'pause: revenue does not cover the payout'
       END AS recommended_action
FROM mart.influencer_kpis WHERE is_loss_maker;
COMMENT ON VIEW mart.loss_makers IS 'Loss-making influencers (ROAS < 1 or incremental ROAS < 0) with the reasons and a recommended action.';
COMMENT ON COLUMN mart.loss_makers.influencer_id IS 'Influencer id.';
COMMENT ON COLUMN mart.loss_makers.name IS 'Influencer name.';
COMMENT ON COLUMN mart.loss_makers.platform IS 'Platform.';
COMMENT ON COLUMN mart.loss_makers.category IS 'Category.';
COMMENT ON COLUMN mart.loss_makers.payout_basis IS 'post or order.';
COMMENT ON COLUMN mart.loss_makers.payout_rate IS 'Rate per post or order.';
COMMENT ON COLUMN mart.loss_makers.orders IS 'Orders.';
COMMENT ON COLUMN mart.loss_makers.revenue IS 'Revenue.';
COMMENT ON COLUMN mart.loss_makers.payout IS 'Payout.';
COMMENT ON COLUMN mart.loss_makers.roas IS 'revenue / payout.';
COMMENT ON COLUMN mart.loss_makers.iroas IS 'Incremental ROAS used for the verdict.';
COMMENT ON COLUMN mart.loss_makers.iroas_method IS 'holdout or baseline.';
COMMENT ON COLUMN mart.loss_makers.loss_reasons IS 'roas_below_1 and/or negative_incremental_roas.';
COMMENT ON COLUMN mart.loss_makers.break_even_rate_per_order IS 'revenue / orders: highest per-order rate with ROAS >= 1.';
COMMENT ON COLUMN mart.loss_makers.recommended_action IS 'For ROAS < 1: switch to pay-per-order at or below the break-even rate (pay per post), cut the per-order rate (pay per order above break-even), or pause (no sales, or the rate is already below break-even). For ROAS >= 1 with negative incremental ROAS: change product or pause.';

-- Read-only access for BI tools: mart and nothing else. The role cannot log in until an
-- administrator gives it a password (ALTER ROLE pulse_bi LOGIN PASSWORD '...').
-- Roles are shared by every database of the server, hence the guard against a concurrent creator.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_bi') THEN CREATE ROLE pulse_bi NOLOGIN; END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT USAGE ON SCHEMA mart TO pulse_bi;
GRANT SELECT ON ALL TABLES IN SCHEMA mart TO pulse_bi;
ALTER DEFAULT PRIVILEGES IN SCHEMA mart GRANT SELECT ON TABLES TO pulse_bi;
REVOKE ALL ON SCHEMA core, ops, staging FROM PUBLIC;

