import {
  claimDelivery,
  deliveredRecipients,
  latestWeekWithData,
  loadDigestData,
  markDelivered,
  markDeliveryFailed,
} from '../db/digest-repo.ts';
import { DeliveryError, messageOf } from '../errors.ts';
import { lastCompleteWeek, type Period, parsePeriod } from '../pipeline/shared/calendar.ts';
import { digestCharts } from '../report/digest-charts.ts';
import { buildDigestModel } from '../report/digest-model.ts';
import { type DigestMessage, openMailTransport } from '../report/mail.ts';
import { renderDigestHtml, renderDigestText } from '../report/render-email.ts';
import { AD_POINTS_SHOWN, TREND_WEEKS } from '../report/theme.ts';
import type { StageParams } from './params.ts';
import { defineStage, type StageDeps } from './stage.ts';

export interface DigestDetail {
  period: string;
  subject?: string;
  /** Where the digest was written, when it went to files. */
  files?: { html: string; eml: string; text: string };
  /** Recipients sent to in this run, when it went by mail. */
  sent?: number;
  renderSeconds?: number;
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

/** Renders the digest once for a period and delivers it once per recipient (see ops.digests). */
export const digestStage = defineStage({
  name: 'digest',
  async run(deps, params: StageParams<'digest'>) {
    const { config, store, log } = deps;
    const period = await resolvePeriod(deps, params.period);
    const recipients = params.to?.length ? params.to : config.DIGEST_TO;
    const transport = openMailTransport(config, { preview: params.preview });
    try {
      if (transport.deliversOnce && !params.resend) {
        const done = new Set(await deliveredRecipients(store.db, period.label));
        if (recipients.every((r) => done.has(r))) {
          log.info({ period: period.label }, 'digest already delivered for this period');
          return { rows: 0, skipped: `digest for ${period.label} already delivered`, detail: { period: period.label } as DigestDetail };
        }
      }
      const started = Date.now();
      const data = await loadDigestData(store.db, period, { trendWeeks: TREND_WEEKS, adPoints: AD_POINTS_SHOWN });
      const model = buildDigestModel(data, { minWinnerSpend: config.MIN_WINNER_SPEND });
      if (model.empty && config.DIGEST_EMPTY_WEEK === 'skip') {
        log.info({ period: period.label }, 'no data for the period, digest skipped (DIGEST_EMPTY_WEEK=skip)');
        return { rows: 0, skipped: `no data for ${period.label}`, detail: { period: period.label } as DigestDetail };
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
        campaignsCsv: model.campaignsCsv,
        images: charts.images,
      };
      const renderSeconds = (Date.now() - started) / 1000;
      if (!transport.deliversOnce) {
        const { files } = await transport.send(message, recipients);
        log.info({ period: period.label, html: files?.html, renderSeconds }, 'digest written');
        return { rows: 1, detail: { period: period.label, subject: model.subject, files, renderSeconds } as DigestDetail };
      }
      const failures: string[] = [];
      let sent = 0;
      for (const to of recipients) {
        const claimed = await claimDelivery(store.db, {
          period: period.label,
          recipient: to,
          subject: model.subject,
          html,
          resend: Boolean(params.resend),
        });
        if (!claimed) continue;
        try {
          const info = await transport.send(message, [to]);
          await markDelivered(store.db, period.label, to, info.messageId);
          sent++;
        } catch (e) {
          log.warn({ err: e, period: period.label }, 'digest not delivered to a recipient');
          failures.push(`${to}: ${messageOf(e)}`);
          await markDeliveryFailed(store.db, period.label, to, messageOf(e));
        }
      }
      log.info({ period: period.label, sent, failed: failures.length, renderSeconds }, 'digest sent');
      // Thrown so the job retries; recipients already sent are not sent again.
      if (failures.length) throw new DeliveryError(`digest for ${period.label} not delivered to ${failures.join('; ')}`);
      return { rows: sent, detail: { period: period.label, subject: model.subject, sent, renderSeconds } as DigestDetail };
    } finally {
      transport.close();
    }
  },
});
