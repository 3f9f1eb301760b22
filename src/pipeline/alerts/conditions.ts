// Alert conditions (issue 18): which are true now, from rows the alerts stage reads, and how they
// change against what is stored. A condition that becomes true opens an occurrence (sent once);
// while it stays true nothing is sent; once it is not true it is cleared; true again opens the
// next occurrence.
import { dayStart } from '../shared/calendar.ts';

export const alertKinds = ['loss_maker', 'roas_drop', 'stale', 'run_failed'] as const;
export type AlertKind = (typeof alertKinds)[number];

/** A true condition: its key (what makes it the same condition next run) and what is sent. */
export interface Condition {
  /** loss_maker:<influencer_id>, roas_drop:creator:<influencer_id>, roas_drop:channel:<channel>, stale, run_failed:<run_id>. */
  key: string;
  kind: AlertKind;
  /** What it is about: "@ana (Instagram)", "ad channel Facebook", "the data", "run 1b2c…". */
  subject: string;
  /** One line, the mail subject and the webhook header. */
  title: string;
  /** The figures behind it, one line each. */
  evidence: string[];
}

/** The four weeks before the one judged: the trailing ROAS a drop is measured against. */
export const TRAILING_WEEKS = 4;

// Two decimals, except a ratio that would show as 0.00 or -0.00 (a loss-maker's -0.003): two significant digits.
const ratio = (v: number) => `${v === 0 || Math.abs(v) >= 0.005 ? v.toFixed(2) : v.toPrecision(2)}×`;
const money = (v: number) => Math.round(v).toLocaleString('en-US');
const count = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
const named = (name: string, platform: string | null) => `${name} (${platform ?? 'no platform'})`;

// ---------------------------------------------------------------------------------------------
// A creator turned loss-making: mart.influencer_kpis' rule (ROAS < 1, or incremental ROAS likely
// below zero by the holdout's evidence level, or below zero by the baseline without a control group).

/** A loss-maker of the slice, as mart.loss_makers and mart.influencer_kpis have it. */
export interface LossMakerRow {
  influencer_id: string;
  name: string;
  platform: string | null;
  orders: number;
  revenue: number;
  payout: number;
  roas: number | null;
  iroas: number | null;
  /** holdout, baseline, or null (a holdout too small to use). */
  iroas_method: string | null;
  /** The holdout estimate, also when underpowered (then iroas is null). */
  iroas_holdout: number | null;
  holdout_status: string;
  iroas_holdout_low: number | null;
  iroas_holdout_high: number | null;
  loss_reasons: string[];
  recommended_action: string;
}

const reasonText: Record<string, string> = {
  roas_below_1: 'ROAS below 1',
  negative_incremental_roas: 'incremental ROAS below 0 (baseline estimate: no control group)',
};

export function lossMakerCondition(r: LossMakerRow): Condition {
  const subject = named(r.name, r.platform);
  const evidence = [
    `ROAS ${r.roas === null ? '–' : ratio(r.roas)}: revenue ${money(r.revenue)} on payout ${money(r.payout)}, ${count(r.orders, 'order')}`,
  ];
  if (r.iroas_holdout !== null) {
    // An underpowered holdout is no estimate the marts use, but its interval is the evidence the rule weighed.
    const interval =
      r.iroas_holdout_low !== null && r.iroas_holdout_high !== null
        ? `, 95 % interval ${ratio(r.iroas_holdout_low)} to ${ratio(r.iroas_holdout_high)}`
        : '';
    const status = r.holdout_status === 'ok' ? '' : `, ${r.holdout_status}`;
    evidence.push(`Incremental ROAS ${ratio(r.iroas_holdout)} (holdout${status}${interval})`);
  } else if (r.iroas !== null) evidence.push(`Incremental ROAS ${ratio(r.iroas)} (${r.iroas_method ?? 'estimate'})`);
  // The holdout's reason already states its evidence ("likely losing money: 93 % one-sided P(iROAS < 0), holdout").
  evidence.push(`Why: ${r.loss_reasons.map((x) => reasonText[x] ?? x).join('; ')}`);
  evidence.push(`Action: ${r.recommended_action}`);
  return { key: `loss_maker:${r.influencer_id}`, kind: 'loss_maker', subject, title: `Loss-maker: ${subject}`, evidence };
}

