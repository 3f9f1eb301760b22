-- Issue 17: an influencer with a ROAS is scored out of fold (by the cross-validation model that
-- never saw its outcome), not by the final model fitted on it, whose in-sample score flatters;
-- only influencers without a ROAS get the final model's prediction. score_kind says which.
ALTER TABLE mart.influencer_scores
  ADD COLUMN score_kind text CHECK (score_kind IN ('out_of_fold', 'prediction'));

COMMENT ON TABLE mart.influencer_scores IS 'One row per influencer: the chosen models'' scores from pre-spend features only (platform, category, tier, followers, engagement, payout basis and rate); out of fold for influencers with a ROAS, the final model''s prediction for the rest.';
COMMENT ON COLUMN mart.influencer_scores.p_profitable IS 'Probability that ROAS > 1 from the best classifier by cross-validated AUC: out of fold or predicted, as score_kind says.';
COMMENT ON COLUMN mart.influencer_scores.predicted_roas IS 'ROAS from the best regressor by cross-validated RMSE: out of fold or predicted, as score_kind says.';
COMMENT ON COLUMN mart.influencer_scores.score_kind IS 'out_of_fold: the influencer has a ROAS and was scored by the cross-validation fold model that did not see it (an honest score, comparable to the model''s metrics); prediction: no ROAS yet, scored by the final model fitted on every influencer with one. NULL for scores written before migration 0011 (all were final-model scores, in-sample for influencers with a ROAS).';
