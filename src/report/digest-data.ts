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
  /** Ad campaigns with rows in the week (0: none). */
  ad_campaigns: number;
  ad_spend: number;
  ad_revenue: number | null;
  ad_conversions: number;
  ad_roi: number | null;
  ad_cpa: number | null;
  /** Changes on the week before, NULL when either week has no ad rows. */
  ad_spend_change: number | null;
  ad_revenue_change: number | null;
  ad_roi_change: number | null;
  ad_cpa_change: number | null;
}
/** An ad campaign, all time (mart.ad_campaign_totals). */
export interface AdCampaignRow {
  campaign: string;
  channel: string;
  first_day: string | null;
  last_day: string | null;
  impressions: number;
  clicks: number;
  conversions: number;
  spend: number;
  revenue: number | null;
  ctr: number | null;
  cpc: number | null;
  cpa: number | null;
  conversion_rate: number | null;
  roi: number | null;
  spend_estimated_share: number | null;
  revenue_estimated_share: number | null;
  flagged_rows: number;
}
/** An ad channel, all time (mart.ad_channel_kpis). */
export interface AdChannelRow {
  channel: string;
  campaigns: number;
  spend: number;
  revenue: number | null;
  roi: number | null;
  cpa: number | null;
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
  /** The trivial baseline of each metric (majority class, AUC 0.5, the mean), where stored. */
  baselines: Record<string, number | null>;
  chosen: boolean;
}
/** An ad-campaign segment (k-means on CTR, CPC, CPA, ROI of each ad row) and its medians. */
export interface AdSegmentRow {
  label: string;
  ads: number;
  ctr: number | null;
  cpc: number | null;
  cpa: number | null;
  roi: number | null;
}
/** One ad row in the ROI-against-CPC picture. */
export interface AdSegmentPoint {
  cpc: number;
  roi: number;
  segment: string;
}
/** One candidate of a model task's newest run: its headline metric beside the trivial baseline. */
export interface ModelCandidate {
  task: string;
  algorithm: string;
  /** 'auc' for classification, 'r2' for regression. */
  metric: string;
  value: number | null;
  baseline: number | null;
  chosen: boolean;
}
export interface ClusterSummary {
  entity: string;
  k: number;
  silhouette: number | null;
  labels: { label: string; size: number }[];
}

/** The all-time figures of a subscription's slice (the mart's dimension row when the slice is one value of one key). */
export interface SliceTotalsRow {
  influencers: number;
  orders: number;
  revenue: number;
  payout: number;
  roas: number | null;
  iroas_baseline: number | null;
  loss_makers: number;
  loss: number;
  /** Σ incremental revenue / Σ payout of its creators with a holdout, and the 95% interval from their summed variances. */
  iroas_summed: number | null;
  iroas_summed_low: number | null;
  iroas_summed_high: number | null;
}
/** What part of the data a digest covers: everything, or a subscription's slice. */
export interface DigestScope {
  /** "Instagram, Fitness"; '' for everything. */
  label: string;
  /** Creators (influencer campaigns) and ad campaigns: which the slice keeps. */
  creators: boolean;
  ads: boolean;
  /** The slice's all-time figures (only for a slice with creators). */
  totals: SliceTotalsRow | null;
  /** How product and campaign slices count creators, for the reader. */
  note: string | null;
}

export interface DigestData {
  period: Period;
  scope: DigestScope;
  /** The newest week with data: what an empty week's digest points to. */
  latestWeek: string | null;
  week: WeekRow | undefined;
  previous: WeekRow | undefined;
  trend: WeekRow[];
  influencers: InfluencerRow[];
  lossMakers: LossMakerRow[];
  /** Every ad campaign, most spend first; empty without ad data. */
  adCampaigns: AdCampaignRow[];
  adChannels: AdChannelRow[];
  platforms: DimRow[];
  categories: DimRow[];
  products: DimRow[];
  personas: PersonaRow[];
  quality: QualityRow;
  models: ModelSummary[];
  /** Every candidate of each task's newest run, for the comparison chart. */
  modelCandidates: ModelCandidate[];
  clusters: ClusterSummary[];
  adSegments: AdSegmentRow[];
  /** At most AD_POINTS_SHOWN ad rows with both a CPC and a ROI (a stable sample when there are more). */
  adSegmentPoints: AdSegmentPoint[];
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
