import { sql } from 'kysely';
import type { StageContext, StageOutcome } from './stage.ts';
import { lastCompleteWeek, parsePeriod, type Period } from '../pipeline/shared/calendar.ts';
import { loadDigestData } from '../db/digest-repo.ts';
import { buildDigestModel } from '../report/digest-model.ts';
import { renderDigestHtml, renderDigestText } from '../report/render-email.ts';
import { mailOptions, smtpTransport, writeDigestFiles, type DigestMessage } from '../report/deliver.ts';
import { digestCharts } from '../report/digest-charts.ts';

// A claim older than this is taken to belong to a process that died while sending.
const STALE_CLAIM_MINUTES = 15;

export async function resolvePeriod(ctx: StageContext): Promise<Period> {
  if (ctx.period === 'latest') {
    const r = await sql<{ week: string | null }>`SELECT max(week) AS week FROM mart.weekly_kpis`.execute(ctx.store.db);
    return r.rows[0]?.week ? parsePeriod(r.rows[0].week) : lastCompleteWeek(ctx.now, ctx.config.PULSE_TIMEZONE);
  }
  return ctx.period ? parsePeriod(ctx.period) : lastCompleteWeek(ctx.now, ctx.config.PULSE_TIMEZONE);
}

/** Renders the digest once for a period and sends it once per recipient (see ops.digests). */
export async function digestStage(ctx: StageContext): Promise<StageOutcome> {
  const { config, store, log } = ctx;
  const period = await resolvePeriod(ctx);
  const recipients = ctx.to?.length ? ctx.to : config.DIGEST_TO;
  const send = Boolean(config.SMTP_URL) && !ctx.preview;
  if (send && !ctx.resend) {
    const done = await sql<{ recipient: string }>`SELECT recipient FROM ops.digests WHERE period = ${period.label} AND state IN ('sent', 'skipped')`.execute(store.db);
    if (recipients.every((r) => done.rows.some((d) => d.recipient === r))) {
      log.info({ period: period.label }, 'digest already delivered for this period');
      return { rows: 0, skipped: `digest for ${period.label} already delivered`, detail: { period: period.label } };
    }
  }
  const started = Date.now();
  const data = await loadDigestData(store.db, period);
  const model = buildDigestModel(data, { minWinnerSpend: config.MIN_WINNER_SPEND });
  if (model.empty && config.DIGEST_EMPTY_WEEK === 'skip') {
    log.info({ period: period.label }, 'no data for the period, digest skipped (DIGEST_EMPTY_WEEK=skip)');
    return { rows: 0, skipped: `no data for ${period.label}`, detail: { period: period.label } };
  }
  // An empty week's digest is the short notice: no charts to draw.
  const charts = model.empty ? { inline: [], omitted: [], images: [] } : await digestCharts(data);
  const html = await renderDigestHtml(model, charts.inline, charts.omitted);
  const message: DigestMessage = {
    period: period.label,
    from: config.DIGEST_FROM,
    subject: model.subject,
    html,
    text: renderDigestText(model, charts.omitted),
    csv: model.leaderboardCsv,
    images: charts.images,
  };
  const renderSeconds = (Date.now() - started) / 1000;
  if (!send) {
    const files = await writeDigestFiles(message, recipients, config.OUT_DIR);
    log.info({ period: period.label, html: files.html, renderSeconds }, 'digest written');
    return { rows: 1, detail: { period: period.label, subject: model.subject, files, renderSeconds } };
  }
  const transport = smtpTransport(config.SMTP_URL!);
  const failures: string[] = [];
  let sent = 0;
  try {
    for (const to of recipients) {
      if (!(await claim(ctx, period.label, to, model.subject, html))) continue;
      try {
        const info = await transport.sendMail(mailOptions(message, to));
        await sql`UPDATE ops.digests SET state = 'sent', message_id = ${info.messageId}, sent_at = now(), error = NULL
                  WHERE period = ${period.label} AND recipient = ${to}`.execute(store.db);
        sent++;
      } catch (e) {
        failures.push(`${to}: ${(e as Error).message}`);
        await sql`UPDATE ops.digests SET state = 'failed', error = ${(e as Error).message} WHERE period = ${period.label} AND recipient = ${to}`.execute(store.db);
      }
    }
  } finally {
    transport.close();
  }
  log.info({ period: period.label, sent, failed: failures.length, renderSeconds }, 'digest sent');
  // Thrown so the job retries; recipients already sent are not sent again.
  if (failures.length) throw new Error(`digest for ${period.label} not delivered to ${failures.join('; ')}`);
  return { rows: sent, detail: { period: period.label, subject: model.subject, sent, renderSeconds } };
}

/** Takes the right to send to one recipient; false when it was sent or is being sent by another process. */
async function claim(ctx: StageContext, period: string, to: string, subject: string, html: string): Promise<boolean> {
  const r = await sql`
    INSERT INTO ops.digests AS d (period, recipient, state, subject, html, attempts)
    VALUES (${period}, ${to}, 'sending', ${subject}, ${html}, 1)
    ON CONFLICT (period, recipient) DO UPDATE SET state = 'sending', subject = excluded.subject, html = excluded.html,
      attempts = d.attempts + 1, claimed_at = now(), error = NULL
    WHERE d.state = 'failed'
       OR (d.state = 'sending' AND d.claimed_at < now() - make_interval(mins => ${STALE_CLAIM_MINUTES}))
       OR (${Boolean(ctx.resend)} AND d.state IN ('sent', 'skipped'))
    RETURNING 1`.execute(ctx.store.db);
  return r.rows.length > 0;
}
