import { randomUUID } from 'node:crypto';
import {
  claimDelivery,
  type DeliveryKey,
  deliveredRecipients,
  heldDeliveries,
  latestWeekWithData,
  loadDigestData,
  markDelivered,
  markDeliveryFailed,
} from '../db/digest-repo.ts';
import { digestToSubscription, listSubscriptions, type Subscription } from '../db/subscriptions-repo.ts';
import { ConfigError, DeliveryError, InputError, messageOf } from '../errors.ts';
import { type Helper, openHelper } from '../helper-process.ts';
import { lastCompleteWeek, type Period, parsePeriod } from '../pipeline/shared/calendar.ts';
import { DIGEST_TO_NAME, type Slice, sliceId } from '../pipeline/shared/slice.ts';
import { digestCharts } from '../report/digest-charts.ts';
import { buildDigestModel, type DigestModel } from '../report/digest-model.ts';
import { type DigestMessage, type MailTransport, openMailTransport } from '../report/mail.ts';
import { digestMjml, renderDigestText } from '../report/render-email.ts';
import type { RendererMethods } from '../report/renderer.ts';
import { AD_POINTS_SHOWN, TREND_WEEKS } from '../report/theme.ts';
import type { StageParams } from './params.ts';
import { defineStage, type StageDeps } from './stage.ts';

export interface DigestDetail {
  period: string;
  subject?: string;
  /** Where the (first) digest was written, when it went to files. */
  files?: { html: string; eml: string; text: string };
  /** Every digest written (one per subscription), when it went to files. */
  written?: string[];
  /** Deliveries made in this run (mails and webhook posts), when it went by mail. */
  sent?: number;
  /** Subscriptions served, and how many digests were rendered for them (one per distinct slice). */
  subscriptions?: number;
  renders?: number;
  /** Rendering every slice's digest, then delivering them all. */
  renderSeconds?: number;
  deliverSeconds?: number;
}

/** The run's period: the one asked for, "latest" (the newest week with data), or the last complete week. */
export async function resolvePeriod(deps: StageDeps, period: string | undefined): Promise<Period> {
  const fallback = () => lastCompleteWeek(deps.clock(), deps.config.PULSE_TIMEZONE);
  if (period === 'latest') {
    const week = await latestWeekWithData(deps.store.db);
    return week ? parsePeriod(week) : fallback();
  }
  return period ? parsePeriod(period) : fallback();
}

/**
 * Whom this run serves: `to` (the unfiltered digest to those addresses), one subscription, the
 * subscriptions of one time zone, or every subscription with a weekly cadence. With no stored
 * subscriptions, DIGEST_TO is one unfiltered subscription in PULSE_TIMEZONE.
 */
export async function digestTargets(deps: StageDeps, params: StageParams<'digest'>): Promise<Subscription[]> {
  const { config } = deps;
  if (params.to?.length) return [digestToSubscription(config, params.to)];
  const stored = await listSubscriptions(deps.store.db);
  if (params.subscription !== undefined) {
    const one = stored.find((s) => s.name === params.subscription);
    if (!one)
      throw new InputError(`no subscription named ${params.subscription}; there are: ${stored.map((s) => s.name).join(', ') || 'none'}`);
    return [one];
  }
  const all = stored.length ? stored.filter((s) => s.cadence !== 'alerts') : [digestToSubscription(config)];
  return params.timezone === undefined ? all : all.filter((s) => s.timezone === params.timezone);
}

interface Rendered {
  model: DigestModel;
  message: Omit<DigestMessage, 'subscription'>;
}

