// The KPI recompute: folds new loads into the sums (sql/fold) and rebuilds the marts from them
// (sql/kpis, in file order), in one transaction under the load lock.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Logger } from '../logger.ts';
import { type GroupStats, type HoldoutResult, holdout, LOSS_PROBABILITY_LEVEL } from '../pipeline/kpis/holdout.ts';
import { studentTQuantile } from '../pipeline/shared/statistics.ts';
import type { Db, DbOrTrx } from './database.ts';
import { writeBudgetMoves, writeTestPlans } from './decisions-repo.ts';
import { takeLoadLock } from './locks.ts';
import { sqlDir } from './migrate.ts';
import { runSqlFile } from './sql-files.ts';

export interface KpiOptions {
  baselineRevenuePerOrder: number;
  minHoldoutUsers: number;
  /** Rebuild the sums derived from the orders from every order instead of folding in the new loads. */
  rebuild?: boolean;
  log?: Logger;
}

export interface KpiResult {
  weeks: number;
  influencers: number;
  full: boolean;
  folded: 'rebuilt' | 'folded' | 'current';
}

// The mart statements, run in the order of their file names.
const kpiFiles = readdirSync(join(sqlDir, 'kpis'))
  .filter((f) => f.endsWith('.sql'))
  .sort()
  .map((f) => `kpis/${f}`);

/**
 * Recomputes the marts in one transaction, so BI readers see the old numbers or the new,
 * never a mix. Weekly marts are rebuilt only for weeks with new rows (ops.kpi_dirty_weeks);
 * all-time marts are sums over the weekly ones plus the holdout statistics.
 */
export async function recomputeKpis(db: Db, opts: KpiOptions): Promise<KpiResult> {
  const baseline = Number(opts.baselineRevenuePerOrder);
  return db.transaction().execute(async (trx) => {
    // The load lock: an ingest committing mid-recompute could otherwise add rows to a week
    // this recompute has already read, and then lose that week's dirty mark below.
    await takeLoadLock(trx);
    // JIT compiles these statements for ~0.6 s (their estimates are large), then runs them in ms.
    await sql`SET LOCAL jit = off`.execute(trx);
    // a mart of influencer-weeks is grouped and joined in memory, not in batches on disk
    await sql`SET LOCAL work_mem = '64MB'`.execute(trx);
    // milliseconds per step, for the debug log
    const timings: Record<string, number> = {};
    const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await step();
      timings[name] = Math.round(performance.now() - started);
      return result;
    };
    const folded = await foldSums(trx, opts.rebuild ?? false, timed, opts.log);
    const full = folded === 'rebuilt' || (await everyWeekDirty(trx, baseline, opts.log));
    await sql`CREATE TEMP TABLE kpi_weeks (week_start date PRIMARY KEY) ON COMMIT DROP`.execute(trx);
    if (full) {
      // as the all-time marts are: a fresh table, rather than every old row left dead in it
      await sql`TRUNCATE mart.influencer_weekly, mart.ad_campaign_weekly`.execute(trx);
      await sql`INSERT INTO kpi_weeks SELECT DISTINCT week_start FROM core.orders_weekly
                UNION SELECT DISTINCT date_trunc('week', post_date)::date FROM core.posts
                UNION SELECT DISTINCT day - (extract(isodow FROM day)::int - 1) FROM core.ad_campaigns WHERE day IS NOT NULL`.execute(trx);
    } else {
      await sql`INSERT INTO kpi_weeks SELECT week_start FROM ops.kpi_dirty_weeks`.execute(trx);
    }
    const weeks = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM kpi_weeks`.execute(trx)).rows[0]!.n);
    const perInfluencer = await timed('holdouts', () => influencerHoldouts(trx, opts.minHoldoutUsers));
    const portfolio = await timed('portfolio holdout', () => portfolioHoldout(trx, opts.minHoldoutUsers));
    // every value a mart statement may use, by the names their headers give
    const values = { baseline, loss_level: LOSS_PROBABILITY_LEVEL, ...holdoutArrays(perInfluencer), ...portfolio };
    for (const file of kpiFiles) await timed(file, () => runSqlFile(trx, file, values));
    await timed('slice intervals', () => sliceIntervals(trx));
    await timed('test plans', () => writeTestPlans(trx, opts.minHoldoutUsers));
    await timed('budget moves', () => writeBudgetMoves(trx));
    opts.log?.debug({ timings }, 'kpi statements');
    await sql`DELETE FROM ops.kpi_dirty_weeks`.execute(trx);
    await sql`INSERT INTO ops.kpi_settings (baseline_revenue_per_order) VALUES (${baseline})
              ON CONFLICT (one) DO UPDATE SET baseline_revenue_per_order = excluded.baseline_revenue_per_order`.execute(trx);
    const influencers = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM mart.influencer_kpis`.execute(trx)).rows[0]!.n);
    return { weeks, influencers, full, folded };
  });
}

