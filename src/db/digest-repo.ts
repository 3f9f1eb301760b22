import { sql } from 'kysely';
import { type Period, previousWeek } from '../pipeline/shared/calendar.ts';
import type {
  AdCampaignRow,
  AdChannelRow,
  AdSegmentPoint,
  AdSegmentRow,
  ClusterSummary,
  DigestData,
  DimRow,
  InfluencerRow,
  LossMakerRow,
  ModelCandidate,
  ModelSummary,
  NextSteps,
  PersonaRow,
  QualityRow,
  WeekRow,
} from '../report/digest-data.ts';
import type { DbOrTrx } from './database.ts';

/** Reads everything a digest shows for one period from the marts and ops (read-only). */
export async function loadDigestData(db: DbOrTrx, period: Period, opts: { trendWeeks: number; adPoints: number }): Promise<DigestData> {
  const weeks = await sql<WeekRow>`
    SELECT week, week_start::text AS week_start, influencers, orders, revenue, payout, roas, iroas_baseline,
           ad_campaigns, ad_spend, ad_revenue, ad_conversions, ad_roi, ad_cpa, ad_spend_change, ad_revenue_change, ad_roi_change, ad_cpa_change
    FROM mart.weekly_kpis WHERE week_start <= ${period.start}::date AND week_start > ${period.start}::date - ${7 * opts.trendWeeks}::int
    ORDER BY week_start`.execute(db);
  const week = weeks.rows.find((w) => w.week === period.label);
  const latest = await sql<{ week: string | null }>`SELECT max(week) AS week FROM mart.weekly_kpis`.execute(db);
  const previous = weeks.rows.find((w) => w.week === previousWeek(period).label);
  const influencers = await sql<InfluencerRow>`
    SELECT k.influencer_id, k.name, k.platform, k.category, k.gender, k.tier, k.orders, k.revenue, k.payout, k.payout_basis,
           k.payout_rate, k.roas, k.roi, k.engagement_rate, k.cost_per_order, k.iroas, k.iroas_method, k.iroas_baseline,
           k.iroas_holdout, k.iroas_holdout_low, k.iroas_holdout_high, k.holdout_status, k.is_loss_maker, k.loss_reasons,
           k.break_even_rate_per_order, c.label AS cluster, s.p_profitable
    FROM mart.influencer_kpis k
    LEFT JOIN mart.influencer_clusters c USING (influencer_id)
    LEFT JOIN mart.influencer_scores s USING (influencer_id)
    ORDER BY k.revenue DESC, k.influencer_id`.execute(db);
  const lossMakers = await sql<LossMakerRow>`
    SELECT influencer_id, name, platform, category, roas, iroas, iroas_method, payout, revenue, loss_reasons, recommended_action
    FROM mart.loss_makers ORDER BY payout - revenue DESC, influencer_id`.execute(db);
  const adCampaigns = await sql<AdCampaignRow>`
    SELECT campaign, channel, first_day::text AS first_day, last_day::text AS last_day, impressions, clicks, conversions, spend, revenue,
           ctr, cpc, cpa, conversion_rate, roi, spend_estimated_share, revenue_estimated_share, flagged_rows
    FROM mart.ad_campaign_totals ORDER BY spend DESC, campaign, channel`.execute(db);
  const adChannels = await sql<AdChannelRow>`
    SELECT channel, campaigns, spend, revenue, roi, cpa FROM mart.ad_channel_kpis ORDER BY spend DESC, channel`.execute(db);
  const dim = (table: string, key: string) =>
    sql<DimRow>`SELECT ${sql.ref(key)}::text AS key, revenue, payout, orders, roas, loss_makers, loss FROM ${sql.table(table)} ORDER BY revenue DESC`.execute(
      db,
    );
  const personas = await sql<PersonaRow>`SELECT category, gender, roas FROM mart.persona_kpis ORDER BY category, gender`.execute(db);
  const quality = await sql<QualityRow>`
    SELECT (SELECT count(*) FROM ops.ingest_files) AS files,
           (SELECT coalesce(sum(rows_loaded), 0) FROM ops.ingest_files) AS rows_loaded,
           (SELECT coalesce(sum(rows_rejected), 0) FROM ops.ingest_files) AS rows_rejected,
           (SELECT coalesce(sum(rows_duplicate), 0) FROM ops.ingest_files) AS rows_duplicate,
           -- A digest inside a pipeline run comes before the run finishes: its KPI stage counts too.
           (SELECT to_char(max(t) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') FROM (
              SELECT finished_at AS t FROM ops.pipeline_runs WHERE state = 'succeeded'
              UNION ALL SELECT finished_at FROM ops.stage_runs WHERE stage = 'kpis' AND state = 'succeeded') r) AS last_run,
           (SELECT count(*) FROM ops.skipped_files) AS skipped_files`.execute(db);
  return {
    period,
    latestWeek: latest.rows[0]?.week ?? null,
    week,
    previous,
    trend: weeks.rows,
    influencers: influencers.rows,
    lossMakers: lossMakers.rows,
    adCampaigns: adCampaigns.rows,
    adChannels: adChannels.rows,
    platforms: (await dim('mart.platform_kpis', 'platform')).rows,
    categories: (await dim('mart.category_kpis', 'category')).rows,
    products: (await dim('mart.product_kpis', 'product')).rows,
    personas: personas.rows,
    quality: quality.rows[0]!,
    models: await loadModelSummary(db),
    modelCandidates: await loadModelCandidates(db),
    clusters: await loadClusterSummary(db),
    ...(await loadAdSegments(db, opts.adPoints)),
    next: await loadNextSteps(db),
  };
}

