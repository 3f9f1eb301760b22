-- Issue 19: the training set each entity's models and clustering were last fitted on. The exact
-- input hash (ops.model_runs.input_hash) changes every night, since a new day moves every
-- creator's totals; the stages compare the new set with this one and refit only when it is a
-- different set or has drifted by more than MODEL_REFIT_DRIFT (src/pipeline/shared/drift.ts).
CREATE TABLE ops.training_sets (
  entity       text NOT NULL CHECK (entity IN ('influencer', 'ad_campaign')),
  purpose      text NOT NULL CHECK (purpose IN ('models', 'clustering')),
  run_id       text NOT NULL,
  input_hash   text NOT NULL,
  options_hash text NOT NULL,
  rows         json NOT NULL CHECK (json_typeof(rows) = 'array'),
  fitted_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entity, purpose)
);
COMMENT ON TABLE ops.training_sets IS 'The training set the newest models (purpose models) and clustering (purpose clustering) of each entity were fitted on, kept to measure how far later inputs drifted from it.';
COMMENT ON COLUMN ops.training_sets.entity IS 'influencer or ad_campaign.';
COMMENT ON COLUMN ops.training_sets.purpose IS 'models (classifier and regressor) or clustering.';
COMMENT ON COLUMN ops.training_sets.run_id IS 'The pipeline run that fitted them (ops.pipeline_runs.run_id).';
COMMENT ON COLUMN ops.training_sets.input_hash IS 'ops.model_runs.input_hash of that fit: the set stands for the newest runs only while theirs is this hash.';
COMMENT ON COLUMN ops.training_sets.options_hash IS 'Hash of the fitting options alone (seed, folds, learners, version): other options make a different fit.';
COMMENT ON COLUMN ops.training_sets.rows IS 'Per row, in input order: id, the values that must not change (features a score is computed from) and those that may drift (targets, outcome features).';
COMMENT ON COLUMN ops.training_sets.fitted_at IS 'When the fit was recorded.';
