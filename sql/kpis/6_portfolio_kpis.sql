-- Rebuilds mart.portfolio_kpis (one row). Holdout figures over distinct users come from the kpis stage;
-- the incremental ROAS summed over influencers is computed here:
-- @param $1 p_control_users
-- @param $2 p_exposed_users
-- @param $3 p_control_revenue
-- @param $4 p_exposed_revenue
-- @param $5 p_rpu_control
-- @param $6 p_rpu_exposed
-- @param $7 p_incremental_revenue
-- @param $8 p_iroas
-- @param $9 p_low
-- @param $10 p_high
-- @param $11 p_p
-- @param $12 p_status
-- @param $13 baseline: revenue per order assumed without the influencer (BASELINE_REVENUE_PER_ORDER)
TRUNCATE mart.portfolio_kpis;
INSERT INTO mart.portfolio_kpis
SELECT count(*), coalesce(sum(orders), 0), coalesce(sum(revenue), 0), coalesce(sum(payout), 0),
       sum(revenue) / nullif(sum(payout), 0), (sum(revenue) - sum(orders) * $13::numeric) / nullif(sum(payout), 0),
       $1::bigint, $2::bigint, $3::numeric, $4::numeric, $5::float8, $6::float8, $7::float8, $8::float8, $9::float8, $10::float8,
       $11::float8, $12::text, count(*) FILTER (WHERE is_loss_maker),
       -- the incremental ROAS summed over influencers, as sql/kpis/4_dimensions.sql sums it for the dimensions
       count(*) FILTER (WHERE held), sum(payout) FILTER (WHERE held), sum(incremental_revenue) FILTER (WHERE held),
       sqrt(sum(incremental_revenue_se ^ 2) FILTER (WHERE held)),
       sum(incremental_revenue) FILTER (WHERE held) / nullif(sum(payout) FILTER (WHERE held), 0)::float8, NULL, NULL,
       (sum(incremental_revenue_se ^ 2) FILTER (WHERE held)) ^ 2 / nullif(sum(incremental_revenue_se ^ 4 / nullif(holdout_df, 0)) FILTER (WHERE held), 0)
FROM (SELECT *, incremental_revenue_se IS NOT NULL AS held FROM mart.influencer_kpis) k;
