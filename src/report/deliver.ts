import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';

export interface DigestMessage {
  period: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  /** The leaderboard; null when there is none to attach (a week without data). */
  csv: string | null;
  images: { cid: string; filename: string; png: Buffer }[];
}

/** A stable Message-ID per period and recipient, so a mail client also sees a resend as the same mail. */
export const messageIdFor = (period: string, recipient: string) =>
  `<digest-${period}-${createHash('sha256').update(recipient).digest('hex').slice(0, 12)}@campaign-pulse>`;

export function mailOptions(m: DigestMessage, to: string): Mail.Options {
  return {
    from: m.from,
    to,
    subject: m.subject,
    html: m.html,
    text: m.text,
    messageId: messageIdFor(m.period, to),
    attachments: [
      ...m.images.map((i) => ({ filename: i.filename, content: i.png, cid: i.cid, contentType: 'image/png', contentDisposition: 'inline' as const })),
      ...(m.csv === null ? [] : [{ filename: `leaderboard-${m.period}.csv`, content: m.csv, contentType: 'text/csv; charset=utf-8' }]),
    ],
  };
}

/** Without SMTP: the digest as files a person can open (.html) or import into a mail client (.eml). */
export async function writeDigestFiles(m: DigestMessage, to: string[], outDir: string): Promise<{ html: string; eml: string; text: string }> {
  await mkdir(outDir, { recursive: true });
  const base = join(outDir, `digest-${m.period}`);
  const eml = await new MailComposer(mailOptions(m, to.join(', '))).compile().build();
  // The standalone HTML shows its charts from files beside it instead of cid: parts.
  let html = m.html;
  for (const img of m.images) {
    await writeFile(join(outDir, img.filename), img.png);
    html = html.replaceAll(`cid:${img.cid}`, img.filename);
  }
  await writeFile(`${base}.html`, html);
  await writeFile(`${base}.eml`, eml);
  await writeFile(`${base}.txt`, m.text);
  if (m.csv !== null) await writeFile(join(outDir, `leaderboard-${m.period}.csv`), m.csv);
  return { html: `${base}.html`, eml: `${base}.eml`, text: `${base}.txt` };
}

export function smtpTransport(smtpUrl: string) {
  return nodemailer.createTransport(smtpUrl);
}
