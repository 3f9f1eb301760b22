import type { JobSchedulerJson } from 'bullmq';
import type { Config } from '../config.ts';
import { jobOptions, type RetryTuning, type RunRequest } from './catalog.ts';
import type { Queues } from './queues.ts';

/** Fixed ids: upserting again replaces a schedule instead of adding a second one. */
export const schedules = {
  'nightly-etl': { configKey: 'ETL_CRON', request: { trigger: 'schedule:etl', stages: ['ingest', 'kpis', 'models', 'clusters'] } },
  'weekly-digest': { configKey: 'DIGEST_CRON', request: { trigger: 'schedule:digest', stages: ['digest'] } },
  alerts: { configKey: 'ALERT_CRON', request: { trigger: 'schedule:alerts', stages: ['alerts'] } },
} as const satisfies Record<string, { configKey: 'ETL_CRON' | 'DIGEST_CRON' | 'ALERT_CRON'; request: RunRequest }>;

export type ScheduleId = keyof typeof schedules;

/** The digest schedule of the subscriptions in another time zone than PULSE_TIMEZONE. */
const ZONE_DIGEST = 'weekly-digest@';

export interface ScheduleOptions {
  /** Cron patterns overriding ETL_CRON / DIGEST_CRON / ALERT_CRON (6 fields, seconds first, are allowed). */
  patterns?: Partial<Record<ScheduleId, string>>;
  retry?: RetryTuning;
  /** The time zones of the subscriptions (ops.subscriptions.timezone): each gets DIGEST_CRON in its own zone. */
  zones?: string[];
}

/**
 * Upserts the job schedulers for the nightly ETL, the weekly digest and the alerts in PULSE_TIMEZONE, and one
 * digest schedule per other time zone a subscription is in (DST-safe: the scheduler's `tz`); the
 * digest of each zone goes to that zone's subscriptions. Each tick adds one `start-run` job (its
 * id is the scheduler id and tick time, so a tick is one job however many workers run); its
 * handler opens the run and adds the flow.
 */
export async function upsertSchedules(queues: Queues, config: Config, opts: ScheduleOptions = {}): Promise<JobSchedulerJson[]> {
  const upsert = (id: string, pattern: string, tz: string, request: RunRequest) =>
    queues.control.upsertJobScheduler(
      id,
      { pattern, tz },
      {
        name: 'start-run',
        data: request,
        opts: { ...jobOptions('start-run', opts.retry), removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 } },
      },
    );
  const main = config.PULSE_TIMEZONE;
  const etl = schedules['nightly-etl'].request;
  await upsert('nightly-etl', opts.patterns?.['nightly-etl'] ?? config.ETL_CRON, main, { ...etl, stages: [...etl.stages] });
  const digest = (timezone: string): RunRequest => ({ ...schedules['weekly-digest'].request, stages: ['digest'], timezone });
  const digestPattern = opts.patterns?.['weekly-digest'] ?? config.DIGEST_CRON;
  await upsert('weekly-digest', digestPattern, main, digest(main));
  // One alerts schedule for every subscription: a condition is news when it is found, in any zone.
  await upsert('alerts', opts.patterns?.alerts ?? config.ALERT_CRON, main, { ...schedules.alerts.request, stages: ['alerts'] });
  const zones = new Set((opts.zones ?? []).filter((z) => z !== main));
  for (const zone of zones) await upsert(`${ZONE_DIGEST}${zone}`, digestPattern, zone, digest(zone));
  // Zones no subscription is in any more lose their schedule.
  for (const s of await listSchedules(queues))
    if (s.key.startsWith(ZONE_DIGEST) && !zones.has(s.key.slice(ZONE_DIGEST.length))) await queues.control.removeJobScheduler(s.key);
  return listSchedules(queues);
}

export async function listSchedules(queues: Queues): Promise<JobSchedulerJson[]> {
  return queues.control.getJobSchedulers(0, -1, true);
}

/** Re-creates the schedules for the subscriptions' time zones, when schedules exist (`pulse schedule` made them). */
export async function syncSchedules(queues: Queues, config: Config, zones: string[]): Promise<boolean> {
  if (!(await listSchedules(queues)).some((s) => s.key === 'weekly-digest')) return false;
  await upsertSchedules(queues, config, { zones });
  return true;
}

export async function removeSchedules(queues: Queues): Promise<void> {
  for (const s of await listSchedules(queues)) await queues.control.removeJobScheduler(s.key);
}
