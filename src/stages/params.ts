// What a run can be asked for: the stages and each stage's own parameters, as zod schemas.
// The CLI, the job catalog and the HTTP API all validate with these, before any stage runs.
// Light on purpose (zod and the calendar only): commands that run no stage import it.
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { parsePeriod } from '../pipeline/shared/calendar.ts';

// alerts right after kpis: its conditions need the KPIs only, not the models.
export const stageNames = ['ingest', 'kpis', 'alerts', 'models', 'clusters', 'digest'] as const;
export type StageName = (typeof stageNames)[number];

/** A digest period: an ISO week ("2026-W46") that exists, or "latest" (the newest week with data). */
export const periodLabel = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    if (v === 'latest') return;
    try {
      parsePeriod(v);
    } catch (e) {
      // parsePeriod says what is wrong with this very label ("2026 has no week 60").
      ctx.addIssue({ code: 'custom', message: `${(e as Error).message}, or "latest"` });
    }
  });

/** Each stage's parameters. A new parameter goes here and reaches every entry point. */
export const stageParams = {
  ingest: z.object({
    /** The folder to load from instead of INBOX_DIR (CLI only; jobs and HTTP use INBOX_DIR). */
    inbox: z.string().min(1).optional(),
  }),
  kpis: z.object({
    /** Build the sums from every stored order and recompute every week, instead of folding in new loads. */
    rebuild: z.boolean().optional(),
  }),
  alerts: z.object({}),
  models: z.object({}),
  clusters: z.object({}),
  digest: z.object({
    period: periodLabel.optional(),
    /** Write the files to OUT_DIR, send nothing. */
    preview: z.boolean().optional(),
    /** Send again although this period was delivered. */
    resend: z.boolean().optional(),
    /** Send the unfiltered digest to these recipients instead of the subscriptions (or DIGEST_TO). */
    to: z.array(z.email('must be an e-mail address')).min(1).optional(),
    /** Only this subscription (ops.subscriptions.name). */
    subscription: z.string().min(1).optional(),
    /** Only the subscriptions in this time zone (each zone's schedule sends its own). */
    timezone: z.string().min(1).optional(),
  }),
} as const satisfies Record<StageName, z.ZodObject>;

export type StageParams<N extends StageName> = z.infer<(typeof stageParams)[N]>;

export const stageList = z
  .array(z.enum(stageNames, { message: `must be one of ${stageNames.join(', ')}` }))
  .min(1, 'name at least one stage')
  // Stages always run in pipeline order, whatever order they were asked for in.
  .transform((list) => stageNames.filter((s) => list.includes(s)));

/** A run: which stages, and the parameters of each (one flat object; names do not collide). */
export const runParams = z
  .object({
    stages: stageList.default([...stageNames]),
    ...stageParams.ingest.shape,
    ...stageParams.kpis.shape,
    ...stageParams.digest.shape,
  })
  .strict();
export type RunParams = z.infer<typeof runParams>;
export type RunParamsInput = z.input<typeof runParams>;

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

/** Validates a run request; anything wrong is an InputError naming each field. */
export function parseRunParams(input: unknown): RunParams {
  const result = runParams.safeParse(input);
  if (!result.success) throw new InputError(`invalid run: ${describeIssues(result.error)}`);
  return result.data;
}

/** "ingest, kpis" (a CLI argument) → the stages, in pipeline order; "pipeline" or nothing → all. */
export function stagesFromText(text: string | undefined): StageName[] {
  if (text === undefined || text.trim() === 'pipeline') return [...stageNames];
  const wanted = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const result = stageList.safeParse(wanted);
  if (!result.success) throw new InputError(`stages "${text}": ${describeIssues(result.error)}; or "pipeline" for all`);
  return result.data;
}

/** The parameters one stage takes out of a run's. */
export function paramsOf<N extends StageName>(stage: N, run: RunParams): StageParams<N> {
  return stageParams[stage].parse(
    Object.fromEntries(Object.keys(stageParams[stage].shape).map((k) => [k, run[k as keyof RunParams]])),
  ) as StageParams<N>;
}
