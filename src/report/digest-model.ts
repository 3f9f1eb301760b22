import { csvLine } from '../pipeline/shared/csv.ts';
import { costText } from './charts.ts';
import type { AdCampaignRow, DigestData, InfluencerRow, NextSteps } from './digest-data.ts';
import { fmtChange, fmtMoney, fmtPct, fmtRatio } from './format.ts';
import { adInsights, insights } from './insights.ts';

export interface Tile {
  label: string;
  value: string;
  change: string;
  good: boolean | null;
}
export interface Winner {
  name: string;
  platform: string;
  iroas: string;
  interval: string;
  method: string;
  roas: string;
  revenue: string;
  payout: string;
}
/** `loss` is payout above revenue, '' when revenue covers the payout (a loss-maker by incremental ROAS only). */
export interface LossMaker {
  name: string;
  platform: string;
  roas: string;
  iroas: string;
  reasons: string;
  action: string;
  loss: string;
}

/** An ad campaign in the best/worst lists (all time). */
export interface AdCampaignLine {
  name: string;
  channel: string;
  roi: string;
  spend: string;
  revenue: string;
  cpa: string;
}

/** An ad segment's profile: how many ad rows, and their median KPIs. */
export interface AdSegmentLine {
  label: string;
  ads: string;
  ctr: string;
  cpc: string;
  cpa: string;
  roi: string;
}

export interface DigestModel {
  period: string;
  subject: string;
  /** The subscription's slice: its name ("Instagram, Fitness"; '' for everything), how it counts, and its all-time tiles. */
  slice: { label: string; heading: string; note: string | null; tiles: Tile[] };
  /** Which sections the data has: influencer campaigns, ad campaigns, or both. */
  influencerSection: boolean;
  adSection: boolean;
  /** Ad spend, revenue, ROI and CPA of the week, with the change on the week before. */
  adTiles: Tile[];
  /** Ad campaigns with at least the minimum spend and a ROI: the best and the worst (at most AD_CAMPAIGNS_SHOWN each). */
  adBest: AdCampaignLine[];
  adWorst: AdCampaignLine[];
  /** The ad segments (k-means on CTR, CPC, CPA, ROI) with their median KPIs, largest first. */
  adSegments: AdSegmentLine[];
  /** Every ad campaign, for the second CSV attachment; null without ad data or in an empty week. */
  campaignsCsv: string | null;
  /** No data for the week: the digest is only `notice` and the data-quality footer. */
  empty: boolean;
  notice: string | null;
  tiles: Tile[];
  winners: Winner[];
  /** The largest losses first, at most LOSS_MAKERS_SHOWN; the CSV flags every one. */
  lossMakers: LossMaker[];
  /** How many loss-makers there are in all (the heading's count). */
  lossMakersTotal: number;
  insights: string[];
  models: string[];
  footer: string;
  /** null for an empty week: there is no week to attach a leaderboard to. */
  leaderboardCsv: string | null;
  /** "Tests to run next" and "Where to move money" (issue 17). */
  next: NextStepsModel;
}

/**
 * Loss-makers listed in the mail, largest loss first: enough to act on this week, while the mail
 * stays readable and under Gmail's 102 KB clipping limit (a portfolio of 20,000 influencers had
 * 3,751 loss-makers and a 3 MB digest). The attached leaderboard flags every one.
 */
export const LOSS_MAKERS_SHOWN = 25;
/** Ad campaigns in each of the best and worst lists. */
export const AD_CAMPAIGNS_SHOWN = 3;

const reasonText: Record<string, string> = {
  roas_below_1: 'ROAS below 1',
  negative_incremental_roas: 'negative incremental ROAS',
};