/** Every candidate of each task's newest run: the headline metric (AUC, R²) and its baseline. */
async function loadModelCandidates(db: DbOrTrx): Promise<ModelCandidate[]> {
  const rows = await sql<{ entity: string; task: string; algorithm: string; metrics: Record<string, unknown>; chosen: boolean }>`
    SELECT m.entity, m.task, m.algorithm, m.metrics, m.chosen FROM ops.model_runs m
    JOIN (SELECT DISTINCT ON (entity, task) entity, task, run_id FROM ops.model_runs
          WHERE task <> 'clustering' ORDER BY entity, task, model_run_id DESC) newest USING (entity, task, run_id)
    ORDER BY m.entity, m.task, m.model_run_id`.execute(db);
  return rows.rows.map((r) => {
    const metric = r.task === 'classification' ? 'auc' : 'r2';
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return {
      task: `${r.entity.replace('_', ' ')} ${r.task}`,
      algorithm: r.algorithm.replaceAll('_', ' '),
      metric,
      value: num(r.metrics[metric]),
      baseline: num((r.metrics.baseline as Record<string, unknown> | undefined)?.[metric]),
      chosen: r.chosen,
    };
  });
}

/** The ad segments with their median KPIs, and a stable sample of ad rows for the ROI-against-CPC picture. */
async function loadAdSegments(db: DbOrTrx, points: number): Promise<{ adSegments: AdSegmentRow[]; adSegmentPoints: AdSegmentPoint[] }> {
  const segments = await sql<AdSegmentRow>`
    SELECT c.label, count(*)::int AS ads,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY k.ctr) AS ctr, percentile_cont(0.5) WITHIN GROUP (ORDER BY k.cpc) AS cpc,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY k.cpa) AS cpa, percentile_cont(0.5) WITHIN GROUP (ORDER BY k.roi) AS roi
    FROM mart.ad_campaign_clusters c JOIN mart.ad_campaign_kpis k USING (ad_key)
    GROUP BY c.label ORDER BY count(*) DESC, c.label`.execute(db);
  const sample = await sql<AdSegmentPoint>`
    SELECT k.cpc::float8 AS cpc, k.roi::float8 AS roi, c.label AS segment
    FROM mart.ad_campaign_clusters c JOIN mart.ad_campaign_kpis k USING (ad_key)
    WHERE k.cpc IS NOT NULL AND k.roi IS NOT NULL ORDER BY md5(k.ad_key) LIMIT ${points}`.execute(db);
  return { adSegments: segments.rows, adSegmentPoints: sample.rows };
}

/** Tests to run next (feasible first, then those whose interval crosses zero, fewest weeks first) and money to move (in the order the moves were planned). */
async function loadNextSteps(db: DbOrTrx): Promise<NextSteps> {
  const plans = await sql<NextSteps['testPlans'][number]>`
    SELECT influencer_id, name, iroas_holdout, iroas_holdout_low, iroas_holdout_high, effect_basis, assumed_iroas,
           control_users_needed::float8 AS control_users_needed, exposed_users_needed::float8 AS exposed_users_needed, weeks_needed, feasible, reason
    FROM mart.test_plans ORDER BY feasible DESC, iroas_holdout_low <= 0 DESC NULLS LAST, weeks_needed NULLS LAST, influencer_id`.execute(
    db,
  );
  const moves = await sql<NextSteps['budgetMoves'][number]>`
    SELECT move, from_name, to_name, amount::float8 AS amount, from_iroas, to_iroas, expected_gain, expected_gain_low, expected_gain_high, basis
    FROM mart.budget_moves ORDER BY move`.execute(db);
  const summary = await sql<NonNullable<NextSteps['budgetSummary']>>`
    SELECT moves::float8 AS moves, amount_moved::float8 AS amount_moved, amount_unplaced::float8 AS amount_unplaced, expected_gain,
           expected_gain_low, expected_gain_high
    FROM mart.budget_summary`.execute(db);
  return { testPlans: plans.rows, budgetMoves: moves.rows, budgetSummary: summary.rows[0] ?? null };
}