/** Renders the digest once per distinct slice and delivers it once per (period, subscription, recipient) (see ops.digests). */
export const digestStage = defineStage({
  name: 'digest',
  async run(deps, params: StageParams<'digest'>) {
    const { config, store, log } = deps;
    const period = await resolvePeriod(deps, params.period);
    const targets = await digestTargets(deps, params);
    const transport = openMailTransport(config, { preview: params.preview });
    const detail: DigestDetail = { period: period.label, subscriptions: targets.length, renders: 0, sent: 0 };
    try {
      // Subscriptions whose every recipient has this period need no rendering at all.
      const pending: Subscription[] = [];
      for (const t of targets) {
        if (!transport.deliversOnce || params.resend) pending.push(t);
        else {
          const done = new Set(await deliveredRecipients(store.db, period.label, t.name));
          if (!deliveryAddresses(t).every((r) => done.has(r))) pending.push(t);
        }
      }
      if (!pending.length) {
        log.info({ period: period.label }, 'digest already delivered for this period');
        return { rows: 0, skipped: `digest for ${period.label} already delivered`, detail };
      }
      const started = Date.now();
      const renders = await renderSlices(deps, period, pending);
      detail.renderSeconds = (Date.now() - started) / 1000;
      const failures: string[] = [];
      for (const sub of pending) {
        const rendered = renders.get(sliceId(sub.slice));
        if (!rendered) continue;
        detail.subject ??= rendered.model.subject;
        const message: DigestMessage = { ...rendered.message, subscription: sub.name };
        const outcome = await deliver(deps, transport, message, sub, Boolean(params.resend));
        if (sub.webhook_url && !params.preview) {
          const posted = await deliverWebhook(deps, sub, key(message, sub.webhook_url), rendered.model, Boolean(params.resend));
          outcome.sent += posted.sent;
          outcome.failures.push(...posted.failures);
        }
        detail.files ??= outcome.files;
        if (outcome.files) (detail.written ??= []).push(outcome.files.html);
        detail.sent! += outcome.sent;
        failures.push(...outcome.failures);
      }
      detail.renders = [...renders.values()].filter(Boolean).length;
      detail.deliverSeconds = (Date.now() - started) / 1000 - detail.renderSeconds;
      if (!detail.renders) {
        log.info({ period: period.label }, 'no data for the period, digest skipped (DIGEST_EMPTY_WEEK=skip)');
        return { rows: 0, skipped: `no data for ${period.label}`, detail };
      }
      log.info({ ...detail, failed: failures.length }, transport.deliversOnce ? 'digest sent' : 'digest written');
      // Thrown so the job retries; deliveries already made are not made again.
      if (failures.length) throw new DeliveryError(`digest for ${period.label} not delivered to ${failures.join('; ')}`);
      return { rows: transport.deliversOnce ? detail.sent! : detail.renders, detail };
    } finally {
      transport.close();
    }
  },
});

/** Slices rendered at once: one's queries overlap another's drawing in the renderer. */
const RENDER_CONCURRENCY = 3;

let running: Helper<RendererMethods> | undefined;

/**
 * The digest's renderer (src/report/renderer.ts): one per process, started on first use, or
 * early by a run whose digest comes after other stages (its modules load, ≈ 0.5 s of CPU, while
 * they run). It stays for the process's next digest, warm, as a worker's would be, and keeps the
 * process running only while it draws; one that died is started again.
 */
export function digestRenderer(): Helper<RendererMethods> {
  if (!running?.alive())
    running = openHelper<RendererMethods>(new URL('../report/renderer.ts', import.meta.url), 'digest renderer', { lingers: true });
  return running;
}

/** Each distinct slice's digest, rendered once (charts shared between slices drawn once). */
async function renderSlices(deps: StageDeps, period: Period, subs: Subscription[]): Promise<Map<string, Rendered | null>> {
  const slices = [...new Map(subs.map((s) => [sliceId(s.slice), s.slice])).entries()];
  const out = new Map<string, Rendered | null>();
  const renderer = digestRenderer();
  // this stage run's charts: the renderer keeps them for its other slices only
  const session = randomUUID();
  let next = 0;
  const work = async () => {
    while (next < slices.length) {
      const [id, slice] = slices[next++]!;
      out.set(id, await renderSlice(deps, period, slice, renderer, session));
    }
  };
  await Promise.all(Array.from({ length: Math.min(RENDER_CONCURRENCY, slices.length) }, work));
  return out;
}

/** The digest of one slice, or null when its week is empty and DIGEST_EMPTY_WEEK=skip. */
async function renderSlice(
  deps: StageDeps,
  period: Period,
  slice: Slice,
  renderer: Helper<RendererMethods>,
  session: string,
): Promise<Rendered | null> {
  const { config } = deps;
  const data = await loadDigestData(deps.store.db, period, { trendWeeks: TREND_WEEKS, adPoints: AD_POINTS_SHOWN, slice });
  // The charts need only the data: the renderer draws them while the model is built here. An
  // empty week's digest (no week row) is the short notice, with no charts to draw.
  const drawing = data.week ? digestCharts(data, (c) => renderer.call('charts', c, session)) : null;
  // (a failure to draw is thrown where it is awaited below; if the model fails first, its error is)
  drawing?.catch(() => undefined);
  const model = buildDigestModel(data, { minWinnerSpend: config.MIN_WINNER_SPEND });
  if (model.empty && config.DIGEST_EMPTY_WEEK === 'skip') return null;
  const charts = (await drawing) ?? { inline: [], omitted: [], images: [] };
  return {
    model,
    message: {
      period: period.label,
      from: config.DIGEST_FROM,
      subject: model.subject,
      html: await renderer.call('html', digestMjml(model, charts.inline, charts.omitted)),
      text: renderDigestText(model, charts.omitted),
      csv: model.leaderboardCsv,
      campaignsCsv: model.campaignsCsv,
      images: charts.images,
    },
  };
}

