import { sql } from 'kysely';
import type { ClusterInput, ClusterResult } from '../pipeline/clusters/clusters.ts';
import type { EntityScore, ModelInput, TaskResult } from '../pipeline/models/train.ts';
import type { TrainingRow } from '../pipeline/shared/drift.ts';
import type { DbOrTrx } from './database.ts';

export type Entity = 'influencer' | 'ad_campaign';
export type ModelTask = 'classification' | 'regression' | 'clustering';

export interface LatestRun {
  runId: string | null;
  inputHash: string | null;
}

/** The newest recorded run of each (entity, task) of `entity`, keyed by task. */
export async function latestRuns(db: DbOrTrx, entity: Entity): Promise<Map<ModelTask, LatestRun>> {
  const rows = await sql<{ task: ModelTask; run_id: string | null; input_hash: string | null }>`
    SELECT DISTINCT ON (task) task, run_id, input_hash FROM ops.model_runs
    WHERE entity = ${entity} ORDER BY task, model_run_id DESC`.execute(db);
  return new Map(rows.rows.map((r) => [r.task, { runId: r.run_id, inputHash: r.input_hash }]));
}

export type Purpose = 'models' | 'clustering';

/** What an entity's newest models or clustering were fitted on (ops.training_sets). */
export interface TrainingSet {
  runId: string;
  inputHash: string;
  optionsHash: string;
  rows: TrainingRow[];
}

export async function fittedTrainingSet(db: DbOrTrx, entity: Entity, purpose: Purpose): Promise<TrainingSet | null> {
  const r = await sql<{ run_id: string; input_hash: string; options_hash: string; rows: TrainingRow[] }>`
    SELECT run_id, input_hash, options_hash, rows FROM ops.training_sets WHERE entity = ${entity} AND purpose = ${purpose}`.execute(db);
  const row = r.rows[0];
  return row ? { runId: row.run_id, inputHash: row.input_hash, optionsHash: row.options_hash, rows: row.rows } : null;
}

export async function saveTrainingSet(db: DbOrTrx, entity: Entity, purpose: Purpose, set: TrainingSet): Promise<void> {
  await sql`
    INSERT INTO ops.training_sets (entity, purpose, run_id, input_hash, options_hash, rows)
    VALUES (${entity}, ${purpose}, ${set.runId}, ${set.inputHash}, ${set.optionsHash}, ${JSON.stringify(set.rows)}::json)
    ON CONFLICT (entity, purpose) DO UPDATE SET run_id = excluded.run_id, input_hash = excluded.input_hash,
      options_hash = excluded.options_hash, rows = excluded.rows, fitted_at = now()`.execute(db);
}

/** Pre-spend features only: nothing derived from revenue goes in (the target is ROAS). */
export async function influencerModelInputs(db: DbOrTrx): Promise<ModelInput[]> {
  const rows = await sql<{
    id: string;
    platform: string | null;
    category: string | null;
    tier: string | null;
    gender: string | null;
    basis: string | null;
    followers: number | null;
    engagement_rate: number | null;
    rate: number | null;
    posts: number;
    roas: number | null;
  }>`
    SELECT influencer_id AS id, platform, category, tier, gender, payout_basis AS basis, followers, engagement_rate,
           payout_rate AS rate, posts, roas
    FROM mart.influencer_kpis ORDER BY influencer_id`.execute(db);
  return rows.rows.map((r) => ({
    id: r.id,
    categorical: { platform: r.platform, category: r.category, tier: r.tier, gender: r.gender, basis: r.basis },
    numeric: { followers: r.followers, engagement_rate: r.engagement_rate, rate: r.rate, posts: r.posts },
    roas: r.roas,
  }));
}

/**
 * Ad campaigns: channel and category are chosen before spending; CTR is the only rate used (seed 002).
 * A row is a campaign-day, so the campaign is the group cross-validation keeps in one fold.
 */
export async function adCampaignModelInputs(db: DbOrTrx): Promise<ModelInput[]> {
  const rows = await sql<{
    id: string;
    campaign: string;
    channel: string | null;
    category: string | null;
    audience: string | null;
    ctr: number | null;
    impressions: number | null;
    roi: number | null;
  }>`
    SELECT ad_key AS id, campaign, channel, category, audience, ctr, impressions, roi FROM mart.ad_campaign_kpis ORDER BY ad_key`.execute(
    db,
  );
  return rows.rows.map((r) => ({
    id: r.id,
    categorical: { channel: r.channel, category: r.category, audience: r.audience },
    numeric: { ctr: r.ctr, impressions: r.impressions },
    roas: r.roi === null ? null : 1 + r.roi,
    group: r.campaign,
  }));
}

export async function influencerClusterInputs(db: DbOrTrx): Promise<ClusterInput[]> {
  const rows = await sql<{
    id: string;
    roas: number | null;
    iroas: number | null;
    engagement_rate: number | null;
    cost_per_order: number | null;
  }>`
    SELECT influencer_id AS id, roas, iroas, engagement_rate, cost_per_order FROM mart.influencer_kpis
    WHERE roas IS NOT NULL ORDER BY influencer_id`.execute(db);
  return rows.rows.map(({ id, ...features }) => ({ id, features }));
}

