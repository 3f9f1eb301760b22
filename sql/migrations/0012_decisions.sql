-- Decisions with their evidence (issue 17).
-- 1. The loss-maker verdict keeps the evidence it rests on: the holdout's one-sided probability that
--    the influencer's incremental ROAS is below 0 (underpowered holdouts included, with their
--    uncertainty), and the level that probability had to reach.
-- 2. Slice marts get an incremental ROAS summed over influencers (each influencer's own holdout
--    effect, never users pooled across influencers), with an interval from the summed variances.
ALTER TABLE mart.influencer_kpis
  ADD COLUMN incremental_revenue_se double precision,
  ADD COLUMN holdout_df double precision,
  ADD COLUMN iroas_negative_probability double precision,
  ADD COLUMN loss_evidence_level double precision;

COMMENT ON COLUMN mart.influencer_kpis.incremental_revenue_se IS 'Standard error of incremental_revenue: Welch standard error of rpu_exposed - rpu_control times exposed_users; its square adds up over influencers (the slice marts'' intervals). NULL without a holdout or with fewer than 2 users in a group.';
COMMENT ON COLUMN mart.influencer_kpis.holdout_df IS 'Welch-Satterthwaite degrees of freedom of incremental_revenue_se.';
COMMENT ON COLUMN mart.influencer_kpis.iroas_negative_probability IS 'One-sided probability that the true incremental ROAS is below 0, from the holdout: P(T > estimate / se) for T ~ Student t(holdout_df). Given for ok and underpowered holdouts alike (a small group gives a wide t, hence a probability near 0.5); NULL without one.';
COMMENT ON COLUMN mart.influencer_kpis.loss_evidence_level IS 'The level iroas_negative_probability had to reach for the holdout to make the influencer a loss-maker (0.75, LOSS_PROBABILITY_LEVEL: chosen by measurement against generated truth, npm run truth); NULL when no holdout probability exists.';
COMMENT ON COLUMN mart.influencer_kpis.iroas IS 'The incremental ROAS shown beside the verdict: holdout when holdout_status is ok, baseline when there is no control group, NULL when underpowered (the verdict then rests on iroas_negative_probability).';
COMMENT ON COLUMN mart.influencer_kpis.is_loss_maker IS 'true when ROAS < 1, or the holdout gives P(incremental ROAS < 0) >= loss_evidence_level (ok and underpowered holdouts), or, without a control group, the baseline incremental ROAS is below 0.';
COMMENT ON COLUMN mart.influencer_kpis.loss_reasons IS 'Why it is a loss-maker: roas_below_1; "likely losing money: N % one-sided P(iROAS < 0), holdout" (N = iroas_negative_probability, rounded down); negative_incremental_roas (baseline, no control group).';

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['portfolio_kpis', 'platform_kpis', 'category_kpis', 'persona_kpis', 'product_kpis', 'campaign_kpis'] LOOP
    EXECUTE format('ALTER TABLE mart.%I
      ADD COLUMN holdout_influencers bigint NOT NULL DEFAULT 0,
      ADD COLUMN holdout_payout numeric(16, 2),
      ADD COLUMN incremental_revenue_summed double precision,
      ADD COLUMN incremental_revenue_summed_se double precision,
      ADD COLUMN iroas_summed double precision,
      ADD COLUMN iroas_summed_low double precision,
      ADD COLUMN iroas_summed_high double precision,
      ADD COLUMN iroas_summed_df double precision', t);
    EXECUTE format($c$COMMENT ON COLUMN mart.%I.holdout_influencers IS 'Influencers with a holdout estimate and its standard error (ok or underpowered, at least 2 users per group): the ones iroas_summed adds up.'$c$, t);
    EXECUTE format($c$COMMENT ON COLUMN mart.%I.holdout_payout IS 'Payout of those influencers%s: the denominator of iroas_summed.'$c$, t,
                   CASE WHEN t IN ('product_kpis', 'campaign_kpis') THEN ', split by their share of orders' ELSE '' END);
    EXECUTE format($c$COMMENT ON COLUMN mart.%I.incremental_revenue_summed IS 'Sum of those influencers'' holdout incremental revenue%s (each influencer''s own exposed and control users; users are never pooled across influencers).'$c$, t,
                   CASE WHEN t IN ('product_kpis', 'campaign_kpis') THEN ', each split by its share of orders' ELSE '' END);
    EXECUTE format($c$COMMENT ON COLUMN mart.%I.incremental_revenue_summed_se IS 'Standard error of incremental_revenue_summed: square root of the summed variances (incremental_revenue_se squared%s).'$c$, t,
                   CASE WHEN t IN ('product_kpis', 'campaign_kpis') THEN ' times the share of orders squared' ELSE '' END);
    EXECUTE format($c$COMMENT ON COLUMN mart.%I.iroas_summed IS 'Incremental ROAS of the slice: incremental_revenue_summed / holdout_payout; NULL when that payout is 0.'$c$, t);
    EXECUTE format($c$COMMENT ON COLUMN mart.%I.iroas_summed_low IS 'Lower end of the 95%% interval of iroas_summed: (incremental_revenue_summed - t x incremental_revenue_summed_se) / holdout_payout, t the 97.5%% Student t quantile at iroas_summed_df.'$c$, t);
    EXECUTE format($c$COMMENT ON COLUMN mart.%I.iroas_summed_high IS 'Upper end of the 95%% interval of iroas_summed.'$c$, t);
    EXECUTE format($c$COMMENT ON COLUMN mart.%I.iroas_summed_df IS 'Welch-Satterthwaite degrees of freedom of the summed variance: (sum of variances)^2 / sum(variance^2 / holdout_df).'$c$, t);
  END LOOP;
END $$;

COMMENT ON TABLE mart.portfolio_kpis IS 'One row: the whole portfolio, all time. iroas_summed adds up each influencer''s holdout effect (the measure to decide on); iroas_holdout pools distinct users of all influencers into one control and one exposed group (seed 001''s published figure, kept for that comparison).';
COMMENT ON COLUMN mart.portfolio_kpis.iroas_holdout IS 'incremental_revenue / payout over users pooled across influencers (seed 001''s measure). Pooling mixes influencers with different control shares and audiences, so it is not an effect estimate: use iroas_summed.';