/**
 * Whether every week needs recomputing although the sums are current: a load changed
 * influencers or payouts (the '-infinity' mark), or the weekly marts were computed with
 * another baseline revenue per order than the configured one.
 */
async function everyWeekDirty(trx: DbOrTrx, baseline: number, log?: Logger): Promise<boolean> {
  const { rows } = await sql<{ marked: boolean; stored: string | null; same: boolean | null }>`
    SELECT EXISTS (SELECT 1 FROM ops.kpi_dirty_weeks WHERE week_start = '-infinity') AS marked,
           s.baseline_revenue_per_order::text AS stored, s.baseline_revenue_per_order = ${baseline}::numeric AS same
    FROM (SELECT true) one LEFT JOIN ops.kpi_settings s ON true`.execute(trx);
  const { marked, stored, same } = rows[0]!;
  if (!marked && stored !== null && !same)
    log?.info({ from: stored, to: Number(baseline) }, 'baseline revenue per order changed: recomputing every week');
  return marked || !same;
}

/**
 * Brings the sums derived from the orders (per week, product, campaign and user) up to the
 * newest orders load: folds in only the loads since the last fold, or rebuilds them from every
 * order (when asked, the first time, and when a crash emptied these unlogged tables).
 */
async function foldSums(
  trx: DbOrTrx,
  rebuild: boolean,
  timed: <T>(name: string, step: () => Promise<T>) => Promise<T>,
  log?: Logger,
): Promise<'rebuilt' | 'folded' | 'current'> {
  const newest = Number(
    (await sql<{ n: number }>`SELECT coalesce(max(file_id), 0) AS n FROM ops.ingest_files WHERE kind = 'orders'`.execute(trx)).rows[0]!.n,
  );
  const last = (await sql<{ file_id: number }>`SELECT file_id FROM ops.kpi_folded`.execute(trx)).rows[0]?.file_id;
  let done: 'rebuilt' | 'folded' | 'current' = 'current';
  if (rebuild || last === undefined) {
    // the one long step (about 35 s per 10 M orders on two cores), so say so before it starts
    log?.info(
      { reason: rebuild ? 'asked' : 'no sums kept yet (first run, or a crash emptied them)' },
      'building the sums behind the KPIs from every stored order',
    );
    // room for grouping every order: less of it spills to disk (all of it fits at 1 M orders)
    await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
    await timed('rebuild.sql', () => runSqlFile(trx, 'fold/rebuild.sql', { last_file: newest }));
    // (rebuild.sql lowers it for its last statement; the per-week, product and campaign sums are
    // small hash tables)
    await sql`SET LOCAL work_mem = '64MB'`.execute(trx);
    await timed('order-sums.sql', () => runSqlFile(trx, 'fold/order-sums.sql', { first_file: 0, last_file: newest }));
    done = 'rebuilt';
  } else if (newest > last) {
    await timed('order-sums.sql', () => runSqlFile(trx, 'fold/order-sums.sql', { first_file: last + 1, last_file: newest }));
    await timed('user-sums.sql', () => runSqlFile(trx, 'fold/user-sums.sql', { first_file: last + 1, last_file: newest }));
    done = 'folded';
  }
  await sql`INSERT INTO ops.kpi_folded (file_id) VALUES (${newest}) ON CONFLICT (one) DO UPDATE SET file_id = excluded.file_id`.execute(
    trx,
  );
  return done;
}

async function influencerHoldouts(db: DbOrTrx, minUsers: number) {
  const rows = await sql<{ influencer_id: string; grp: number; users: number; revenue: number; variance: number | null; payout: number }>`
    SELECT h.influencer_id, h.grp, h.users, h.revenue, ${varianceSql} AS variance, coalesce(p.total_payout, 0) AS payout
    FROM core.holdout_stats h LEFT JOIN core.payouts p USING (influencer_id)`.execute(db);
  const byInfluencer = new Map<string, { payout: number; groups: Record<number, GroupStats> }>();
  for (const r of rows.rows) {
    const entry = byInfluencer.get(r.influencer_id) ?? { payout: Number(r.payout), groups: {} };
    entry.groups[r.grp] = { users: Number(r.users), revenue: Number(r.revenue), variance: r.variance === null ? null : Number(r.variance) };
    byInfluencer.set(r.influencer_id, entry);
  }
  return [...byInfluencer].map(([id, e]) => ({ id, ...holdout(e.groups[0], e.groups[1], e.payout, minUsers) }));
}