/** The digest as data: everything shown, already formatted, and nothing rendered yet. */
export function buildDigestModel(d: DigestData, opts: { minWinnerSpend: number }): DigestModel {
  // "Week 29 · Instagram, Fitness": the slice is named wherever the week is.
  const week = `Week ${Number(d.period.label.slice(-2))}${d.scope.label ? ` · ${d.scope.label}` : ''}`;
  const w = d.week;
  const footer = footerText(d.quality);
  if (!w) return emptyModel(d, `${week}: no campaign data this week`, footer);
  const p = d.previous;
  const influencerSection = d.influencers.length > 0;
  const adSection = d.adCampaigns.length > 0;
  const lm = d.lossMakers.length;
  const roasChange = w.roas != null && p?.roas != null ? w.roas - p.roas : null;
  const influencerSubject = `ROAS ${fmtRatio(w.roas, 1)}${roasChange !== null ? ` (${fmtChange(roasChange, (x) => x.toFixed(1))})` : ''}, ${lm} loss-maker${lm === 1 ? '' : 's'}`;
  const adSubject = `ad ROI ${fmtPct(w.ad_roi, 0)}${w.ad_roi_change !== null ? ` (${fmtChange(w.ad_roi_change, (x) => fmtPct(x, 0))})` : ''} on ${fmtMoney(w.ad_spend)} spend`;
  const subject = `${week}: ${
    // the ad figures join the subject when the week has ad rows (a portfolio may hold old ad exports only)
    influencerSection && adSection
      ? w.ad_campaigns > 0
        ? `${influencerSubject}; ${adSubject}`
        : influencerSubject
      : influencerSection
        ? influencerSubject
        : adSubject.charAt(0).toUpperCase() + adSubject.slice(1)
  }`;
  const delta = (a: number | null | undefined, b: number | null | undefined) => (a != null && b != null ? a - b : null);
  const tiles: Tile[] = influencerSection
    ? [
        tile('Revenue', fmtMoney(w.revenue), delta(w.revenue, p?.revenue), fmtMoney, true),
        tile('Spend', fmtMoney(w.payout), delta(w.payout, p?.payout), fmtMoney, null),
        tile('ROAS', fmtRatio(w.roas), roasChange, (x) => x.toFixed(2), true),
        tile('Orders', w.orders.toLocaleString('en-US'), delta(w.orders, p?.orders), (x) => x.toLocaleString('en-US'), true),
      ]
    : [];
  const adTiles: Tile[] = adSection
    ? [
        tile('Ad spend', fmtMoney(w.ad_spend), w.ad_spend_change, fmtMoney, null),
        tile('Ad revenue', fmtMoney(w.ad_revenue), w.ad_revenue_change, fmtMoney, true),
        tile('Ad ROI', fmtPct(w.ad_roi, 0), w.ad_roi_change, (x) => fmtPct(x, 0), true),
        tile('CPA', costText(w.ad_cpa), w.ad_cpa_change, (x) => costText(x), false),
      ]
    : [];
  const winners = d.influencers
    .filter((i) => i.payout >= opts.minWinnerSpend && i.iroas !== null && !i.is_loss_maker)
    .sort((a, b) => b.iroas! - a.iroas! || a.influencer_id.localeCompare(b.influencer_id))
    .slice(0, 5)
    .map(toWinner);
  const lossMakers = d.lossMakers.slice(0, LOSS_MAKERS_SHOWN).map((l) => ({
    name: l.name,
    platform: l.platform ?? '–',
    roas: fmtRatio(l.roas),
    iroas: l.iroas === null ? '–' : `${fmtRatio(l.iroas)} (${l.iroas_method})`,
    reasons: l.loss_reasons.map((r) => reasonText[r] ?? r).join(', '),
    action: l.recommended_action,
    loss: l.payout > l.revenue ? fmtMoney(l.payout - l.revenue) : '',
  }));
  // best and worst by ROI among campaigns with enough spend to matter (the winners' minimum spend)
  const ranked = d.adCampaigns
    .filter((c) => c.spend >= opts.minWinnerSpend && c.roi !== null)
    .sort((a, b) => b.roi! - a.roi! || a.campaign.localeCompare(b.campaign));
  const adBest = ranked.slice(0, AD_CAMPAIGNS_SHOWN);
  const adWorst = ranked.slice(AD_CAMPAIGNS_SHOWN).reverse().slice(0, AD_CAMPAIGNS_SHOWN);
  return {
    period: d.period.label,
    subject,
    slice: sliceModel(d.scope),
    empty: false,
    notice: null,
    influencerSection,
    adSection,
    tiles,
    adTiles,
    winners,
    lossMakers,
    lossMakersTotal: d.lossMakers.length,
    adBest: adBest.map(toAdLine),
    adWorst: adWorst.map(toAdLine),
    adSegments: adSection ? d.adSegments.map(toSegmentLine) : [],
    insights: [...(influencerSection ? insights(d) : []), ...(adSection ? adInsights(d, opts.minWinnerSpend) : [])],
    models: modelsSummary(d),
    footer,
    leaderboardCsv: influencerSection ? leaderboardCsv(d.influencers) : null,
    campaignsCsv: adSection ? campaignsCsv(d.adCampaigns) : null,
    next: nextSteps(d.next),
  };
}

