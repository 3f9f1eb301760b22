import { createHash } from 'node:crypto';
import {
  claimAlertDeliveries,
  type DueAlert,
  dueAlerts,
  markAlertsDelivered,
  markAlertsFailed,
  newestDataDays,
  recentFailedRuns,
  recordConditions,
  sliceLossMakers,
  sliceWeeklyRoas,
} from '../db/alerts-repo.ts';
import { digestToSubscription, listSubscriptions, type Subscription } from '../db/subscriptions-repo.ts';
import { ConfigError, DeliveryError, messageOf } from '../errors.ts';
import { type AlertRules, TRAILING_WEEKS, trueConditions } from '../pipeline/alerts/conditions.ts';
import { addDays, lastCompleteWeek, localDate, weekOf } from '../pipeline/shared/calendar.ts';
import { DIGEST_TO_NAME, sliceLabel } from '../pipeline/shared/slice.ts';
import {
  type AlertItem,
  type AlertScope,
  alertGroups,
  alertSubject,
  alertWebhookContent,
  renderAlertHtml,
  renderAlertText,
} from '../report/alert-email.ts';
import { type AlertMessage, type MailTransport, openMailTransport } from '../report/mail.ts';
import { postWebhook } from '../report/webhook.ts';
import { defineStage, type StageDeps } from './stage.ts';

export interface AlertsDetail {
  /** The week judged for ROAS drops (the last complete one). */
  week: string;
  subscriptions: number;
  /** Conditions true now, summed over the subscriptions. */
  active: number;
  /** Conditions that became true in this run (new or back after a clear), and that stopped being true. */
  opened: number;
  cleared: number;
  /** Alerts delivered in this run (one per alert and recipient), and the mails and posts that carried them. */
  sent: number;
  messages: number;
  /** Files written, when alerts go to files (no SMTP_URL). */
  written?: string[];
}

/**
 * Who gets alerts: the subscriptions with cadence alerts or both; with no stored subscriptions,
 * DIGEST_TO as one unfiltered subscription (as for the digest).
 */
export async function alertTargets(deps: StageDeps): Promise<Subscription[]> {
  const stored = await listSubscriptions(deps.store.db);
  return stored.length ? stored.filter((s) => s.cadence !== 'weekly') : [digestToSubscription(deps.config)];
}

/**
 * Judges the alert conditions over each subscription's slice, records them in ops.alerts, and
 * delivers each occurrence that became true once per recipient (ops.alert_deliveries), by mail
 * and to the subscription's webhook. Without SMTP_URL the alerts that became true are written
 * to OUT_DIR instead.
 */
export const alertsStage = defineStage({
  name: 'alerts',
  async run(deps) {
    const { config, store, log } = deps;
    const now = deps.clock();
    const week = lastCompleteWeek(now, config.PULSE_TIMEZONE);
    const detail: AlertsDetail = { week: week.label, subscriptions: 0, active: 0, opened: 0, cleared: 0, sent: 0, messages: 0 };
    const targets = await alertTargets(deps);
    detail.subscriptions = targets.length;
    if (!targets.length) return { rows: 0, skipped: 'no subscription takes alerts (cadence alerts or both)', detail };
    const rules: AlertRules = {
      drop: config.ALERT_DROP,
      minOrders: config.ALERT_MIN_ORDERS,
      week: week.label,
      trailingFrom: weekOf(addDays(week.start, -7 * TRAILING_WEEKS)).label,
      staleDays: config.ALERT_STALE_DAYS,
      today: localDate(now, config.PULSE_TIMEZONE),
      timeZone: config.PULSE_TIMEZONE,
    };
    // The same for every subscription: the data's age and the runs that failed.
    const shared = { dataDays: await newestDataDays(store.db), failedRuns: await recentFailedRuns(store.db, deps.runId) };
    const transport = openMailTransport(config);
    const failures: string[] = [];
    try {
      for (const sub of targets) {
        const conditions = trueConditions(
          { lossMakers: await sliceLossMakers(store.db, sub.slice), weekly: await sliceWeeklyRoas(store.db, sub.slice, week), ...shared },
          rules,
        );
        const t = await recordConditions(store.db, sub.name, conditions);
        detail.active += conditions.length;
        detail.opened += t.opened.length;
        detail.cleared += t.cleared.length;
        // keys in the log, up to a screenful (a first run over a large portfolio opens thousands)
        const keys = (list: string[]) => (list.length > 20 ? [...list.slice(0, 20), `… ${list.length - 20} more`] : list);
        log.info(
          {
            subscription: sub.name,
            active: conditions.length,
            opened: keys(t.opened.map((o) => o.condition.key)),
            cleared: keys(t.cleared),
          },
          'alert conditions judged',
        );
        const scope: AlertScope = { subscription: sub.name, slice: sliceLabel(sub.slice) };
        if (transport.deliversOnce) {
          for (const to of sub.recipients) {
            const r = await deliverMails(deps, transport, sub, to, scope);
            detail.sent += r.sent;
            detail.messages += r.messages;
            failures.push(...r.failures);
          }
        } else if (sub.recipients.length) {
          // Files are no delivery: what became true in this run is written, once.
          const opened = t.opened.map(({ condition, occurrence }) => ({ ...condition, occurrence }));
          for (const group of alertGroups(opened)) {
            const { files } = await transport.sendAlert(alertMessage(deps, sub, group, scope), sub.recipients);
            if (files) (detail.written ??= []).push(files.html);
            detail.messages++;
          }
        }
        if (sub.webhook_url) {
          const r = await deliverWebhook(deps, sub, sub.webhook_url);
          detail.sent += r.sent;
          detail.messages += r.messages;
          failures.push(...r.failures);
        }
      }
    } finally {
      transport.close();
    }
    log.info({ ...detail, written: detail.written?.length, failed: failures.length }, 'alerts done');
    // Thrown so the job retries; deliveries already made are not made again.
    if (failures.length) throw new DeliveryError(`alerts not delivered to ${failures.join('; ')}`);
    return { rows: transport.deliversOnce ? detail.sent : detail.messages, detail };
  },
});