// ---------------------------------------------------------------------------------------------
// Weekly ROAS falls below a share of the entity's own four weeks before.

/**
 * One creator's or ad channel's week and its four weeks before, summed (ratios are computed here):
 * orders are ad conversions for a channel, spend is payout for a creator.
 */
export interface WeeklyRoasRow {
  entity: 'creator' | 'channel';
  /** influencer_id or channel. */
  id: string;
  /** For people: the creator's name and platform, or the channel. */
  name: string;
  week_orders: number;
  week_revenue: number;
  week_spend: number;
  /** Of the four weeks before, how many have a row (a week without one had no orders). */
  trailing_weeks: number;
  /** The fewest orders in any of those weeks (null without any). */
  trailing_min_orders: number | null;
  trailing_revenue: number;
  trailing_spend: number;
  /** False when a row of the five weeks lacks spend or revenue (ad rows): the ROAS is not known. */
  complete: boolean;
}

export interface DropRule {
  /** ALERT_DROP: the share of the trailing ROAS the week must fall below. */
  drop: number;
  /** ALERT_MIN_ORDERS: orders each of the four weeks before needs. */
  minOrders: number;
  /** The week judged ("2026-W46") and the first of the four before it (for the evidence). */
  week: string;
  trailingFrom: string;
}

/**
 * ROAS of the week = revenue / spend; trailing ROAS = Σ revenue / Σ spend of the four weeks before
 * (a ratio of sums). True when the week's ROAS < drop × trailing ROAS, if each of the four weeks
 * before has at least minOrders orders (the trailing ROAS is well measured) and both have spend.
 * The week itself needs no minimum: a collapse in orders is what the alert is for.
 */
