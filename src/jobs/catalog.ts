// The one list of jobs: name → queue, payload schema, attempts and backoff. Producers take
// their options from here and workers their payload types, so the two cannot drift apart.
import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { describeIssues, runParams } from '../stages/params.ts';
import { UnrecoverableError } from './bullmq.ts';

/** `pipeline` runs the stages, one job at a time across all workers; `control` starts runs. */
export const queueNames = ['control', 'pipeline'] as const;
export type QueueName = (typeof queueNames)[number];

/** What a run is: which stages with their parameters (the schema every entry point shares), and who asked. */
export const runRequest = runParams.extend({ trigger: z.string().min(1).max(100) });
export type RunRequest = z.input<typeof runRequest>;

const stagePayload = runRequest.extend({
  runId: z.string().min(1).max(100),
  /** The instant the run was asked for: every stage of a run sees the same `now`. */
  requestedAt: z.iso.datetime(),
  /** Set when identical requests may join this run until its first stage starts. */
  pendingKey: z.string().optional(),
});
export type StagePayload = z.infer<typeof stagePayload>;

interface JobDefinition {
  queue: QueueName;
  schema: z.ZodType;
  attempts: number;
  /** First retry delay; each later retry waits twice as long (exponential backoff). */
  backoffMs: number;
}

const stageJob = (attempts: number, backoffMs: number) => ({ queue: 'pipeline', schema: stagePayload, attempts, backoffMs }) as const;

export const jobCatalog = {
  // A scheduler tick: opens a run and adds its flow. Cheap, so it may retry often.
  'start-run': { queue: 'control', schema: runRequest, attempts: 5, backoffMs: 2_000 },
  // 8 attempts from 5 s cover about ten minutes of database or network trouble.
  ingest: stageJob(8, 5_000),
  kpis: stageJob(8, 5_000),
  // Like the digest: alerts already delivered are never delivered again (ops.alert_deliveries).
  alerts: stageJob(6, 30_000),
  models: stageJob(5, 5_000),
  clusters: stageJob(5, 5_000),
  // SMTP outages last longer; recipients already sent are never sent again (ops.digests).
  digest: stageJob(6, 30_000),
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['schema']>;

/** Test and operator overrides of the catalog's retry policy. */
export interface RetryTuning {
  attempts?: number;
  backoffMs?: number;
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobCatalog, name);
}

export function jobOptions(name: JobName, tuning: RetryTuning = {}): Pick<JobsOptions, 'attempts' | 'backoff'> {
  const def = jobCatalog[name];
  return {
    attempts: Math.max(1, tuning.attempts ?? def.attempts),
    backoff: { type: 'exponential', delay: tuning.backoffMs ?? def.backoffMs },
  };
}

/** Validates a payload; input no retry can fix becomes an UnrecoverableError naming the fields. */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const result = jobCatalog[name].schema.safeParse(data);
  if (result.success) return result.data as JobPayload<N>;
  throw new UnrecoverableError(`job ${name}: invalid payload: ${describeIssues(result.error)}`);
}
