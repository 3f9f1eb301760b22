-- Issue 19: the nightly cycle mostly finds the training sets unchanged. Each model and clustering
-- run records a hash of its inputs; when the newest run of a task has the same hash, the models
-- and clusters stages leave the marts as they are and record nothing new.
ALTER TABLE ops.model_runs ADD COLUMN input_hash text;

COMMENT ON COLUMN ops.model_runs.input_hash IS 'Hex sha256 of what the run was computed from: the input rows as read from the mart (in id order), the seed, the cross-validation or k-means settings, every candidate''s parameters and a code version (TRAINING_VERSION in src/pipeline/models/train.ts, CLUSTERING_VERSION in src/pipeline/clusters/clusters.ts). The same on every row of one task in one run, skipped runs included. When the newest run of a task (entity, task) has the hash of today''s inputs, the stage reuses it: no training, no new rows, the marts untouched. NULL for runs before migration 0014 (never matched, so the first run after it trains).';
