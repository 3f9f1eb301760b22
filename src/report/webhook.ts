import { createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, messageOf, WebhookError } from '../errors.ts';
import { checkWebhookUrl as checkUrl, urlOrigin as where } from '../pipeline/shared/webhook-url.ts';
import type { DigestModel } from './digest-model.ts';

/** Slack incoming-webhook JSON: a fallback text plus Block Kit blocks. */
export interface WebhookMessage {
  text: string;
  blocks: unknown[];
}

/** checkWebhookUrl of pipeline/shared, failing with an InputError (no retry makes a URL allowed). */
export function checkWebhookUrl(url: string): URL {
  try {
    return checkUrl(url);
  } catch (e) {
    throw new InputError(messageOf(e), { cause: e });
  }
}

export interface WebhookOptions {
  /**
   * HMAC-SHA256 key; the body is signed as header `X-Pulse-Signature: sha256=<hex>`. An empty
   * secret sends no signature (PULSE_WEBHOOK_SECRET is optional, and Slack checks none).
   */
  secret: string;
  /** Sent as header `Idempotency-Key` on every attempt of one delivery (the same on retries). */
  idempotencyKey: string;
  /** Default 4. */
  attempts?: number;
  /** Per attempt, default 10,000. */
  timeoutMs?: number;
  /** Default 500, doubled each retry. */
  backoffMs?: number;
}

/** Longest wait a 429's Retry-After may ask for; longer waits belong to the job's own retry. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * POSTs the message as JSON. Retries on 5xx, 429, timeouts and network errors with exponential
 * backoff; any other answer that is not 2xx (a 4xx, or a redirect) is not retried. Throws
 * WebhookError after the last attempt or on the first answer not worth retrying.
 */
export async function postWebhook(
  url: string,
  message: WebhookMessage,
  opts: WebhookOptions,
): Promise<{ status: number; attempts: number }> {
  const target = checkWebhookUrl(url);
  const { attempts = 4, timeoutMs = 10_000, backoffMs = 500 } = opts;
  const body = JSON.stringify(message);
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'idempotency-key': opts.idempotencyKey,
  };
  if (opts.secret) headers['x-pulse-signature'] = signature(body, opts.secret);
  let failure: WebhookError | undefined;
  let wait = backoffMs;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await sleep(wait);
      wait *= 2;
    }
    let res: Response;
    try {
      // A redirect is not followed: it would carry the signed body to a host checkWebhookUrl never saw.
      res = await fetch(target, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const reason =
        e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : messageOf(causeOf(e)) || messageOf(e);
      failure = new WebhookError(`webhook ${where(target)}: ${reason} (attempt ${attempt} of ${attempts})`, { cause: e });
      continue;
    }
    if (res.ok) {
      await res.body?.cancel();
      return { status: res.status, attempts: attempt };
    }
    const retry = res.status >= 500 || res.status === 429;
    const excerpt = await bodyExcerpt(res);
    failure = new WebhookError(
      `webhook ${where(target)} answered ${res.status}${excerpt ? `: ${excerpt}` : ''}${retry ? ` (attempt ${attempt} of ${attempts})` : ''}`,
      { status: res.status },
    );
    if (!retry) throw failure;
    // Slack's rate limit says how long to wait; waiting less would only be refused again.
    const after = Number(res.headers.get('retry-after')) * 1000;
    if (res.status === 429 && after > wait) wait = Math.min(after, MAX_RETRY_AFTER_MS);
  }
  throw failure ?? new WebhookError(`webhook ${where(target)}: attempts must be at least 1 (got ${attempts})`);
}

// fetch reports a refused connection as TypeError('fetch failed') with the reason in its cause
// (an AggregateError without a message when localhost has two addresses: then 'fetch failed').
const causeOf = (e: unknown) => (e instanceof Error && e.cause !== undefined ? e.cause : e);