type Due = Pick<DueAlert, 'key' | 'kind' | 'occurrence' | 'title' | 'evidence'>;

const items = (group: readonly Due[]): AlertItem[] => group.map((a) => ({ kind: a.kind, title: a.title, evidence: a.evidence }));
const keysOf = (group: readonly Due[]) => group.map((a) => ({ key: a.key, occurrence: a.occurrence }));

/** "loss_maker:17:1" for one alert; "summary:<hash of the alerts>" for several. */
function messageId(group: readonly Due[]): string {
  if (group.length === 1) return `${group[0]!.key}:${group[0]!.occurrence}`;
  const h = createHash('sha256');
  for (const a of group) h.update(`${a.key}:${a.occurrence}\n`);
  return `summary:${h.digest('hex').slice(0, 16)}`;
}

function alertMessage(deps: StageDeps, sub: Subscription, group: readonly Due[], scope: AlertScope): AlertMessage {
  const list = items(group);
  return {
    subscription: sub.name,
    id: messageId(group),
    from: deps.config.DIGEST_FROM,
    subject: alertSubject(list),
    text: renderAlertText(list, scope),
    html: renderAlertHtml(list, scope),
  };
}

interface Delivered {
  sent: number;
  messages: number;
  failures: string[];
}

/** Claims what is due for one address, sends it (one mail per alert, or one summary), marks it. */
async function deliverMails(
  deps: StageDeps,
  transport: MailTransport,
  sub: Subscription,
  to: string,
  scope: AlertScope,
): Promise<Delivered> {
  const { store, log } = deps;
  const out: Delivered = { sent: 0, messages: 0, failures: [] };
  const claimed = await claimDue(deps, sub, to, 'email');
  for (const group of alertGroups(claimed)) {
    const k = { subscription: sub.name, recipient: to, alerts: keysOf(group), runId: deps.runId };
    let info: { messageId: string };
    try {
      info = await transport.sendAlert(alertMessage(deps, sub, group, scope), [to]);
    } catch (e) {
      log.warn({ err: e, subscription: sub.name, alerts: k.alerts.length }, 'alert not delivered to a recipient');
      out.failures.push(`${to}${sub.name === DIGEST_TO_NAME ? '' : ` (${sub.name})`}: ${messageOf(e)}`);
      await markAlertsFailed(store.db, k, messageOf(e));
      continue;
    }
    // Sent: a failure to record it now leaves the claim 'sending' (taken over later), never 'failed'.
    await markAlertsDelivered(store.db, k, info.messageId);
    out.sent += group.length;
    out.messages++;
  }
  return out;
}

/** The same for the subscription's webhook: Slack's incoming-webhook JSON, signed, with an idempotency key per message. */
async function deliverWebhook(deps: StageDeps, sub: Subscription, url: string): Promise<Delivered> {
  const { store, config, log } = deps;
  const out: Delivered = { sent: 0, messages: 0, failures: [] };
  const claimed = await claimDue(deps, sub, url, 'webhook');
  for (const group of alertGroups(claimed)) {
    const k = { subscription: sub.name, recipient: url, alerts: keysOf(group), runId: deps.runId };
    try {
      if (!config.PULSE_WEBHOOK_SECRET) throw new ConfigError('PULSE_WEBHOOK_SECRET is not set: webhook posts are signed with it');
      // The same key on every attempt and retry of this message: a receiver can drop repeats.
      const id = messageId(group);
      await postWebhook(url, alertWebhookContent(items(group)), {
        secret: config.PULSE_WEBHOOK_SECRET,
        idempotencyKey: group.length === 1 ? `alert:${sub.name}:${id}` : `alerts:${sub.name}:${id.slice('summary:'.length)}`,
      });
    } catch (e) {
      log.warn({ err: e, subscription: sub.name, alerts: k.alerts.length }, 'alert not posted to a webhook');
      out.failures.push(`webhook of ${sub.name}: ${messageOf(e)}`);
      await markAlertsFailed(store.db, k, messageOf(e));
      continue;
    }
    await markAlertsDelivered(store.db, k, null);
    out.sent += group.length;
    out.messages++;
  }
  return out;
}

/** The subscription's active alerts not yet delivered to this recipient, claimed for this run. */
async function claimDue(deps: StageDeps, sub: Subscription, recipient: string, channel: 'email' | 'webhook'): Promise<DueAlert[]> {
  const due = await dueAlerts(deps.store.db, sub.name, recipient);
  const claimed = new Set(
    await claimAlertDeliveries(deps.store.db, { subscription: sub.name, recipient, alerts: keysOf(due), channel, runId: deps.runId }),
  );
  return due.filter((a) => claimed.has(a.key));
}
