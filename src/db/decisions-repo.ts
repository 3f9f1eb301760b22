// What to do next, rebuilt by the kpis stage after mart.influencer_kpis (issue 17): test plans for
// inconclusive holdouts (mart.test_plans) and budget moves (mart.budget_moves, mart.budget_summary).
// The arithmetic is pure (src/pipeline/kpis/test-plan.ts, budget.ts); this reads and writes.
import { sql } from 'kysely';
import { BUDGET_ASSUMPTION, type BudgetCreator, planBudget } from '../pipeline/kpis/budget.ts';
import { planTest, type TestPlan } from '../pipeline/kpis/test-plan.ts';
import type { DbOrTrx } from './database.ts';

interface PlanRow {
  influencer_id: string;
  name: string;
  holdout_status: string;
  iroas_holdout: number | null;
  iroas_holdout_low: number | null;
  iroas_holdout_high: number | null;
  control_users: number;
  exposed_users: number;
  rpu_exposed: number;
  rpu_control: number;
  payout: number;
  control_variance: number | null;
  exposed_variance: number | null;
  weeks_with_orders: number;
}

// Sample variance of revenue per user from core.holdout_stats' running sums (as kpis-repo computes it).
const variance = (g: number) =>
  sql`(SELECT CASE WHEN h.users > 1 THEN greatest((h.revenue_sq - h.revenue * h.revenue / h.users) / (h.users - 1), 0)::float8 END
       FROM core.holdout_stats h WHERE h.influencer_id = k.influencer_id AND h.grp = ${g})`;

/** Rebuilds mart.test_plans: one plan per creator whose holdout verdict is inconclusive. */
export async function writeTestPlans(db: DbOrTrx, minGroupUsers: number): Promise<number> {
  const rows = (
    await sql<PlanRow>`
      SELECT k.influencer_id, k.name, k.holdout_status, k.iroas_holdout, k.iroas_holdout_low, k.iroas_holdout_high,
             k.control_users, k.exposed_users, k.rpu_exposed, k.rpu_control, k.payout::float8 AS payout,
             ${variance(0)} AS control_variance, ${variance(1)} AS exposed_variance,
             (SELECT count(*) FROM mart.influencer_weekly w WHERE w.influencer_id = k.influencer_id AND w.orders > 0)::int AS weeks_with_orders
      FROM mart.influencer_kpis k
      WHERE k.holdout_status IN ('ok', 'underpowered') AND k.incremental_revenue_se IS NOT NULL
        AND NOT k.is_loss_maker AND (k.iroas_holdout_low IS NULL OR k.iroas_holdout_low <= 0 OR k.holdout_status = 'underpowered')
      ORDER BY k.influencer_id`.execute(db)
  ).rows;
  await sql`TRUNCATE mart.test_plans`.execute(db);
  const out: { r: PlanRow; plan: TestPlan }[] = [];
  for (const r of rows) {
    const plan = planTest({
      controlUsers: Number(r.control_users),
      exposedUsers: Number(r.exposed_users),
      controlVariance: r.control_variance ?? 0,
      exposedVariance: r.exposed_variance ?? 0,
      rpuDifference: r.rpu_exposed - r.rpu_control,
      payout: Number(r.payout),
      weeksWithOrders: Number(r.weeks_with_orders),
      minGroupUsers,
    });
    if (plan) out.push({ r, plan });
  }
  if (!out.length) return 0;
  const col = <T>(f: (x: (typeof out)[number]) => T) => out.map(f);
  await sql`
    INSERT INTO mart.test_plans
    SELECT * FROM unnest(${col((x) => x.r.influencer_id)}::text[], ${col((x) => x.r.name)}::text[], ${col((x) => x.r.holdout_status)}::text[],
                         ${col((x) => x.r.iroas_holdout)}::float8[], ${col((x) => x.r.iroas_holdout_low)}::float8[],
                         ${col((x) => x.r.iroas_holdout_high)}::float8[], ${col((x) => Number(x.r.control_users))}::bigint[],
                         ${col((x) => Number(x.r.exposed_users))}::bigint[], ${col((x) => x.plan.effect)}::float8[],
                         ${col((x) => x.plan.effectBasis)}::text[], ${col((x) => x.plan.assumedIroas)}::float8[],
                         ${col((x) => x.plan.controlUsersNeeded)}::bigint[], ${col((x) => x.plan.exposedUsersNeeded)}::bigint[],
                         ${col((x) => x.plan.power)}::float8[], ${col((x) => x.plan.usersPerWeek)}::float8[],
                         ${col((x) => x.plan.weeksNeeded)}::int[], ${col((x) => x.plan.feasible)}::bool[], ${col((x) => x.plan.reason)}::text[])`.execute(
    db,
  );
  return out.length;
}

