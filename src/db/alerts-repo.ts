// ops.alerts and ops.alert_deliveries, and the rows the alert conditions are judged on, each read
// over a subscription's slice (the same fragments as the digest's, ./slice-sql.ts).
import { type RawBuilder, sql } from 'kysely';
import type {
  AlertKind,
  Condition,
  DataDays,
  FailedRunRow,
  LossMakerRow,
  StoredAlert,
  Transitions,
  WeeklyRoasRow,
} from '../pipeline/alerts/conditions.ts';
import { TRAILING_WEEKS, transitions } from '../pipeline/alerts/conditions.ts';
import { addDays, type Period } from '../pipeline/shared/calendar.ts';
import { normalised, type Slice, sliceHalves } from '../pipeline/shared/slice.ts';
import { claimable } from './claims.ts';
import type { DbOrTrx } from './database.ts';
import { takeAlertsLock } from './locks.ts';
import { adFilter, creatorsOf } from './slice-sql.ts';

/** The slice's loss-makers (mart.loss_makers with the holdout interval of mart.influencer_kpis). */
export async function sliceLossMakers(db: DbOrTrx, slice: Slice): Promise<LossMakerRow[]> {
  const s = normalised(slice);
  const creators = creatorsOf(s, sliceHalves(s).creators);
  const r = await sql<LossMakerRow>`
    SELECT l.influencer_id, l.name, l.platform, l.orders, l.revenue, l.payout, l.roas, l.iroas, l.iroas_method,
           k.iroas_holdout, k.holdout_status, k.iroas_holdout_low, k.iroas_holdout_high, l.loss_reasons, l.recommended_action
    FROM mart.loss_makers l JOIN mart.influencer_kpis k USING (influencer_id)
    WHERE l.influencer_id IN (SELECT influencer_id FROM (${creators}) c)
    ORDER BY l.influencer_id`.execute(db);
  return r.rows;
}

/**
 * Each of the slice's creators and ad channels with a row in `week` or the four weeks before:
 * the week's sums and the four weeks' (mart.influencer_weekly; mart.ad_campaign_weekly summed
 * over the slice's campaigns per channel, conversions as orders).
 */
export async function sliceWeeklyRoas(db: DbOrTrx, slice: Slice, week: Period): Promise<WeeklyRoasRow[]> {
  const s = normalised(slice);
  const halves = sliceHalves(s);
  const creators = creatorsOf(s, halves.creators);
  const ads = adFilter(s, halves.ads);
  const from = addDays(week.start, -7 * TRAILING_WEEKS);
  const r = await sql<WeeklyRoasRow>`
    WITH w AS (
      SELECT 'creator' AS entity, w.influencer_id AS id, k.name || ' (' || coalesce(k.platform, 'no platform') || ')' AS name, w.week_start,
             w.orders, w.revenue, w.payout AS spend, true AS complete
      FROM mart.influencer_weekly w JOIN mart.influencer_kpis k USING (influencer_id)
      WHERE w.influencer_id IN (SELECT influencer_id FROM (${creators}) c) AND w.week_start BETWEEN ${from}::date AND ${week.start}::date
      UNION ALL
      SELECT 'channel', channel, channel, week_start, sum(conversions), coalesce(sum(revenue), 0), sum(spend), sum(complete_rows) = sum(rows)
      FROM mart.ad_campaign_weekly
      WHERE ${ads} AND week_start BETWEEN ${from}::date AND ${week.start}::date
      GROUP BY channel, week_start
    )
    SELECT entity, id, min(name) AS name,
           coalesce(sum(orders) FILTER (WHERE week_start = ${week.start}::date), 0)::float8 AS week_orders,
           coalesce(sum(revenue) FILTER (WHERE week_start = ${week.start}::date), 0)::float8 AS week_revenue,
           coalesce(sum(spend) FILTER (WHERE week_start = ${week.start}::date), 0)::float8 AS week_spend,
           count(*) FILTER (WHERE week_start < ${week.start}::date)::int AS trailing_weeks,
           min(orders) FILTER (WHERE week_start < ${week.start}::date)::float8 AS trailing_min_orders,
           coalesce(sum(revenue) FILTER (WHERE week_start < ${week.start}::date), 0)::float8 AS trailing_revenue,
           coalesce(sum(spend) FILTER (WHERE week_start < ${week.start}::date), 0)::float8 AS trailing_spend,
           bool_and(complete) AS complete
    FROM w GROUP BY entity, id ORDER BY entity, id`.execute(db);
  return r.rows;
}