function toAdLine(c: AdCampaignRow): AdCampaignLine {
  return {
    name: c.campaign,
    channel: c.channel,
    roi: fmtPct(c.roi, 0),
    spend: fmtMoney(c.spend),
    revenue: fmtMoney(c.revenue),
    cpa: costText(c.cpa),
  };
}

function footerText(q: DigestData['quality']): string {
  const n = (v: number) => Number(v).toLocaleString('en-US');
  return `Data: ${q.files} file${q.files === 1 ? '' : 's'} loaded, ${n(q.rows_loaded)} rows, ${n(q.rows_rejected)} rejected, ${n(q.rows_duplicate)} duplicates skipped${q.skipped_files ? `, ${q.skipped_files} file(s) not recognised` : ''}. Last successful run: ${q.last_run ?? 'none yet'}.`;
}

/** A week without data: say so, point at the newest week that has some, and keep the footer. */
function emptyModel(d: DigestData, subject: string, footer: string): DigestModel {
  const p = d.period;
  const notice = `No orders, posts, payouts or ad-campaign rows were loaded for ${p.label} (${p.start} to ${p.end}). ${
    d.latestWeek
      ? `The newest week with data is ${d.latestWeek}.`
      : 'No week has data yet: the inbox has not delivered any campaign export.'
  }`;
  return {
    period: p.label,
    subject,
    slice: sliceModel(d.scope),
    empty: true,
    notice,
    influencerSection: false,
    adSection: false,
    tiles: [],
    adTiles: [],
    winners: [],
    lossMakers: [],
    lossMakersTotal: 0,
    adBest: [],
    adWorst: [],
    adSegments: [],
    insights: [],
    models: [],
    footer,
    leaderboardCsv: null,
    campaignsCsv: null,
    next: { tests: [], testsTotal: 0, testsFeasible: 0, moves: [], movesTotal: 0, moneySummary: null },
  };
}

/** The slice's all-time line (no week-over-week change: all time has no week before). */
function sliceModel(scope: DigestData['scope']): DigestModel['slice'] {
  const t = scope.totals;
  const ratio = (x: number | null) => fmtRatio(x);
  const fmtNumber = (x: number) => Number(x).toLocaleString('en-US');
  const tiles: Tile[] = t
    ? [
        { label: 'Revenue', value: fmtMoney(t.revenue), change: '', good: null },
        { label: 'Payout', value: fmtMoney(t.payout), change: '', good: null },
        { label: 'ROAS', value: ratio(t.roas), change: '', good: null },
        {
          label: 'Incremental ROAS',
          value: ratio(t.iroas_summed ?? t.iroas_baseline),
          change:
            t.iroas_summed === null
              ? 'baseline estimate: no control group'
              : t.iroas_summed_low !== null && t.iroas_summed_high !== null
                ? `95% CI ${t.iroas_summed_low.toFixed(2)} to ${t.iroas_summed_high.toFixed(2)}`
                : '',
          good: null,
        },
      ]
    : [];
  const heading = t
    ? `All time · ${scope.label}: ${t.influencers.toLocaleString('en-US')} creator${t.influencers === 1 ? '' : 's'}, ${t.loss_makers} loss-maker${t.loss_makers === 1 ? '' : 's'}, ${fmtNumber(t.orders)} orders`
    : '';
  return { label: scope.label, heading, note: scope.note, tiles };
}

function toSegmentLine(s: DigestData['adSegments'][number]): AdSegmentLine {
  return {
    label: s.label,
    ads: s.ads.toLocaleString('en-US'),
    ctr: fmtPct(s.ctr, 2),
    cpc: costText(s.cpc),
    cpa: costText(s.cpa),
    roi: fmtPct(s.roi, 0),
  };
}