/** The start of an error answer, on one line: enough to tell "invalid_payload" from "no_service". */
async function bodyExcerpt(res: Response): Promise<string> {
  try {
    const text = (await res.text()).replace(/\s+/g, ' ').trim();
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch (e) {
    return `(body unreadable: ${messageOf(e)})`;
  }
}

const signature = (body: string | Buffer, secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Verifies a signature header against a raw body (for receivers and tests); constant-time compare. */
export function verifySignature(body: string | Buffer, header: string | undefined, secret: string): boolean {
  // Strict shape first: Buffer.from(hex) would quietly stop at the first non-hex character.
  if (!secret || !header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  return timingSafeEqual(Buffer.from(header.slice(7), 'hex'), createHmac('sha256', secret).update(body).digest());
}

// Block Kit limits: a header's text 150 characters, a section's 3,000, a field's 2,000, 10 fields.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;
/** Loss-makers in a digest message: a chat message is a pointer to the digest, not the digest. */
const LOSS_MAKERS_POSTED = 5;

/** Names come from the exports: a '<' or '&' in one must show as itself, not as a link or entity. */
const escapeMrkdwn = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Cut to `max` characters with an ellipsis, never inside an escape or a surrogate pair. */
function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s
    .slice(0, max - 1)
    .replace(/&[a-z]{0,3}$/, '')
    .replace(/[\uD800-\uDBFF]$/, '')}…`;
}

const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text: clip(text, HEADER_MAX) } });
const section = (mrkdwn: string) => ({ type: 'section', text: { type: 'mrkdwn', text: clip(mrkdwn, SECTION_MAX) } });
const fields = (items: string[]) => ({
  type: 'section',
  fields: items.slice(0, FIELDS_MAX).map((text) => ({ type: 'mrkdwn', text: clip(text, FIELD_MAX) })),
});

/** A link line; only http(s) links, since the message is a pointer for people to open. */
function linkSection(link: string, label: string) {
  let u: URL;
  try {
    u = new URL(link);
  } catch (e) {
    throw new InputError('link is not a URL: it must start with https:// or http://', { cause: e });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new InputError(`link ${u.protocol} refused: it must start with https:// or http://`);
  // href has percent-encoded < > and spaces; '|' would end the URL part of <url|label>.
  return section(`<${escapeMrkdwn(u.href).replaceAll('|', '%7C')}|${label}>`);
}

/**
 * The digest summary as a Slack message: the subject as header, the headline tiles as fields,
 * up to 5 loss-makers with reasons and action, and the link when given.
 */
export function digestWebhookMessage(model: DigestModel, opts: { link?: string } = {}): WebhookMessage {
  const blocks: unknown[] = [header(model.subject)];
  if (model.notice) blocks.push(section(escapeMrkdwn(model.notice)));
  const tiles = [...model.tiles, ...model.adTiles];
  if (tiles.length > 0)
    blocks.push(fields(tiles.map((t) => `*${escapeMrkdwn(t.label)}*\n${escapeMrkdwn([t.value, t.change].filter(Boolean).join(' '))}`)));
  if (model.lossMakers.length > 0) {
    const shown = model.lossMakers.slice(0, LOSS_MAKERS_POSTED);
    const heading = `*Loss-makers* (${shown.length < model.lossMakersTotal ? `${shown.length} of ${model.lossMakersTotal}` : model.lossMakersTotal})`;
    const lines = shown.map(
      (l) =>
        `• *${escapeMrkdwn(l.name)}* (${escapeMrkdwn(l.platform)}): ${escapeMrkdwn([l.reasons, l.loss && `loss ${l.loss}`].filter(Boolean).join(', '))}. ${escapeMrkdwn(l.action)}`,
    );
    blocks.push(section([heading, ...lines].join('\n')));
  }
  if (opts.link) blocks.push(linkSection(opts.link, 'Open the full digest'));
  return { text: escapeMrkdwn(model.subject), blocks };
}

/** A short alert: title, lines of evidence, optional link. */
export function alertWebhookMessage(alert: { title: string; lines: string[]; link?: string }): WebhookMessage {
  const blocks: unknown[] = [header(alert.title)];
  // An empty section text is refused by Slack ("invalid_blocks"): no lines, no section.
  if (alert.lines.length > 0) blocks.push(section(alert.lines.map((l) => `• ${escapeMrkdwn(l)}`).join('\n')));
  if (alert.link) blocks.push(linkSection(alert.link, 'Open in campaign-pulse'));
  return { text: escapeMrkdwn(alert.title), blocks };
}