export async function adCampaignClusterInputs(db: DbOrTrx): Promise<ClusterInput[]> {
  const rows = await sql<{ id: string; ctr: number | null; cpc: number | null; cpa: number | null; roi: number | null }>`
    SELECT ad_key AS id, ctr, cpc, cpa, roi FROM mart.ad_campaign_kpis WHERE impressions > 0 ORDER BY ad_key`.execute(db);
  return rows.rows.map(({ id, ...features }) => ({ id, features }));
}

/**
 * Records every candidate of a task; returns the model_run_id of the chosen one. params.cv names the
 * fold scheme; metrics.baseline holds each metric of a model that knows nothing over the same folds.
 */
export async function recordTask(
  db: DbOrTrx,
  runId: string,
  entity: Entity,
  task: 'classification' | 'regression',
  result: TaskResult,
  inputHash: string | null,
): Promise<number | null> {
  if ('skipped' in result) {
    await sql`INSERT INTO ops.model_runs (run_id, entity, task, algorithm, rows, skipped, input_hash) VALUES (${runId}, ${entity}, ${task}, 'none', ${result.rows}, ${result.skipped}, ${inputHash})`.execute(
      db,
    );
    return null;
  }
  let chosenId: number | null = null;
  for (const c of result.candidates) {
    const model = c.chosen ? JSON.stringify({ features: result.chosen.features, model: result.chosen.model }) : null;
    const r = await sql<{ id: number }>`
      INSERT INTO ops.model_runs (run_id, entity, task, algorithm, params, metrics, chosen, model, rows, input_hash)
      VALUES (${runId}, ${entity}, ${task}, ${c.algorithm}, ${JSON.stringify({ ...c.params, folds: result.folds, cv: result.cv })}::jsonb,
              ${JSON.stringify({ ...c.metrics, baseline: c.baseline, folds: c.foldMetrics })}::jsonb, ${c.chosen}, ${model}::jsonb, ${result.rows}, ${inputHash})
      RETURNING model_run_id AS id`.execute(db);
    if (c.chosen) chosenId = r.rows[0]!.id;
  }
  return chosenId;
}

export async function replaceInfluencerScores(
  db: DbOrTrx,
  scores: EntityScore[],
  classifierRun: number | null,
  regressorRun: number | null,
) {
  await sql`DELETE FROM mart.influencer_scores`.execute(db);
  if (!scores.length) return;
  await sql`
    INSERT INTO mart.influencer_scores (influencer_id, p_profitable, predicted_roas, classifier_run_id, regressor_run_id, score_kind)
    SELECT id, p, r, ${classifierRun}::bigint, ${regressorRun}::bigint, k
    FROM unnest(${scores.map((s) => s.id)}::text[], ${scores.map((s) => s.p_profitable)}::float8[], ${scores.map((s) => s.predicted_roas)}::float8[],
                ${scores.map((s) => s.score_kind)}::text[]) AS u(id, p, r, k)`.execute(db);
}

export async function recordClusters(
  db: DbOrTrx,
  runId: string,
  entity: Entity,
  result: ClusterResult,
  inputHash: string | null,
): Promise<number> {
  const table = entity === 'influencer' ? 'mart.influencer_clusters' : 'mart.ad_campaign_clusters';
  const key = entity === 'influencer' ? 'influencer_id' : 'ad_key';
  await sql`DELETE FROM ${sql.table(table)}`.execute(db);
  if ('skipped' in result) {
    await sql`INSERT INTO ops.model_runs (run_id, entity, task, algorithm, rows, skipped, input_hash) VALUES (${runId}, ${entity}, 'clustering', 'kmeans', ${result.rows}, ${result.skipped}, ${inputHash})`.execute(
      db,
    );
    return 0;
  }
  const { assignments, centroids, transforms, candidates, params, k, silhouette, features, dropped } = result;
  const r = await sql<{ id: number }>`
    INSERT INTO ops.model_runs (run_id, entity, task, algorithm, params, metrics, chosen, model, rows, input_hash)
    VALUES (${runId}, ${entity}, 'clustering', 'kmeans', ${JSON.stringify({ ...params, features, dropped })}::jsonb,
            ${JSON.stringify({ k, silhouette, candidates })}::jsonb, true, ${JSON.stringify({ transforms, centroids })}::jsonb, ${assignments.length}, ${inputHash})
    RETURNING model_run_id AS id`.execute(db);
  const id = r.rows[0]!.id;
  await sql`
    INSERT INTO ${sql.table(table)} (${sql.ref(key)}, cluster, label, k, silhouette, run_id)
    SELECT id, c, l, ${k}::int, ${silhouette}::float8, ${id}::bigint
    FROM unnest(${assignments.map((a) => a.id)}::text[], ${assignments.map((a) => a.cluster)}::int[], ${assignments.map((a) => a.label)}::text[]) AS u(id, c, l)`.execute(
    db,
  );
  return assignments.length;
}