/** Each chosen model with its metrics, every metric beside its trivial baseline ("accuracy 0.89 (baseline 0.84)"). */
function modelsSummary(d: DigestData): string[] {
  return [
    ...d.models
      .filter((m) => m.chosen)
      .map((m) => {
        return `${m.kind}: ${m.algorithm} (${Object.entries(m.metrics)
          .filter(([, v]) => v !== null)
          .map(([k, v]) => {
            const b = m.baselines[k];
            return `${k} ${Number(v).toFixed(2)}${typeof b === 'number' ? ` (baseline ${b.toFixed(2)})` : ''}`;
          })
          .join(', ')})`;
      }),
    ...d.clusters.map(
      (c) =>
        `${c.entity} segments: k = ${c.k}${c.silhouette !== null ? `, silhouette ${c.silhouette.toFixed(2)}` : ''}: ${c.labels.map((l) => `${l.label} (${l.size})`).join(', ')}`,
    ),
  ];
}

function tile(label: string, value: string, change: number | null, format: (x: number) => string, upIsGood: boolean | null): Tile {
  return {
    label,
    value,
    change: change === null ? '' : fmtChange(change, format),
    good: change === null || upIsGood === null || change === 0 ? null : change > 0 === upIsGood,
  };
}

function toWinner(i: InfluencerRow): Winner {
  const interval =
    i.iroas_method === 'holdout' && i.iroas_holdout_low !== null
      ? `95% CI ${i.iroas_holdout_low.toFixed(2)} to ${i.iroas_holdout_high!.toFixed(2)}`
      : 'no holdout: baseline estimate';
  return {
    name: i.name,
    platform: i.platform ?? '–',
    iroas: fmtRatio(i.iroas),
    interval,
    method: i.iroas_method ?? '',
    roas: fmtRatio(i.roas),
    revenue: fmtMoney(i.revenue),
    payout: fmtMoney(i.payout),
  };
}

const csvColumns: (keyof InfluencerRow)[] = [
  'influencer_id',
  'name',
  'platform',
  'category',
  'tier',
  'orders',
  'revenue',
  'payout',
  'payout_basis',
  'roas',
  'roi',
  'iroas',
  'iroas_method',
  'iroas_holdout_low',
  'iroas_holdout_high',
  'holdout_status',
  'engagement_rate',
  'cost_per_order',
  'break_even_rate_per_order',
  'is_loss_maker',
  'loss_reasons',
  'cluster',
  'p_profitable',
];

export function leaderboardCsv(rows: InfluencerRow[]): string {
  const sorted = [...rows].sort((a, b) => (b.roas ?? -Infinity) - (a.roas ?? -Infinity) || a.influencer_id.localeCompare(b.influencer_id));
  return sheet(csvColumns, sorted);
}

/**
 * A CSV attachment: a header and one line per row, numbers to 4 decimals, CRLF line ends and
 * spreadsheet-safe (a name such as '=HYPERLINK(...)' must not run when the manager opens the file).
 */