/** The chosen model of each task in the newest run that trained one. */
async function loadModelSummary(db: DbOrTrx): Promise<ModelSummary[]> {
  const rows = await sql<{ entity: string; task: string; algorithm: string; metrics: Record<string, unknown> }>`
    SELECT DISTINCT ON (entity, task) entity, task, algorithm, metrics FROM ops.model_runs
    WHERE chosen AND task <> 'clustering' ORDER BY entity, task, model_run_id DESC`.execute(db);
  return rows.rows.map((r) => ({
    kind: `${r.entity.replace('_', ' ')} ${r.task}`,
    algorithm: r.algorithm.replaceAll('_', ' '),
    metrics: numbersOf(r.metrics),
    baselines: numbersOf(r.metrics.baseline),
    chosen: true,
  }));
}

/** The numeric entries of a stored metrics object (nested objects such as folds are left out). */
const numbersOf = (o: unknown): Record<string, number | null> =>
  Object.fromEntries(Object.entries((o ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'number' || v === null)) as Record<
    string,
    number | null
  >;

async function loadClusterSummary(db: DbOrTrx): Promise<ClusterSummary[]> {
  const rows = await sql<{
    entity: string;
    metrics: { k: number; silhouette: number | null };
    model: { centroids: { label: string; size: number }[] };
  }>`
    SELECT DISTINCT ON (entity) entity, metrics, model FROM ops.model_runs
    WHERE task = 'clustering' AND chosen ORDER BY entity, model_run_id DESC`.execute(db);
  return rows.rows.map((r) => ({
    entity: r.entity === 'influencer' ? 'Influencer' : 'Ad campaign',
    k: r.metrics.k,
    silhouette: r.metrics.silhouette,
    labels: r.model.centroids.map((c) => ({ label: c.label, size: c.size })),
  }));
}

/** The newest ISO week with data in mart.weekly_kpis ("2026-W46"), or null. */
export async function latestWeekWithData(db: DbOrTrx): Promise<string | null> {
  const row = await db
    .selectFrom('mart.weekly_kpis')
    .select(({ fn }) => fn.max('week').as('week'))
    .executeTakeFirst();
  return row?.week ?? null;
}

// ops.digests: one row per period and recipient, so a digest is delivered once however often
// its job is retried. A claim older than this is taken to belong to a process that died while sending.
const STALE_CLAIM_MINUTES = 15;

/** Recipients this period was already delivered to (or deliberately skipped for). */
export async function deliveredRecipients(db: DbOrTrx, period: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ops.digests')
    .select('recipient')
    .where('period', '=', period)
    .where('state', 'in', ['sent', 'skipped'])
    .execute();
  return rows.map((d) => d.recipient);
}

/** Takes the right to send to one recipient; false when it was sent or is being sent by another process. */
export async function claimDelivery(
  db: DbOrTrx,
  d: { period: string; recipient: string; subject: string; html: string; resend: boolean },
): Promise<boolean> {
  const r = await sql`
    INSERT INTO ops.digests AS d (period, recipient, state, subject, html, attempts)
    VALUES (${d.period}, ${d.recipient}, 'sending', ${d.subject}, ${d.html}, 1)
    ON CONFLICT (period, recipient) DO UPDATE SET state = 'sending', subject = excluded.subject, html = excluded.html,
      attempts = d.attempts + 1, claimed_at = now(), error = NULL
    WHERE d.state = 'failed'
       OR (d.state = 'sending' AND d.claimed_at < now() - make_interval(mins => ${STALE_CLAIM_MINUTES}))
       OR (${d.resend} AND d.state IN ('sent', 'skipped'))
    RETURNING 1`.execute(db);
  return r.rows.length > 0;
}

export async function markDelivered(db: DbOrTrx, period: string, recipient: string, messageId: string): Promise<void> {
  await db
    .updateTable('ops.digests')
    .set({ state: 'sent', message_id: messageId, sent_at: sql`now()`, error: null })
    .where('period', '=', period)
    .where('recipient', '=', recipient)
    .execute();
}

export async function markDeliveryFailed(db: DbOrTrx, period: string, recipient: string, error: string): Promise<void> {
  await db
    .updateTable('ops.digests')
    .set({ state: 'failed', error })
    .where('period', '=', period)
    .where('recipient', '=', recipient)
    .execute();
}
