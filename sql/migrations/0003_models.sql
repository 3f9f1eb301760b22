-- Model scores, cluster labels and the history of every model run.
CREATE TABLE ops.model_runs (
  model_run_id bigserial PRIMARY KEY,
  run_id       text,
  entity       text NOT NULL CHECK (entity IN ('influencer', 'ad_campaign')),
  task         text NOT NULL CHECK (task IN ('classification', 'regression', 'clustering')),
  algorithm    text NOT NULL,
  params       jsonb NOT NULL DEFAULT '{}',
  metrics      jsonb NOT NULL DEFAULT '{}',
  chosen       boolean NOT NULL DEFAULT false,
  model        jsonb,
  rows         bigint,
  skipped      text,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mart.influencer_scores (
  influencer_id  text PRIMARY KEY,
  p_profitable   double precision,
  predicted_roas double precision,
  classifier_run_id bigint,
  regressor_run_id  bigint
);
COMMENT ON TABLE mart.influencer_scores IS 'One row per influencer: the chosen models'' scores from pre-spend features only (platform, category, tier, followers, engagement, payout basis and rate).';
COMMENT ON COLUMN mart.influencer_scores.influencer_id IS 'Influencer id.';
COMMENT ON COLUMN mart.influencer_scores.p_profitable IS 'Predicted probability that ROAS > 1 (best classifier by cross-validated AUC).';
COMMENT ON COLUMN mart.influencer_scores.predicted_roas IS 'Predicted ROAS (best regressor by cross-validated RMSE).';
COMMENT ON COLUMN mart.influencer_scores.classifier_run_id IS 'ops.model_runs.model_run_id of the classifier that made p_profitable.';
COMMENT ON COLUMN mart.influencer_scores.regressor_run_id IS 'ops.model_runs.model_run_id of the regressor that made predicted_roas.';

CREATE TABLE mart.influencer_clusters (
  influencer_id text PRIMARY KEY,
  cluster       integer NOT NULL,
  label         text NOT NULL,
  k             integer NOT NULL,
  silhouette    double precision,
  run_id        bigint
);
COMMENT ON TABLE mart.influencer_clusters IS 'One row per influencer: k-means segment on standardised ROAS, incremental ROAS, engagement rate and cost per order.';
COMMENT ON COLUMN mart.influencer_clusters.influencer_id IS 'Influencer id.';
COMMENT ON COLUMN mart.influencer_clusters.cluster IS 'Cluster number (0-based) within the run.';
COMMENT ON COLUMN mart.influencer_clusters.label IS 'Label generated from the cluster centroid, e.g. High ROAS – Low Cost.';
COMMENT ON COLUMN mart.influencer_clusters.k IS 'Number of clusters chosen by silhouette (2 to 8).';
COMMENT ON COLUMN mart.influencer_clusters.silhouette IS 'Mean silhouette of the chosen clustering.';
COMMENT ON COLUMN mart.influencer_clusters.run_id IS 'ops.model_runs.model_run_id of the clustering run.';

CREATE TABLE mart.ad_campaign_clusters (
  ad_key     text PRIMARY KEY,
  cluster    integer NOT NULL,
  label      text NOT NULL,
  k          integer NOT NULL,
  silhouette double precision,
  run_id     bigint
);
COMMENT ON TABLE mart.ad_campaign_clusters IS 'One row per ad-campaign row: k-means segment on standardised CTR, CPC, CPA and ROI.';
COMMENT ON COLUMN mart.ad_campaign_clusters.ad_key IS 'mart.ad_campaign_kpis.ad_key.';
COMMENT ON COLUMN mart.ad_campaign_clusters.cluster IS 'Cluster number (0-based) within the run.';
COMMENT ON COLUMN mart.ad_campaign_clusters.label IS 'Label generated from the cluster centroid, e.g. High ROI – Low Cost.';
COMMENT ON COLUMN mart.ad_campaign_clusters.k IS 'Number of clusters chosen by silhouette (2 to 8).';
COMMENT ON COLUMN mart.ad_campaign_clusters.silhouette IS 'Mean silhouette of the chosen clustering.';
COMMENT ON COLUMN mart.ad_campaign_clusters.run_id IS 'ops.model_runs.model_run_id of the clustering run.';

GRANT SELECT ON mart.influencer_scores, mart.influencer_clusters, mart.ad_campaign_clusters TO pulse_bi;
