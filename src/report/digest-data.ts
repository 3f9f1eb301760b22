// What a digest shows, as read from the marts (src/db/digest-repo.ts reads it; report renders it).
import type { Period } from '../pipeline/shared/calendar.ts';

export interface WeekRow {
  week: string;
  week_start: string;
  influencers: number;
  orders: number;
  revenue: number;
  payout: number;
  roas: number | null;
  iroas_baseline: number | null;
}
export interface InfluencerRow {
  influencer_id: string;
  name: string;
  platform: string | null;
  category: string | null;
  gender: string | null;
  tier: string | null;
  orders: number;
  revenue: number;
  payout: number;
  payout_basis: string | null;
  payout_rate: number | null;
  roas: number | null;
  roi: number | null;
  engagement_rate: number | null;
  cost_per_order: number | null;
  iroas: number | null;
  iroas_method: string | null;
  iroas_baseline: number | null;
  iroas_holdout: number | null;
  iroas_holdout_low: number | null;
  iroas_holdout_high: number | null;
  holdout_status: string;
  is_loss_maker: boolean;
  loss_reasons: string[];
  break_even_rate_per_order: number | null;
  cluster: string | null;
  p_profitable: number | null;
}
export interface LossMakerRow {
  influencer_id: string;
  name: string;
  platform: string | null;
  category: string | null;
  roas: number | null;
  iroas: number | null;
  iroas_method: string | null;
  payout: number;
  revenue: number;
  loss_reasons: string[];
  recommended_action: string;
}
export interface DimRow {
  key: string;
  revenue: number;
  payout: number;
  orders: number;
  roas: number | null;
  loss_makers: number;
  loss: number;
}
export interface PersonaRow {
  category: string;
  gender: string;
  roas: number | null;
}
export interface QualityRow {
  files: number;
  rows_loaded: number;
  rows_rejected: number;
  rows_duplicate: number;
  last_run: string | null;
  skipped_files: number;
}
export interface ModelSummary {
  kind: string;
  algorithm: string;
  metrics: Record<string, number | null>;
  chosen: boolean;
}
export interface ClusterSummary {
  entity: string;
  k: number;
  silhouette: number | null;
  labels: { label: string; size: number }[];
}

export interface DigestData {
  period: Period;
  /** The newest week with data: what an empty week's digest points to. */
  latestWeek: string | null;
  week: WeekRow | undefined;
  previous: WeekRow | undefined;
  trend: WeekRow[];
  influencers: InfluencerRow[];
  lossMakers: LossMakerRow[];
  platforms: DimRow[];
  categories: DimRow[];
  products: DimRow[];
  personas: PersonaRow[];
  quality: QualityRow;
  models: ModelSummary[];
  clusters: ClusterSummary[];
  /** What to do next: tests to run and money to move (mart.test_plans, mart.budget_moves). */
  next: NextSteps;
}

/** One row of mart.test_plans. */
export interface TestPlanRow {
  influencer_id: string;
  name: string;
  iroas_holdout: number | null;
  iroas_holdout_low: number | null;
  iroas_holdout_high: number | null;
  effect_basis: string;
  assumed_iroas: number | null;
  control_users_needed: number;
  exposed_users_needed: number;
  weeks_needed: number | null;
  feasible: boolean;
  reason: string | null;
}
/** One row of mart.budget_moves. */
export interface BudgetMoveRow {
  move: number;
  from_name: string;
  to_name: string;
  amount: number;
  from_iroas: number;
  to_iroas: number;
  expected_gain: number;
  expected_gain_low: number | null;
  expected_gain_high: number | null;
  basis: string;
}
/** mart.budget_summary's one row. */
export interface BudgetSummaryRow {
  moves: number;
  amount_moved: number;
  amount_unplaced: number;
  expected_gain: number | null;
  expected_gain_low: number | null;
  expected_gain_high: number | null;
}
export interface NextSteps {
  testPlans: TestPlanRow[];
  budgetMoves: BudgetMoveRow[];
  budgetSummary: BudgetSummaryRow | null;
}