function sheet<R>(columns: (keyof R & string)[], rows: R[]): string {
  const opts = { escapeFormulas: true, newline: '\r\n' };
  const cell = (v: unknown) => (typeof v === 'number' ? round(v) : v);
  return (
    csvLine(columns, opts) +
    rows
      .map((r) =>
        csvLine(
          columns.map((c) => cell(r[c])),
          opts,
        ),
      )
      .join('')
  );
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;

const campaignColumns: (keyof AdCampaignRow)[] = [
  'campaign',
  'channel',
  'first_day',
  'last_day',
  'impressions',
  'clicks',
  'conversions',
  'spend',
  'revenue',
  'ctr',
  'cpc',
  'cpa',
  'conversion_rate',
  'roi',
  'spend_estimated_share',
  'revenue_estimated_share',
  'flagged_rows',
];

/** The campaign sheet: every ad campaign, best ROI first (campaigns without a ROI last). */
export function campaignsCsv(rows: AdCampaignRow[]): string {
  const sorted = [...rows].sort(
    (a, b) => (b.roi ?? -Infinity) - (a.roi ?? -Infinity) || a.campaign.localeCompare(b.campaign) || a.channel.localeCompare(b.channel),
  );
  return sheet(campaignColumns, sorted);
}

/** A test plan as the digest shows it: one creator, users per group, weeks. */
export interface TestToRun {
  name: string;
  /** The current estimate and its 95% interval ("iROAS 0.42× (-0.31 to 1.15)"). */
  now: string;
  /** Users per group ("1,200 control · 3,600 exposed"). */
  users: string;
  /** "8 weeks"; not feasible when over 12 (shown as such). */
  weeks: string;
  feasible: boolean;
  /** What the test is sized to detect ("sized for iROAS ±0.50, the minimum worth detecting"). */
  effect: string;
}
/** A budget move as the digest shows it. */
export interface MoneyMove {
  from: string;
  to: string;
  /** "iROAS -0.80× → 2.30×" */
  returns: string;
  amount: string;
  gain: string;
  interval: string;
}
export interface NextStepsModel {
  /** At most NEXT_STEPS_SHOWN of each; the marts have all. */
  tests: TestToRun[];
  testsTotal: number;
  testsFeasible: number;
  moves: MoneyMove[];
  movesTotal: number;
  /** The moves together: amount, expected gain and interval, and the assumption; null without moves. */
  moneySummary: string | null;
}

/** Rows of each next-step table in the mail: short enough to read on a phone. */
export const NEXT_STEPS_SHOWN = 8;

const signedMoney = (v: number) => `${v >= 0 ? '+' : '−'}${fmtMoney(Math.abs(v))}`;
const ci = (low: number | null, high: number | null, fmt: (x: number) => string) =>
  low === null || high === null ? '' : `95% CI ${fmt(low)} to ${fmt(high)}`;

export function nextSteps(n: NextSteps): NextStepsModel {
  const tests = n.testPlans.slice(0, NEXT_STEPS_SHOWN).map((p) => ({
    name: p.name,
    now: `iROAS ${fmtRatio(p.iroas_holdout)}${p.iroas_holdout_low !== null && p.iroas_holdout_high !== null ? ` (${p.iroas_holdout_low.toFixed(2)} to ${p.iroas_holdout_high.toFixed(2)})` : ''}`,
    users: `${Number(p.control_users_needed).toLocaleString('en-US')} control · ${Number(p.exposed_users_needed).toLocaleString('en-US')} exposed`,
    weeks: p.weeks_needed === null ? 'no pace yet' : `${p.weeks_needed} week${p.weeks_needed === 1 ? '' : 's'}`,
    feasible: p.feasible,
    effect:
      p.effect_basis === 'minimum'
        ? `to detect iROAS ±${(p.assumed_iroas ?? 0).toFixed(2)} (minimum)`
        : `to detect iROAS ${p.assumed_iroas !== null ? p.assumed_iroas.toFixed(2) : 'as estimated'}`,
  }));
  const moves = n.budgetMoves.slice(0, NEXT_STEPS_SHOWN).map((m) => ({
    from: m.from_name,
    to: m.to_name,
    returns: `iROAS ${fmtRatio(m.from_iroas)} → ${fmtRatio(m.to_iroas)}`,
    amount: fmtMoney(m.amount),
    gain: signedMoney(m.expected_gain),
    interval: m.basis === 'holdout' ? ci(m.expected_gain_low, m.expected_gain_high, signedMoney) : 'baseline estimate: no interval',
  }));
  const s = n.budgetSummary;
  const moneySummary =
    s && s.moves > 0 && s.expected_gain !== null
      ? `All ${s.moves} move${s.moves === 1 ? '' : 's'} together: ${fmtMoney(s.amount_moved)} moved, expected ${signedMoney(s.expected_gain)} incremental revenue${
          s.expected_gain_low !== null && s.expected_gain_high !== null && s.expected_gain_low !== s.expected_gain_high
            ? ` (${ci(s.expected_gain_low, s.expected_gain_high, signedMoney)})`
            : ''
        }${n.budgetMoves.some((m) => m.basis === 'baseline') ? ', leaving out the error of baseline estimates' : ''}, if returns stay constant at current scale (each receiver grows at most 50 %).${
          s.amount_unplaced > 0 ? ` ${fmtMoney(s.amount_unplaced)} more found no receiver with room.` : ''
        }`
      : null;
  return {
    tests,
    testsTotal: n.testPlans.length,
    testsFeasible: n.testPlans.filter((p) => p.feasible).length,
    moves,
    movesTotal: n.budgetMoves.length,
    moneySummary,
  };
}