/** The newest day of orders, posts and ad campaign rows. */
export async function newestDataDays(db: DbOrTrx): Promise<DataDays> {
  const r = await sql<DataDays>`
    SELECT (SELECT max(order_date)::text FROM core.order_days) AS orders, (SELECT max(post_date)::text FROM core.posts) AS posts,
           (SELECT max(day)::text FROM core.ad_campaigns) AS ads`.execute(db);
  return r.rows[0]!;
}

/**
 * Runs that failed since the alerts stage last ran to the end (its newest start, other than in
 * this run), or within the last day when it never has: a failure is seen by the next alerts run
 * however long that takes, and the first alerts run does not report the whole history.
 */
export async function recentFailedRuns(db: DbOrTrx, currentRunId: string): Promise<FailedRunRow[]> {
  const r = await sql<FailedRunRow>`
    SELECT run_id, trigger, error, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
           to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS finished_at
    FROM ops.pipeline_runs
    WHERE state = 'failed' AND finished_at > coalesce(
      (SELECT max(started_at) FROM ops.stage_runs WHERE stage = 'alerts' AND state IN ('succeeded', 'skipped') AND run_id <> ${currentRunId}),
      now() - interval '1 day')
    ORDER BY finished_at, run_id`.execute(db);
  return r.rows;
}

/**
 * Stores what is true now for one subscription and returns the changes: new conditions and
 * those back after a clear open an occurrence, those still true get their evidence refreshed,
 * those no longer true are cleared. Under a lock, so two runs at once count an occurrence once.
 */
export async function recordConditions(db: DbOrTrx, subscription: string, current: Condition[]): Promise<Transitions> {
  return db.transaction().execute(async (trx) => {
    await takeAlertsLock(trx);
    const stored = await trx
      .selectFrom('ops.alerts')
      .select(['alert_key as key', 'state', 'occurrence'])
      .where('subscription', '=', subscription)
      .execute();
    const t = transitions(stored as StoredAlert[], current);
    const rows = (list: { condition: Condition; occurrence: number }[]) => ({
      keys: list.map((x) => x.condition.key),
      kinds: list.map((x) => x.condition.kind),
      subjects: list.map((x) => x.condition.subject),
      titles: list.map((x) => x.condition.title),
      evidence: list.map((x) => JSON.stringify(x.condition.evidence)),
      occurrences: list.map((x) => x.occurrence),
    });
    if (t.opened.length) {
      const o = rows(t.opened);
      await sql`
        INSERT INTO ops.alerts AS a (subscription, alert_key, kind, subject, title, evidence, state, occurrence)
        SELECT ${subscription}, k, kind, subject, title, evidence::jsonb, 'active', occurrence
        FROM unnest(${o.keys}::text[], ${o.kinds}::text[], ${o.subjects}::text[], ${o.titles}::text[], ${o.evidence}::text[], ${o.occurrences}::int[])
          AS x(k, kind, subject, title, evidence, occurrence)
        ON CONFLICT (subscription, alert_key) DO UPDATE SET kind = excluded.kind, subject = excluded.subject, title = excluded.title,
          evidence = excluded.evidence, state = 'active', occurrence = excluded.occurrence, since_at = now(), last_seen_at = now(),
          cleared_at = NULL`.execute(trx);
    }
    if (t.kept.length) {
      const k = rows(t.kept.map((condition) => ({ condition, occurrence: 0 })));
      await sql`
        UPDATE ops.alerts a SET subject = x.subject, title = x.title, evidence = x.evidence::jsonb, last_seen_at = now()
        FROM unnest(${k.keys}::text[], ${k.subjects}::text[], ${k.titles}::text[], ${k.evidence}::text[]) AS x(k, subject, title, evidence)
        WHERE a.subscription = ${subscription} AND a.alert_key = x.k`.execute(trx);
    }
    if (t.cleared.length)
      await trx
        .updateTable('ops.alerts')
        .set({ state: 'cleared', cleared_at: sql`now()` })
        .where('subscription', '=', subscription)
        .where('alert_key', 'in', t.cleared)
        .execute();
    return t;
  });
}

