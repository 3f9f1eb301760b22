// An alert as mail (text and HTML) and as a Slack message: what happened, the evidence, where to
// look next. Short on purpose, no charts. One alert per message; several that became due for a
// recipient in the same run go as one summary, so a first run over a portfolio with hundreds of
// loss-makers is one mail, not hundreds.
import { DIGEST_TO_NAME } from '../pipeline/shared/slice.ts';
import { escapeHtml as esc } from './format.ts';
import { alertWebhookMessage, type WebhookMessage } from './webhook.ts';

/** One alert as sent. */
export interface AlertItem {
  kind: string;
  title: string;
  evidence: string[];
}

export interface AlertScope {
  /** The subscription's name, or DIGEST_TO. */
  subscription: string;
  /** Its slice for people ("Instagram, Fitness"), "" for everything. */
  slice: string;
}

/** Alerts listed in a summary; the rest are counted. */
export const ALERTS_LISTED = 25;
/** Up to this many alerts due for a recipient in one run go one message each; more go as one summary. */
export const ALERTS_SENT_ALONE = 3;

/** The messages a recipient's due alerts go in: one each, or one summary of them all. */
export const alertGroups = <T>(due: readonly T[]): T[][] =>
  due.length <= ALERTS_SENT_ALONE ? due.map((a) => [a]) : due.length ? [[...due]] : [];

/** Where to look next (there is no web page to link to: the digest and the CLI). */
export const ALERT_FOOTER = 'The weekly digest has the full figures; `pulse status` shows the runs, loaded files and rejects.';

const kindNames: Record<string, [string, string]> = {
  loss_maker: ['loss-maker', 'loss-makers'],
  roas_drop: ['ROAS drop', 'ROAS drops'],
  stale: ['stale data', 'stale data'],
  run_failed: ['failed run', 'failed runs'],
};

/** "2 loss-makers, 1 failed run" */
function kindCounts(items: readonly AlertItem[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.kind, (counts.get(i.kind) ?? 0) + 1);
  return [...counts]
    .map(([k, n]) => {
      const [one, many] = kindNames[k] ?? [k, k];
      return `${n} ${n === 1 ? one : many}`;
    })
    .join(', ');
}

export function alertSubject(items: readonly AlertItem[]): string {
  if (items.length === 1) return `Alert: ${items[0]!.title}`;
  return `Alerts: ${items.length} new (${kindCounts(items)})`;
}

const scopeLine = (s: AlertScope) =>
  `For ${s.subscription === DIGEST_TO_NAME ? 'the DIGEST_TO list' : `subscription ${s.subscription}`}${s.slice ? ` (${s.slice})` : ''}.`;

export function renderAlertText(items: readonly AlertItem[], scope: AlertScope): string {
  const shown = items.slice(0, ALERTS_LISTED);
  const lines = [alertSubject(items), ''];
  for (const i of shown) {
    if (items.length > 1) lines.push(i.title);
    lines.push(...i.evidence.map((e) => `- ${e}`), '');
  }
  if (items.length > shown.length) lines.push(`And ${items.length - shown.length} more.`, '');
  lines.push(scopeLine(scope), ALERT_FOOTER, '');
  return lines.join('\n');
}

export function renderAlertHtml(items: readonly AlertItem[], scope: AlertScope): string {
  const shown = items.slice(0, ALERTS_LISTED);
  const blocks = shown.map(
    (i) =>
      `${items.length > 1 ? `<h2 style="font-size:16px;margin:20px 0 6px">${esc(i.title)}</h2>` : ''}<ul style="margin:0;padding-left:20px">${i.evidence
        .map((e) => `<li style="margin:2px 0">${esc(e)}</li>`)
        .join('')}</ul>`,
  );
  if (items.length > shown.length) blocks.push(`<p>And ${items.length - shown.length} more.</p>`);
  const subject = esc(alertSubject(items));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light only"><meta name="supported-color-schemes" content="light only"><title>${subject}</title></head>
<body style="margin:0;padding:16px;background:#ffffff;color:#1a1a1a;color-scheme:light only;font:14px/1.5 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif">
<div style="max-width:600px;margin:0 auto">
<h1 style="font-size:18px;margin:0 0 12px">${subject}</h1>
${blocks.join('\n')}
<p style="margin-top:20px;color:#555555;font-size:13px">${esc(scopeLine(scope))} ${esc(ALERT_FOOTER)}</p>
</div></body></html>
`;
}

/** The Slack message: one alert with its evidence, or a summary listing the alerts' titles. */
export function alertWebhookContent(items: readonly AlertItem[]): WebhookMessage {
  if (items.length === 1) return alertWebhookMessage({ title: alertSubject(items), lines: [...items[0]!.evidence, ALERT_FOOTER] });
  const shown = items.slice(0, ALERTS_LISTED).map((i) => i.title);
  return alertWebhookMessage({
    title: alertSubject(items),
    lines: [...shown, ...(items.length > shown.length ? [`And ${items.length - shown.length} more.`] : []), ALERT_FOOTER],
  });
}