export function roasDropCondition(r: WeeklyRoasRow, rule: DropRule): Condition | null {
  if (!r.complete || r.trailing_weeks < TRAILING_WEEKS || (r.trailing_min_orders ?? 0) < rule.minOrders) return null;
  if (!(r.week_spend > 0) || !(r.trailing_spend > 0)) return null;
  const roas = r.week_revenue / r.week_spend;
  const trailing = r.trailing_revenue / r.trailing_spend;
  if (!(trailing > 0) || !(roas < rule.drop * trailing)) return null;
  const subject = r.entity === 'creator' ? r.name : `ad channel ${r.name}`;
  const spend = r.entity === 'creator' ? 'payout' : 'spend';
  const orders = r.entity === 'creator' ? 'order' : 'conversion';
  return {
    key: `roas_drop:${r.entity}:${r.id}`,
    kind: 'roas_drop',
    subject,
    title: `ROAS drop: ${subject}, ${ratio(roas)} in ${rule.week} against ${ratio(trailing)} before`,
    evidence: [
      `${rule.week}: ROAS ${ratio(roas)}, revenue ${money(r.week_revenue)} on ${spend} ${money(r.week_spend)}, ${count(r.week_orders, orders)}`,
      `${rule.trailingFrom} to the week before: ROAS ${ratio(trailing)}, revenue ${money(r.trailing_revenue)} on ${spend} ${money(r.trailing_spend)}, at least ${count(r.trailing_min_orders!, orders)} every week`,
      `${Math.round((100 * roas) / trailing)} % of its ROAS over the ${TRAILING_WEEKS} weeks before; the alert is below ${Math.round(100 * rule.drop)} % (ALERT_DROP ${rule.drop})`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// No new data.

/** The newest day of each kind of data (null: none loaded). */
export interface DataDays {
  orders: string | null;
  posts: string | null;
  ads: string | null;
}

/**
 * True when more than staleDays whole days passed after the newest day of any data: with 3,
 * newest 2026-11-15, the alert is due on 2026-11-19 (the 16th, 17th and 18th brought nothing).
 * Nothing loaded at all is not stale (there is nothing to be out of date).
 */
export function staleCondition(days: DataDays, today: string, staleDays: number, timeZone: string): Condition | null {
  const known = [days.orders, days.posts, days.ads].filter((d): d is string => d !== null);
  if (!known.length) return null;
  const newest = [...known].sort().at(-1)!;
  const since = Math.round((dayStart(today) - dayStart(newest)) / 86_400_000);
  if (since <= staleDays) return null;
  const each = [
    ['orders', days.orders],
    ['posts', days.posts],
    ['ad campaigns', days.ads],
  ]
    .map(([what, day]) => `${what} ${day ?? '–'}`)
    .join(', ');
  return {
    key: 'stale',
    kind: 'stale',
    subject: 'the data',
    title: `No new data since ${newest}`,
    evidence: [
      `Newest day in the data: ${newest} (${each})`,
      `Today (${timeZone}): ${today}, ${count(since - 1, 'day')} without data; the alert is after ${count(staleDays, 'day')} (ALERT_STALE_DAYS)`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// A pipeline run failed.

export interface FailedRunRow {
  run_id: string;
  trigger: string;
  error: string | null;
  /** ISO instants. */
  started_at: string;
  finished_at: string;
}

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function failedRunCondition(r: FailedRunRow): Condition {
  return {
    key: `run_failed:${r.run_id}`,
    kind: 'run_failed',
    subject: `run ${r.run_id}`,
    title: `Run failed: ${r.trigger}, ${utc(r.finished_at)}`,
    evidence: [
      `Run ${r.run_id} (${r.trigger}) started ${utc(r.started_at)}, failed ${utc(r.finished_at)}`,
      // The error itself can name other subscriptions' recipients or database details: it stays in
      // `pulse status`, which only operators read; every alert subscription gets this one.
      `What failed and why: \`pulse status\` (or GET /runs/${r.run_id})`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// All of them, and the changes against the stored state.

export interface AlertInputs {
  lossMakers: LossMakerRow[];
  weekly: WeeklyRoasRow[];
  dataDays: DataDays;
  failedRuns: FailedRunRow[];
}

export interface AlertRules extends DropRule {
  staleDays: number;
  /** Today in the time zone ("2026-11-19"), and the zone's name for the evidence. */
  today: string;
  timeZone: string;
}

/** Every condition true now, in a fixed order (kind, then key). */
export function trueConditions(inputs: AlertInputs, rules: AlertRules): Condition[] {
  const all = [
    ...inputs.lossMakers.map(lossMakerCondition),
    ...inputs.weekly.map((r) => roasDropCondition(r, rules)),
    staleCondition(inputs.dataDays, rules.today, rules.staleDays, rules.timeZone),
    ...inputs.failedRuns.map(failedRunCondition),
  ].filter((c): c is Condition => c !== null);
  const order = (k: AlertKind) => alertKinds.indexOf(k);
  return all.sort((a, b) => order(a.kind) - order(b.kind) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A condition as stored for one subscription. */
export interface StoredAlert {
  key: string;
  state: 'active' | 'cleared';
  occurrence: number;
}

export interface Transitions {
  /** Became true: new (occurrence 1) or back after a clear (occurrence + 1). Each is sent. */
  opened: { condition: Condition; occurrence: number }[];
  /** Were true and still are: nothing is sent (the evidence is refreshed). */
  kept: Condition[];
  /** Were true and are not any more. */
  cleared: string[];
}

export function transitions(stored: readonly StoredAlert[], current: readonly Condition[]): Transitions {
  const byKey = new Map(stored.map((s) => [s.key, s]));
  const now = new Set(current.map((c) => c.key));
  const out: Transitions = { opened: [], kept: [], cleared: [] };
  for (const c of current) {
    const s = byKey.get(c.key);
    if (!s) out.opened.push({ condition: c, occurrence: 1 });
    else if (s.state === 'cleared') out.opened.push({ condition: c, occurrence: s.occurrence + 1 });
    else out.kept.push(c);
  }
  for (const s of stored) if (s.state === 'active' && !now.has(s.key)) out.cleared.push(s.key);
  return out;
}