/** An occurrence to deliver, as stored. */
export interface DueAlert {
  key: string;
  kind: AlertKind;
  occurrence: number;
  subject: string;
  title: string;
  evidence: string[];
}

/**
 * The active alerts of a subscription whose current occurrence has not reached `recipient`
 * (never claimed, or its delivery failed, or a claim that was abandoned: see claimAlertDeliveries).
 */
export async function dueAlerts(db: DbOrTrx, subscription: string, recipient: string): Promise<DueAlert[]> {
  const r = await sql<DueAlert>`
    SELECT a.alert_key AS key, a.kind, a.occurrence, a.subject, a.title, a.evidence
    FROM ops.alerts a
    LEFT JOIN ops.alert_deliveries d
      ON d.subscription = a.subscription AND d.alert_key = a.alert_key AND d.occurrence = a.occurrence AND d.recipient = ${recipient}
    WHERE a.subscription = ${subscription} AND a.state = 'active' AND (d.state IS NULL OR d.state <> 'sent')
    ORDER BY array_position(${['loss_maker', 'roas_drop', 'stale', 'run_failed']}::text[], a.kind), a.alert_key`.execute(db);
  return r.rows;
}

export interface AlertDeliveryKey {
  subscription: string;
  recipient: string;
  alerts: { key: string; occurrence: number }[];
}

/** Takes the right to deliver these occurrences to one recipient; returns the keys claimed (others are sent or being sent). */
export async function claimAlertDeliveries(
  db: DbOrTrx,
  d: AlertDeliveryKey & { channel: 'email' | 'webhook'; runId: string },
): Promise<string[]> {
  if (!d.alerts.length) return [];
  const r = await sql<{ alert_key: string }>`
    INSERT INTO ops.alert_deliveries AS d (subscription, alert_key, occurrence, recipient, channel, state, run_id)
    SELECT ${d.subscription}, k, o, ${d.recipient}, ${d.channel}, 'sending', ${d.runId}
    FROM unnest(${d.alerts.map((a) => a.key)}::text[], ${d.alerts.map((a) => a.occurrence)}::int[]) AS x(k, o)
    ON CONFLICT (subscription, alert_key, occurrence, recipient) DO UPDATE SET state = 'sending', run_id = excluded.run_id,
      attempts = d.attempts + 1, claimed_at = now(), error = NULL
    WHERE ${claimable(d.runId)}
    RETURNING alert_key`.execute(db);
  return r.rows.map((x) => x.alert_key);
}

export async function markAlertsDelivered(db: DbOrTrx, d: AlertDeliveryKey & { runId: string }, messageId: string | null): Promise<void> {
  await settle(db, d, sql`state = 'sent', message_id = ${messageId}, sent_at = now(), error = NULL`);
}

export async function markAlertsFailed(db: DbOrTrx, d: AlertDeliveryKey & { runId: string }, error: string): Promise<void> {
  await settle(db, d, sql`state = 'failed', error = ${error}`);
}

// Only the claim's holder settles it: a run whose claim was taken over must not turn another's
// 'sent' back into 'failed' (which would send again).
async function settle(db: DbOrTrx, d: AlertDeliveryKey & { runId: string }, set: RawBuilder<unknown>): Promise<void> {
  if (!d.alerts.length) return;
  await sql`
    UPDATE ops.alert_deliveries SET ${set}
    WHERE subscription = ${d.subscription} AND recipient = ${d.recipient} AND state = 'sending' AND run_id = ${d.runId}
      AND (alert_key, occurrence) IN (SELECT * FROM unnest(${d.alerts.map((a) => a.key)}::text[], ${d.alerts.map((a) => a.occurrence)}::int[]))`.execute(
    db,
  );
}

/** A subscription's alerts as stored (for `pulse status`-like views and tests). */
