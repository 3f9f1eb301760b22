-- Rebuilds mart.portfolio_kpis (one row). Holdout figures over distinct users come from the
-- kpis stage: $1 control_users, $2 exposed_users, $3 control_revenue, $4 exposed_revenue,
-- $5 rpu_control, $6 rpu_exposed, $7 incremental_revenue, $8 iroas, $9 low, $10 high, $11 p, $12 status.
-- Parameters: {{baseline}} revenue per order assumed without the influencer.
TRUNCATE mart.portfolio_kpis;
INSERT INTO mart.portfolio_kpis
SELECT count(*), coalesce(sum(orders), 0), coalesce(sum(revenue), 0), coalesce(sum(payout), 0),
       sum(revenue) / nullif(sum(payout), 0), (sum(revenue) - sum(orders) * {{baseline}}) / nullif(sum(payout), 0),
       $1::bigint, $2::bigint, $3::numeric, $4::numeric, $5::float8, $6::float8, $7::float8, $8::float8, $9::float8, $10::float8,
       $11::float8, $12::text, count(*) FILTER (WHERE is_loss_maker)
FROM mart.influencer_kpis;
