-- The settings the weekly marts were last computed with. The kpis stage recomputes only the
-- weeks with new rows, so a week computed before BASELINE_REVENUE_PER_ORDER changed would keep
-- the old baseline beside all-time marts computed with the new one; when the stored value
-- differs from the configured one (or none is stored yet), every week is recomputed.
CREATE TABLE ops.kpi_settings (
  one                         boolean PRIMARY KEY DEFAULT true CHECK (one),
  baseline_revenue_per_order  numeric NOT NULL
);
COMMENT ON TABLE ops.kpi_settings IS 'The settings mart.influencer_weekly and mart.weekly_kpis were last computed with (baseline revenue per order); a change makes the next recompute cover every week.';