/** Where a subscription's digest goes: its addresses and its webhook, each delivered once per period. */
const deliveryAddresses = (s: Subscription) => (s.webhook_url ? [...s.recipients, s.webhook_url] : s.recipients);
const key = (m: DigestMessage, recipient: string) => ({ period: m.period, subscription: m.subscription, recipient }) satisfies DeliveryKey;

/** Posts the digest summary to the subscription's webhook, once per period (ops.digests, channel webhook). */
async function deliverWebhook(
  deps: StageDeps,
  sub: Subscription,
  key: DeliveryKey,
  model: DigestModel,
  resend: boolean,
): Promise<{ sent: number; failures: string[] }> {
  const { store, config, log } = deps;
  const k = { ...key, runId: deps.runId };
  if (!(await claimDelivery(store.db, { ...k, channel: 'webhook', subject: model.subject, html: null, resend })))
    return { sent: 0, failures: [] };
  try {
    if (!config.PULSE_WEBHOOK_SECRET) throw new ConfigError('PULSE_WEBHOOK_SECRET is not set: webhook posts are signed with it');
    const { postWebhook, digestWebhookMessage } = await import('../report/webhook.ts');
    await postWebhook(k.recipient, digestWebhookMessage(model), {
      secret: config.PULSE_WEBHOOK_SECRET,
      // The same key on every attempt and retry of this delivery: a receiver can drop repeats.
      idempotencyKey: `digest:${k.period}:${k.subscription}`,
    });
  } catch (e) {
    log.warn({ err: e, period: k.period, subscription: sub.name }, 'digest not posted to a webhook');
    await markDeliveryFailed(store.db, k, messageOf(e));
    return { sent: 0, failures: [`webhook of ${sub.name}: ${messageOf(e)}`] };
  }
  // Posted: a failure to record it leaves the claim 'sending' (taken over later), never 'failed'.
  await markDelivered(store.db, k, null);
  return { sent: 1, failures: [] };
}

/** Sends one subscription's digest: files for all its recipients, or one claimed mail per recipient. */
async function deliver(
  deps: StageDeps,
  transport: MailTransport,
  message: DigestMessage,
  sub: Subscription,
  resend: boolean,
): Promise<{ sent: number; failures: string[]; files?: DigestDetail['files'] }> {
  const { store, log } = deps;
  if (!transport.deliversOnce) {
    const { files } = await transport.send(message, sub.recipients);
    log.info({ period: message.period, subscription: sub.name, html: files?.html }, 'digest written');
    return { sent: 0, failures: [], files };
  }
  const failures: string[] = [];
  let sent = 0;
  for (const to of sub.recipients) {
    const k = { ...key(message, to), runId: deps.runId };
    if (!(await claimDelivery(store.db, { ...k, channel: 'email', subject: message.subject, html: message.html, resend }))) continue;
    let messageId: string;
    try {
      messageId = (await transport.send(message, [to])).messageId;
    } catch (e) {
      log.warn({ err: e, period: message.period, subscription: sub.name }, 'digest not delivered to a recipient');
      failures.push(`${to}${sub.name === DIGEST_TO_NAME ? '' : ` (${sub.name})`}: ${messageOf(e)}`);
      await markDeliveryFailed(store.db, k, messageOf(e));
      continue;
    }
    // Sent: a failure to record it leaves the claim 'sending' (taken over later), never 'failed'.
    await markDelivered(store.db, k, messageId);
    sent++;
  }
  // A claim another run still holds is not done: failing here lets the job retry until it is sent
  // (or, if that run died, taken over), instead of succeeding without that recipient.
  const held = await heldDeliveries(store.db, message.period, sub.name, 'email');
  for (const to of held) failures.push(`${to}${sub.name === DIGEST_TO_NAME ? '' : ` (${sub.name})`}: being sent by another run`);
  return { sent, failures };
}
