import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { DIGEST_TO_NAME } from '../pipeline/shared/slice.ts';

export interface DigestMessage {
  period: string;
  /** The subscription it is for (ops.subscriptions.name, or DIGEST_TO): part of its Message-ID and file names. */
  subscription: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  /** The leaderboard; null when there is none to attach (a week without data, or no influencers). */
  csv: string | null;
  /** The campaign sheet (every ad campaign); null without ad campaigns. */
  campaignsCsv: string | null;
  images: { cid: string; filename: string; png: Buffer }[];
}

/** A stable Message-ID per period, subscription and recipient, so a mail client also sees a resend as the same mail. */
export const messageIdFor = (m: Pick<DigestMessage, 'period' | 'subscription'>, recipient: string) =>
  `<digest-${m.period}-${createHash('sha256').update(`${m.subscription}\n${recipient}`).digest('hex').slice(0, 12)}@campaign-pulse>`;

/** "digest-2026-W46" for the unfiltered digest, "digest-2026-W46-instagram" for a subscription's. */
const fileStem = (m: DigestMessage) => `digest-${m.period}${m.subscription === DIGEST_TO_NAME ? '' : `-${m.subscription}`}`;

export function mailOptions(m: DigestMessage, to: string): Mail.Options {
  return {
    from: m.from,
    to,
    subject: m.subject,
    html: m.html,
    text: m.text,
    messageId: messageIdFor(m, to),
    attachments: [
      ...m.images.map((i) => ({
        filename: i.filename,
        content: i.png,
        cid: i.cid,
        contentType: 'image/png',
        contentDisposition: 'inline' as const,
      })),
      ...(m.csv === null ? [] : [{ filename: `leaderboard-${m.period}.csv`, content: m.csv, contentType: 'text/csv; charset=utf-8' }]),
      ...(m.campaignsCsv === null
        ? []
        : [{ filename: `campaigns-${m.period}.csv`, content: m.campaignsCsv, contentType: 'text/csv; charset=utf-8' }]),
    ],
  };
}

/** Without SMTP: the digest as files a person can open (.html) or import into a mail client (.eml). */
export async function writeDigestFiles(
  m: DigestMessage,
  to: string[],
  outDir: string,
  /** Chart files already written by this transport (not written again). */
  written: Set<string> = new Set(),
): Promise<{ html: string; eml: string; text: string }> {
  await mkdir(outDir, { recursive: true });
  const base = join(outDir, fileStem(m));
  const eml = await new MailComposer(mailOptions(m, to.join(', '))).compile().build();
  // The standalone HTML shows its charts from files beside it instead of cid: parts. Several
  // subscriptions' digests share a folder: theirs are named by content, so equal charts are one file.
  let html = m.html;
  const writes: Promise<void>[] = [];
  for (const img of m.images) {
    const name =
      m.subscription === DIGEST_TO_NAME
        ? img.filename
        : img.filename.replace(/\.png$/, `-${createHash('sha256').update(img.png).digest('hex').slice(0, 12)}.png`);
    const path = join(outDir, name);
    if (!written.has(path)) writes.push(writeFile(path, img.png));
    written.add(path);
    html = html.replaceAll(`cid:${img.cid}`, name);
  }
  const suffix = fileStem(m).slice('digest-'.length);
  writes.push(writeFile(`${base}.html`, html), writeFile(`${base}.eml`, eml), writeFile(`${base}.txt`, m.text));
  if (m.csv !== null) writes.push(writeFile(join(outDir, `leaderboard-${suffix}.csv`), m.csv));
  if (m.campaignsCsv !== null) writes.push(writeFile(join(outDir, `campaigns-${suffix}.csv`), m.campaignsCsv));
  await Promise.all(writes);
  return { html: `${base}.html`, eml: `${base}.eml`, text: `${base}.txt` };
}

/** A short alert mail (issue 18): text and HTML, no images or attachments. */
export interface AlertMessage {
  /** The subscription it is for (ops.subscriptions.name, or DIGEST_TO). */
  subscription: string;
  /** The alerts it carries ("loss_maker:17:1", or "summary:<hash>" for several): its Message-ID and file name. */
  id: string;
  from: string;
  subject: string;
  html: string;
  text: string;
}

/** A stable Message-ID per alert mail and recipient: a retried send is the same mail. */
export const alertMessageIdFor = (m: Pick<AlertMessage, 'id' | 'subscription'>, recipient: string) =>
  `<alert-${createHash('sha256').update(`${m.subscription}\n${m.id}\n${recipient}`).digest('hex').slice(0, 16)}@campaign-pulse>`;

export function alertMailOptions(m: AlertMessage, to: string): Mail.Options {
  return { from: m.from, to, subject: m.subject, html: m.html, text: m.text, messageId: alertMessageIdFor(m, to) };
}

/** Without SMTP: the alert as .html, .txt and .eml files, named after the subscription and the alerts. */
export async function writeAlertFiles(m: AlertMessage, to: string[], outDir: string): Promise<{ html: string; eml: string; text: string }> {
  await mkdir(outDir, { recursive: true });
  const name = `${m.subscription === DIGEST_TO_NAME ? '' : `${m.subscription}-`}${m.id}`.replace(/[^A-Za-z0-9_-]+/g, '-');
  const base = join(outDir, `alert-${name}`);
  await writeFile(`${base}.html`, m.html);
  await writeFile(`${base}.txt`, m.text);
  await writeFile(`${base}.eml`, await new MailComposer(alertMailOptions(m, to.join(', '))).compile().build());
  return { html: `${base}.html`, eml: `${base}.eml`, text: `${base}.txt` };
}

export interface SentMail {
  messageId: string;
  /** Where a file transport wrote the digest. */
  files?: { html: string; eml: string; text: string };
}

/**
 * Where a digest goes. `smtp` sends one mail per recipient, and the digest stage records each
 * delivery in ops.digests so a period reaches a recipient once; `files` writes the digest for
 * all recipients to a folder (no SMTP_URL, or a preview), which is never "delivered".
 */
export interface MailTransport {
  readonly kind: 'smtp' | 'files';
  /** Whether sends are real deliveries, to be made once per period and recipient. */
  readonly deliversOnce: boolean;
  send(message: DigestMessage, to: string[]): Promise<SentMail>;
  sendAlert(message: AlertMessage, to: string[]): Promise<SentMail>;
  close(): void;
}

export function smtpMailTransport(smtpUrl: string): MailTransport {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    kind: 'smtp',
    deliversOnce: true,
    async send(message, to) {
      const info = await transport.sendMail(mailOptions(message, to.join(', ')));
      return { messageId: info.messageId };
    },
    async sendAlert(message, to) {
      const info = await transport.sendMail(alertMailOptions(message, to.join(', ')));
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}

export function fileMailTransport(outDir: string): MailTransport {
  const charts = new Set<string>();
  return {
    kind: 'files',
    deliversOnce: false,
    async send(message, to) {
      const files = await writeDigestFiles(message, to, outDir, charts);
      return { messageId: messageIdFor(message, to.join(',')), files };
    },
    async sendAlert(message, to) {
      const files = await writeAlertFiles(message, to, outDir);
      return { messageId: alertMessageIdFor(message, to.join(',')), files };
    },
    close() {},
  };
}

/** SMTP when SMTP_URL is set and this is no preview; files in OUT_DIR otherwise. */
export function openMailTransport(settings: { SMTP_URL?: string; OUT_DIR: string }, opts: { preview?: boolean } = {}): MailTransport {
  return settings.SMTP_URL && !opts.preview ? smtpMailTransport(settings.SMTP_URL) : fileMailTransport(settings.OUT_DIR);
}