// Sample variance of revenue per user from the running sums kept by each load.
const varianceSql = sql`CASE WHEN users > 1 THEN greatest((revenue_sq - revenue * revenue / users) / (users - 1), 0)::float8 END`;

/** The per-influencer holdout results as the parallel arrays sql/kpis/3_influencer_kpis.sql unnests. */
function holdoutArrays(rows: ({ id: string } & HoldoutResult)[]) {
  const col = <K extends keyof HoldoutResult>(k: K) => rows.map((r) => r[k]);
  return {
    h_influencer_id: rows.map((r) => r.id),
    h_exposed_users: col('exposedUsers'),
    h_control_users: col('controlUsers'),
    h_rpu_exposed: col('rpuExposed'),
    h_rpu_control: col('rpuControl'),
    h_incremental_revenue: col('incrementalRevenue'),
    h_iroas: col('iroas'),
    h_low: col('low'),
    h_high: col('high'),
    h_p: col('p'),
    h_status: col('status'),
    h_incremental_se: col('incrementalSe'),
    h_df: col('df'),
    h_p_negative: col('pNegative'),
  };
}

/** The marts with an incremental ROAS summed over influencers (sql/kpis/4_dimensions.sql, 6_portfolio_kpis.sql). */
export const SLICE_MARTS = ['portfolio_kpis', 'platform_kpis', 'category_kpis', 'persona_kpis', 'product_kpis', 'campaign_kpis'] as const;

/**
 * The 95% intervals of the slices' summed incremental ROAS: the SQL sums each influencer's
 * incremental revenue and variance and the Welch–Satterthwaite degrees of freedom; the t
 * quantile at those degrees of freedom is computed here, once per distinct value.
 */
async function sliceIntervals(trx: DbOrTrx) {
  for (const mart of SLICE_MARTS) {
    const table = sql.table(`mart.${mart}`);
    const dfs = (
      await sql<{ df: number }>`SELECT DISTINCT iroas_summed_df AS df FROM ${table} WHERE iroas_summed_df IS NOT NULL`.execute(trx)
    ).rows;
    if (!dfs.length) continue;
    const t = dfs.map((r) => studentTQuantile(0.975, Number(r.df)));
    await sql`UPDATE ${table} m SET
                iroas_summed_low = (m.incremental_revenue_summed - q.t * m.incremental_revenue_summed_se) / nullif(m.holdout_payout, 0),
                iroas_summed_high = (m.incremental_revenue_summed + q.t * m.incremental_revenue_summed_se) / nullif(m.holdout_payout, 0)
              FROM unnest(${dfs.map((r) => Number(r.df))}::float8[], ${t}::float8[]) AS q(df, t)
              WHERE m.iroas_summed_df = q.df`.execute(trx);
  }
}

/** The portfolio's holdout over distinct users, as sql/kpis/6_portfolio_kpis.sql takes it. */
async function portfolioHoldout(db: DbOrTrx, minUsers: number) {
  const rows = await sql<{ grp: number; users: number; revenue: number; variance: number | null }>`
    SELECT grp, users, revenue, ${varianceSql} AS variance FROM core.group_stats`.execute(db);
  const payout = Number((await sql<{ p: number }>`SELECT coalesce(sum(total_payout), 0) AS p FROM core.payouts`.execute(db)).rows[0]!.p);
  const g = (n: number) => {
    const r = rows.rows.find((x) => Number(x.grp) === n);
    return r && { users: Number(r.users), revenue: Number(r.revenue), variance: r.variance === null ? null : Number(r.variance) };
  };
  const h = holdout(g(0), g(1), payout, minUsers);
  return {
    p_control_users: h.controlUsers || null,
    p_exposed_users: h.exposedUsers || null,
    p_control_revenue: g(0)?.revenue ?? null,
    p_exposed_revenue: g(1)?.revenue ?? null,
    p_rpu_control: h.rpuControl,
    p_rpu_exposed: h.rpuExposed,
    p_incremental_revenue: h.incrementalRevenue,
    p_iroas: h.iroas,
    p_low: h.low,
    p_high: h.high,
    p_p: h.p,
    p_status: h.status,
  };
}