/** Rebuilds mart.budget_moves and mart.budget_summary from mart.influencer_kpis. */
export async function writeBudgetMoves(db: DbOrTrx): Promise<number> {
  const rows = (
    await sql<{
      influencer_id: string;
      name: string;
      payout: number;
      is_loss_maker: boolean;
      holdout_status: string;
      iroas_holdout: number | null;
      iroas_holdout_low: number | null;
      incremental_revenue_se: number | null;
      holdout_df: number | null;
      iroas_negative_probability: number | null;
      loss_evidence_level: number | null;
      iroas_baseline: number | null;
    }>`
      SELECT influencer_id, name, payout::float8 AS payout, is_loss_maker, holdout_status, iroas_holdout, iroas_holdout_low,
             incremental_revenue_se, holdout_df, iroas_negative_probability, loss_evidence_level, iroas_baseline
      FROM mart.influencer_kpis ORDER BY influencer_id`.execute(db)
  ).rows;
  const creators: BudgetCreator[] = rows.map((r) => {
    const payout = Number(r.payout);
    return {
      id: r.influencer_id,
      name: r.name,
      payout,
      isLossMaker: r.is_loss_maker,
      holdoutStatus: r.holdout_status,
      iroasHoldout: r.iroas_holdout,
      iroasHoldoutLow: r.iroas_holdout_low,
      iroasSe: r.incremental_revenue_se !== null && payout > 0 ? r.incremental_revenue_se / payout : null,
      df: r.holdout_df,
      pNegative: r.iroas_negative_probability,
      lossLevel: r.loss_evidence_level ?? 1,
      iroasBaseline: r.iroas_baseline,
    };
  });
  const plan = planBudget(creators);
  await sql`TRUNCATE mart.budget_moves, mart.budget_summary`.execute(db);
  const m = plan.moves;
  if (m.length)
    await sql`
      INSERT INTO mart.budget_moves
      SELECT u.*, ${BUDGET_ASSUMPTION} FROM unnest(${m.map((x) => x.move)}::int[], ${m.map((x) => x.fromId)}::text[],
        ${m.map((x) => x.fromName)}::text[], ${m.map((x) => x.toId)}::text[], ${m.map((x) => x.toName)}::text[],
        ${m.map((x) => x.amount)}::numeric[], ${m.map((x) => x.fromIroas)}::float8[], ${m.map((x) => x.toIroas)}::float8[],
        ${m.map((x) => x.toIroasLow)}::float8[], ${m.map((x) => x.expectedGain)}::float8[], ${m.map((x) => x.expectedGainLow)}::float8[],
        ${m.map((x) => x.expectedGainHigh)}::float8[], ${m.map((x) => x.basis)}::text[]) AS u`.execute(db);
  await sql`
    INSERT INTO mart.budget_summary VALUES (${plan.givers}, ${plan.receivers}, ${m.length}, ${plan.amountMoved}, ${plan.amountUnplaced},
      ${plan.expectedGain}::float8, ${plan.expectedGainLow}::float8, ${plan.expectedGainHigh}::float8, ${BUDGET_ASSUMPTION})`.execute(db);
  return m.length;
}
