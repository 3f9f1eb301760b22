import { type RawBuilder, sql, type UpdateObject } from 'kysely';
import { type Period, previousWeek } from '../pipeline/shared/calendar.ts';
import { isEverything, normalised, type Slice, sliceHalves, sliceLabel } from '../pipeline/shared/slice.ts';
import { studentTQuantile } from '../pipeline/shared/statistics.ts';
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
  SliceTotalsRow,
  WeekRow,
} from '../report/digest-data.ts';
import { claimable } from './claims.ts';
import type { DbOrTrx } from './database.ts';
import { adFilter, creatorsOf } from './slice-sql.ts';
import type { DB } from './tables.ts';

/** Each promise's value under its name, once all have resolved; rejects with the first rejection (the others still run to their end). */
async function allOf<T extends Record<string, unknown>>(promises: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const values = await Promise.all(Object.values(promises));
  return Object.fromEntries(Object.keys(promises).map((k, i) => [k, values[i]])) as { [K in keyof T]: Awaited<T[K]> };
}

/** Reads everything a digest shows for one period, for everything or a subscription's slice (read-only). */
export async function loadDigestData(
  db: DbOrTrx,
  period: Period,
  opts: { trendWeeks: number; adPoints: number; slice?: Slice },
): Promise<DigestData> {
  const slice = normalised(opts.slice ?? {});
  const everything = isEverything(slice);
  const halves = sliceHalves(slice);
  const creators = creatorsOf(slice, halves.creators);
  const inSlice = sql`k.influencer_id IN (SELECT influencer_id FROM (${creators}) c)`;
  const ads = adFilter(slice, halves.ads);
  // The queries are independent: sent at once, a pooled store runs them side by side.
  const weeks = everything
    ? sql<WeekRow>`
        SELECT week, week_start::text AS week_start, influencers, orders, revenue, payout, roas, iroas_baseline,
               ad_campaigns, ad_spend, ad_revenue, ad_conversions, ad_roi, ad_cpa, ad_spend_change, ad_revenue_change, ad_roi_change, ad_cpa_change
        FROM mart.weekly_kpis WHERE week_start <= ${period.start}::date AND week_start > ${period.start}::date - ${7 * opts.trendWeeks}::int
        ORDER BY week_start`.execute(db)
    : sliceWeeks(db, period, opts.trendWeeks, creators, ads);
  const latest = sql<{ week: string | null }>`SELECT max(week) AS week FROM mart.weekly_kpis`.execute(db);
  const influencers = sql<InfluencerRow>`
    SELECT k.influencer_id, k.name, k.platform, k.category, k.gender, k.tier, k.orders, k.revenue, k.payout, k.payout_basis,
           k.payout_rate, k.roas, k.roi, k.engagement_rate, k.cost_per_order, k.iroas, k.iroas_method, k.iroas_baseline,
           k.iroas_holdout, k.iroas_holdout_low, k.iroas_holdout_high, k.holdout_status, k.is_loss_maker, k.loss_reasons,
           k.break_even_rate_per_order, c.label AS cluster, s.p_profitable
    FROM mart.influencer_kpis k
    LEFT JOIN mart.influencer_clusters c USING (influencer_id)
    LEFT JOIN mart.influencer_scores s USING (influencer_id)
    WHERE ${inSlice}
    ORDER BY k.revenue DESC, k.influencer_id`.execute(db);
  const lossMakers = sql<LossMakerRow>`
    SELECT influencer_id, name, platform, category, roas, iroas, iroas_method, payout, revenue, loss_reasons, recommended_action
    FROM mart.loss_makers k WHERE ${inSlice} ORDER BY payout - revenue DESC, influencer_id`.execute(db);
  const adCampaigns = sql<AdCampaignRow>`
    SELECT campaign, channel, first_day::text AS first_day, last_day::text AS last_day, impressions, clicks, conversions, spend, revenue,
           ctr, cpc, cpa, conversion_rate, roi, spend_estimated_share, revenue_estimated_share, flagged_rows
    FROM mart.ad_campaign_totals WHERE ${ads} ORDER BY spend DESC, campaign, channel`.execute(db);
  const adChannels = everything
    ? sql<AdChannelRow>`SELECT channel, campaigns, spend, revenue, roi, cpa FROM mart.ad_channel_kpis ORDER BY spend DESC, channel`.execute(
        db,
      )
    : // mart.ad_channel_kpis' ratios of sums, over the slice's campaigns only.
      sql<AdChannelRow>`
        SELECT channel, count(*) AS campaigns, sum(spend) AS spend, sum(revenue) AS revenue,
               CASE WHEN sum(complete_rows) = sum(rows) THEN (sum(revenue) - sum(spend)) / nullif(sum(spend), 0) END::float8 AS roi,
               (sum(spend) / nullif(sum(conversions), 0))::float8 AS cpa
        FROM mart.ad_campaign_totals WHERE ${ads} GROUP BY channel ORDER BY sum(spend) DESC, channel`.execute(db);
  // The dimension marts' rows: read as they are for everything, recomputed over a slice's creators.
  const dim = (key: 'platform' | 'category' | 'product') =>
    everything
      ? sql<DimRow>`SELECT ${sql.ref(key)} AS key, revenue, payout, orders, roas, loss_makers, loss
                    FROM ${sql.table(`mart.${key}_kpis`)} ORDER BY revenue DESC, key`.execute(db)
      : key === 'product'
        ? sql<DimRow>`
            SELECT m.product AS key, sum(m.revenue) AS revenue,
                   round(coalesce(sum(k.payout * m.orders / nullif(k.orders, 0)), 0), 2) AS payout, sum(m.orders) AS orders,
                   sum(m.revenue) / nullif(sum(k.payout * m.orders / nullif(k.orders, 0)), 0) AS roas,
                   count(*) FILTER (WHERE k.is_loss_maker) AS loss_makers,
                   round(coalesce(sum(greatest(k.payout * m.orders / nullif(k.orders, 0) - m.revenue, 0)) FILTER (WHERE k.is_loss_maker), 0), 2) AS loss
            FROM core.orders_product m JOIN mart.influencer_kpis k USING (influencer_id)
            WHERE ${inSlice} AND (${slice.product ?? null}::text[] IS NULL OR m.product = ANY(${slice.product ?? null}::text[]))
            GROUP BY 1 ORDER BY 2 DESC, 1`.execute(db)
        : sql<DimRow>`
            SELECT coalesce(${sql.ref(`k.${key}`)}, 'Unknown') AS key, sum(c.revenue) AS revenue, round(sum(c.payout), 2) AS payout,
                   sum(c.orders) AS orders, sum(c.revenue) / nullif(sum(c.payout), 0) AS roas,
                   count(*) FILTER (WHERE k.is_loss_maker) AS loss_makers,
                   round(coalesce(sum(greatest(c.payout - c.revenue, 0)) FILTER (WHERE k.is_loss_maker), 0), 2) AS loss
            FROM (${creators}) c JOIN mart.influencer_kpis k USING (influencer_id) GROUP BY 1 ORDER BY 2 DESC, 1`.execute(db);
  const platforms = dim('platform');
  const categories = dim('category');
  const products = dim('product');
  const personas = everything
    ? sql<PersonaRow>`SELECT category, gender, roas FROM mart.persona_kpis ORDER BY 1, 2`.execute(db)
    : sql<PersonaRow>`
        SELECT coalesce(k.category, 'Unknown') AS category, coalesce(k.gender, 'Unknown') AS gender,
               sum(c.revenue) / nullif(sum(c.payout), 0) AS roas
        FROM (${creators}) c JOIN mart.influencer_kpis k USING (influencer_id) GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  const quality = sql<QualityRow>`
    SELECT (SELECT count(*) FROM ops.ingest_files) AS files,
           (SELECT coalesce(sum(rows_loaded), 0) FROM ops.ingest_files) AS rows_loaded,
           (SELECT coalesce(sum(rows_rejected), 0) FROM ops.ingest_files) AS rows_rejected,
           (SELECT coalesce(sum(rows_duplicate), 0) FROM ops.ingest_files) AS rows_duplicate,
           -- A digest inside a pipeline run comes before the run finishes: its KPI stage counts too.
           (SELECT to_char(max(t) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') FROM (
              SELECT finished_at AS t FROM ops.pipeline_runs WHERE state = 'succeeded'
              UNION ALL SELECT finished_at FROM ops.stage_runs WHERE stage = 'kpis' AND state = 'succeeded') r) AS last_run,
           (SELECT count(*) FROM ops.skipped_files) AS skipped_files`.execute(db);
  const q = await allOf({
    weeks,
    latest,
    influencers,
    lossMakers,
    adCampaigns,
    adChannels,
    platforms,
    categories,
    products,
    personas,
    quality,
    totals: everything || !halves.creators ? null : sliceTotals(db, creators),
    models: loadModelSummary(db),
    modelCandidates: loadModelCandidates(db),
    clusters: loadClusterSummary(db),
    adSegments: loadAdSegments(db, opts.adPoints, ads),
    next: loadNextSteps(db, everything ? null : creators),
  });
  const trend = q.weeks.rows;
  return {
    period,
    scope: {
      label: sliceLabel(slice),
      creators: halves.creators,
      ads: halves.ads,
      totals: q.totals,
      note: slice.product
        ? "the creators with orders of these products: the week's tiles, trend and lists show their whole weeks (every product); the all-time line counts only these products' orders and their share of the payout"
        : slice.campaign && halves.creators
          ? "the creators with orders in these campaigns: the week's tiles, trend and lists show their whole weeks (every campaign); the all-time line counts only these campaigns' orders and their share of the payout"
          : null,
    },
    latestWeek: q.latest.rows[0]?.week ?? null,
    week: trend.find((w) => w.week === period.label),
    previous: trend.find((w) => w.week === previousWeek(period).label),
    trend,
    influencers: q.influencers.rows,
    lossMakers: q.lossMakers.rows,
    adCampaigns: q.adCampaigns.rows,
    adChannels: q.adChannels.rows,
    platforms: q.platforms.rows,
    categories: q.categories.rows,
    products: q.products.rows,
    personas: q.personas.rows,
    quality: q.quality.rows[0]!,
    models: q.models,
    modelCandidates: q.modelCandidates,
    clusters: q.clusters,
    ...q.adSegments,
    next: q.next,
  };
}

/** The slice's weeks, as sql/kpis/2_weekly_kpis.sql builds mart.weekly_kpis for everything. */
function sliceWeeks(db: DbOrTrx, period: Period, trendWeeks: number, creators: RawBuilder<unknown>, ads: RawBuilder<unknown>) {
  // One week more than shown: the first week's change needs the week before it.
  const from = sql`${period.start}::date - ${7 * (trendWeeks + 1)}::int`;
  return sql<WeekRow>`
    WITH w AS (
      SELECT week_start, count(*) AS influencers, sum(orders) AS orders, sum(revenue) AS revenue, sum(payout) AS payout
      FROM mart.influencer_weekly WHERE influencer_id IN (SELECT influencer_id FROM (${creators}) c)
        AND week_start <= ${period.start}::date AND week_start > ${from} GROUP BY week_start
    ), a AS (
      SELECT week_start, count(DISTINCT campaign) AS ad_campaigns, sum(rows) AS ad_rows, sum(complete_rows) AS ad_complete,
             sum(spend) AS ad_spend, sum(revenue) AS ad_revenue, sum(conversions) AS ad_conversions
      FROM mart.ad_campaign_weekly WHERE ${ads} AND week_start <= ${period.start}::date AND week_start > ${from} GROUP BY week_start
    ), j AS (
      SELECT coalesce(w.week_start, a.week_start) AS week_start, coalesce(w.influencers, 0) AS influencers, coalesce(w.orders, 0) AS orders,
             coalesce(w.revenue, 0) AS revenue, coalesce(w.payout, 0) AS payout, coalesce(a.ad_campaigns, 0) AS ad_campaigns,
             coalesce(a.ad_rows, 0) AS ad_rows, coalesce(a.ad_spend, 0) AS ad_spend, a.ad_revenue, coalesce(a.ad_conversions, 0) AS ad_conversions,
             CASE WHEN a.ad_complete = a.ad_rows THEN (a.ad_revenue - a.ad_spend) / nullif(a.ad_spend, 0) END AS ad_roi,
             a.ad_spend / nullif(a.ad_conversions, 0) AS ad_cpa
      FROM w FULL JOIN a ON a.week_start = w.week_start
    ), k AS (
      SELECT j.*, revenue / nullif(payout, 0) AS roas,
             (revenue - orders * (SELECT baseline_revenue_per_order FROM ops.kpi_settings)) / nullif(payout, 0) AS iroas_baseline
      FROM j
    )
    SELECT to_char(k.week_start, 'IYYY-"W"IW') AS week, k.week_start::text AS week_start, k.influencers, k.orders, k.revenue, k.payout,
           k.roas::float8 AS roas, k.iroas_baseline::float8 AS iroas_baseline, k.ad_campaigns, k.ad_spend, k.ad_revenue, k.ad_conversions,
           k.ad_roi::float8 AS ad_roi, k.ad_cpa::float8 AS ad_cpa, k.ad_spend - q.ad_spend AS ad_spend_change,
           k.ad_revenue - q.ad_revenue AS ad_revenue_change, (k.ad_roi - q.ad_roi)::float8 AS ad_roi_change, (k.ad_cpa - q.ad_cpa)::float8 AS ad_cpa_change
    FROM k LEFT JOIN k q ON q.week_start = k.week_start - 7 AND q.ad_rows > 0 AND k.ad_rows > 0
    WHERE k.week_start > ${period.start}::date - ${7 * trendWeeks}::int
    ORDER BY k.week_start`.execute(db);
}

/**
 * The slice's all-time line: its creators' orders, revenue and payout (by w), and incremental ROAS
 * as DESIGN.md defines it for a slice: Σ incremental revenue / Σ payout of the creators with a
 * holdout, the interval from their summed variances (as sql/kpis/4_dimensions.sql and 6_portfolio_kpis.sql for the marts).
 */
async function sliceTotals(db: DbOrTrx, creators: RawBuilder<unknown>): Promise<SliceTotalsRow | null> {
  const r = await sql<SliceTotalsRow & { inc: number | null; hp: number | null; v: number | null; v2: number | null }>`
    SELECT count(*)::int AS influencers, coalesce(sum(c.orders), 0) AS orders, coalesce(sum(c.revenue), 0) AS revenue,
           coalesce(round(sum(c.payout), 2), 0) AS payout, sum(c.revenue) / nullif(sum(c.payout), 0) AS roas,
           (sum(c.revenue) - sum(c.orders) * (SELECT baseline_revenue_per_order FROM ops.kpi_settings)) / nullif(sum(c.payout), 0) AS iroas_baseline,
           count(*) FILTER (WHERE k.is_loss_maker)::int AS loss_makers,
           round(coalesce(sum(greatest(c.payout - c.revenue, 0)) FILTER (WHERE k.is_loss_maker), 0), 2) AS loss,
           sum(k.incremental_revenue * c.w) FILTER (WHERE k.incremental_revenue_se IS NOT NULL) AS inc,
           sum(c.payout) FILTER (WHERE k.incremental_revenue_se IS NOT NULL)::float8 AS hp,
           sum((k.incremental_revenue_se * c.w) ^ 2) AS v, sum((k.incremental_revenue_se * c.w) ^ 4 / nullif(k.holdout_df, 0)) AS v2
    FROM (${creators}) c JOIN mart.influencer_kpis k USING (influencer_id)`.execute(db);
  const { inc, hp, v, v2, ...totals } = r.rows[0]!;
  if (!totals.influencers) return null;
  const iroas = inc !== null && hp ? inc / hp : null;
  const df = v !== null && v2 ? v ** 2 / v2 : null;
  const half = iroas !== null && df && v !== null && hp ? (studentTQuantile(0.975, df) * Math.sqrt(v)) / hp : null;
  return {
    ...totals,
    iroas_summed: iroas,
    iroas_summed_low: iroas !== null && half !== null ? iroas - half : null,
    iroas_summed_high: iroas !== null && half !== null ? iroas + half : null,
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
async function loadAdSegments(
  db: DbOrTrx,
  points: number,
  ads: RawBuilder<unknown>,
): Promise<{ adSegments: AdSegmentRow[]; adSegmentPoints: AdSegmentPoint[] }> {
  const segments = await sql<AdSegmentRow>`
    SELECT c.label, count(*)::int AS ads,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY k.ctr) AS ctr, percentile_cont(0.5) WITHIN GROUP (ORDER BY k.cpc) AS cpc,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY k.cpa) AS cpa, percentile_cont(0.5) WITHIN GROUP (ORDER BY k.roi) AS roi
    FROM mart.ad_campaign_clusters c JOIN mart.ad_campaign_kpis k USING (ad_key)
    WHERE ${ads}
    GROUP BY c.label ORDER BY count(*) DESC, c.label`.execute(db);
  const sample = await sql<AdSegmentPoint>`
    SELECT k.cpc::float8 AS cpc, k.roi::float8 AS roi, c.label AS segment
    FROM mart.ad_campaign_clusters c JOIN mart.ad_campaign_kpis k USING (ad_key)
    WHERE k.cpc IS NOT NULL AND k.roi IS NOT NULL AND ${ads} ORDER BY md5(k.ad_key) LIMIT ${points}`.execute(db);
  return { adSegments: segments.rows, adSegmentPoints: sample.rows };
}

/**
 * Tests to run next (feasible first, then those whose interval crosses zero, fewest weeks first) and
 * money to move (in the order the moves were planned). A slice gets the plans of its creators and
 * the moves that give or receive within it; its summary is left out, since the portfolio's plan
 * placed money across slices.
 */
async function loadNextSteps(db: DbOrTrx, creators: RawBuilder<unknown> | null): Promise<NextSteps> {
  const ids = creators ? sql`(SELECT influencer_id FROM (${creators}) c)` : null;
  const plans = await sql<NextSteps['testPlans'][number]>`
    SELECT influencer_id, name, iroas_holdout, iroas_holdout_low, iroas_holdout_high, effect_basis, assumed_iroas,
           control_users_needed::float8 AS control_users_needed, exposed_users_needed::float8 AS exposed_users_needed, weeks_needed, feasible, reason
    FROM mart.test_plans WHERE ${ids ? sql`influencer_id IN ${ids}` : sql`true`}
    ORDER BY feasible DESC, iroas_holdout_low <= 0 DESC NULLS LAST, weeks_needed NULLS LAST, influencer_id`.execute(db);
  const moves = await sql<NextSteps['budgetMoves'][number]>`
    SELECT move, from_name, to_name, amount::float8 AS amount, from_iroas, to_iroas, expected_gain, expected_gain_low, expected_gain_high, basis
    FROM mart.budget_moves WHERE ${ids ? sql`(from_id IN ${ids} OR to_id IN ${ids})` : sql`true`} ORDER BY move`.execute(db);
  const summary = ids
    ? null
    : await sql<NonNullable<NextSteps['budgetSummary']>>`
        SELECT moves::float8 AS moves, amount_moved::float8 AS amount_moved, amount_unplaced::float8 AS amount_unplaced, expected_gain,
               expected_gain_low, expected_gain_high
        FROM mart.budget_summary`.execute(db);
  return { testPlans: plans.rows, budgetMoves: moves.rows, budgetSummary: summary?.rows[0] ?? null };
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

// ops.digests: one row per period, subscription and recipient (an address or a webhook URL), so a
// digest is delivered once however often its job is retried (the claim rule: src/db/claims.ts).

/** One delivery: which period, for which subscription, to whom. */
export interface DeliveryKey {
  period: string;
  subscription: string;
  recipient: string;
}

/** Recipients of a subscription this period was already delivered to (or deliberately skipped for). */
export async function deliveredRecipients(db: DbOrTrx, period: string, subscription: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ops.digests')
    .select('recipient')
    .where('period', '=', period)
    .where('subscription', '=', subscription)
    .where('state', 'in', ['sent', 'skipped'])
    .execute();
  return rows.map((d) => d.recipient);
}

/** Takes the right to send to one recipient; false when it was sent or is being sent by another process. */
export async function claimDelivery(
  db: DbOrTrx,
  d: DeliveryKey & { runId: string; channel: 'email' | 'webhook'; subject: string; html: string | null; resend: boolean },
): Promise<boolean> {
  const r = await sql`
    INSERT INTO ops.digests AS d (period, subscription, recipient, channel, run_id, state, subject, html, attempts)
    VALUES (${d.period}, ${d.subscription}, ${d.recipient}, ${d.channel}, ${d.runId}, 'sending', ${d.subject}, ${d.html}, 1)
    ON CONFLICT (period, subscription, recipient) DO UPDATE SET state = 'sending', subject = excluded.subject, html = excluded.html,
      run_id = excluded.run_id, attempts = d.attempts + 1, claimed_at = now(), error = NULL
    WHERE ${claimable(d.runId)} OR (${d.resend} AND d.state IN ('sent', 'skipped'))
    RETURNING 1`.execute(db);
  return r.rows.length > 0;
}

// Only the claim's holder settles it: a run whose claim was taken over must not turn another's
// 'sent' back into 'failed' (which would send again).
export async function markDelivered(db: DbOrTrx, d: DeliveryKey & { runId: string }, messageId: string | null): Promise<void> {
  await settle(db, d, { state: 'sent', message_id: messageId, sent_at: sql`now()`, error: null });
}

export async function markDeliveryFailed(db: DbOrTrx, d: DeliveryKey & { runId: string }, error: string): Promise<void> {
  await settle(db, d, { state: 'failed', error });
}

async function settle(db: DbOrTrx, d: DeliveryKey & { runId: string }, set: UpdateObject<DB, 'ops.digests'>): Promise<void> {
  await db
    .updateTable('ops.digests')
    .set(set)
    .where('period', '=', d.period)
    .where('subscription', '=', d.subscription)
    .where('recipient', '=', d.recipient)
    .where('state', '=', 'sending')
    .where('run_id', '=', d.runId)
    .execute();
}

/** Deliveries of this period and subscription that another, still running, run holds: neither sent nor ours to send. */
export async function heldDeliveries(db: DbOrTrx, period: string, subscription: string, channel: 'email' | 'webhook'): Promise<string[]> {
  const rows = await db
    .selectFrom('ops.digests')
    .select('recipient')
    .where('period', '=', period)
    .where('subscription', '=', subscription)
    .where('channel', '=', channel)
    .where('state', '=', 'sending')
    .execute();
  return rows.map((r) => r.recipient);
}
