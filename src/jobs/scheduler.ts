import type { JobSchedulerJson } from 'bullmq';
import type { Config } from '../config.ts';
import { jobOptions, type RetryTuning, type RunRequest } from './catalog.ts';
import type { Queues } from './queues.ts';

/** Fixed ids: upserting again replaces a schedule instead of adding a second one. */
export const schedules = {
  'nightly-etl': { configKey: 'ETL_CRON', request: { trigger: 'schedule:etl', stages: ['ingest', 'kpis', 'models', 'clusters'] } },
  'weekly-digest': { configKey: 'DIGEST_CRON', request: { trigger: 'schedule:digest', stages: ['digest'] } },
} as const satisfies Record<string, { configKey: 'ETL_CRON' | 'DIGEST_CRON'; request: RunRequest }>;

export type ScheduleId = keyof typeof schedules;

export interface ScheduleOptions {
  /** Cron patterns overriding ETL_CRON / DIGEST_CRON (6 fields, seconds first, are allowed). */
  patterns?: Partial<Record<ScheduleId, string>>;
  retry?: RetryTuning;
}

/**
 * Upserts the job schedulers for the nightly ETL and the weekly digest, in PULSE_TIMEZONE.
 * Each tick adds one `start-run` job (its id is the scheduler id and tick time, so a tick
 * is one job however many workers run); its handler opens the run and adds the flow.
 */
export async function upsertSchedules(queues: Queues, config: Config, opts: ScheduleOptions = {}): Promise<JobSchedulerJson[]> {
  for (const [id, s] of Object.entries(schedules) as [ScheduleId, (typeof schedules)[ScheduleId]][]) {
    await queues.control.upsertJobScheduler(
      id,
      { pattern: opts.patterns?.[id] ?? config[s.configKey], tz: config.PULSE_TIMEZONE },
      {
        name: 'start-run',
        data: { ...s.request, stages: [...s.request.stages] },
        opts: { ...jobOptions('start-run', opts.retry), removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 } },
      },
    );
  }
  return listSchedules(queues);
}

export async function listSchedules(queues: Queues): Promise<JobSchedulerJson[]> {
  return queues.control.getJobSchedulers(0, -1, true);
}

export async function removeSchedules(queues: Queues): Promise<void> {
  for (const id of Object.keys(schedules)) await queues.control.removeJobScheduler(id);
}
