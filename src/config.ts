import { z } from 'zod';
import { ConfigError } from './errors.ts';

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const cron = z
  .string()
  .trim()
  .regex(/^(\S+\s+){4}\S+$/, 'must be a 5-field cron expression such as "0 2 * * *"');

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as "Europe/Berlin" or "UTC"');

const emptyAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

// z.coerce.number would read '' as 0 and say "received NaN" for 'abc'; both deserve better.
const number = (hint: string) =>
  z.coerce.number({ error: (issue) => (issue.code === 'invalid_type' ? `must be a number, such as ${hint}` : undefined) }).finite();
/** An optional setting: unset or blank takes the default. */
const setting = <T extends z.ZodType>(schema: T, fallback: z.infer<T>) =>
  z.preprocess(emptyAsUndefined, schema.optional()).transform((v) => (v ?? fallback) as z.infer<T>);

export const configSchema = z.object({
  DATABASE_URL: z.preprocess(emptyAsUndefined, url(['postgres:', 'postgresql:']).optional()),
  REDIS_URL: z.preprocess(emptyAsUndefined, url(['redis:', 'rediss:']).optional()),
  SMTP_URL: z.preprocess(emptyAsUndefined, url(['smtp:', 'smtps:']).optional()),
  DIGEST_TO: z
    .string()
    .default('managers@example.com')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.email('must be a comma-separated list of e-mail addresses')).min(1)),
  DIGEST_FROM: z.email().default('campaign-pulse@example.com'),
  DIGEST_EMPTY_WEEK: z.enum(['short', 'skip']).default('short'),
  PULSE_TIMEZONE: timeZone.default('UTC'),
  ETL_CRON: cron.default('0 2 * * *'),
  DIGEST_CRON: cron.default('0 7 * * 1'),
  BASELINE_REVENUE_PER_ORDER: setting(number('300').nonnegative(), 300),
  REVENUE_PER_CONVERSION: z.preprocess(emptyAsUndefined, number('25').positive().optional()),
  MIN_WINNER_SPEND: setting(number('1000').nonnegative(), 1000),
  MIN_HOLDOUT_USERS: setting(number('30').int().positive(), 30),
  INBOX_DIR: z.string().min(1).default('inbox'),
  ARCHIVE_DIR: z.string().min(1).default('inbox/archive'),
  OUT_DIR: z.string().min(1).default('out'),
  PULSE_DATA_DIR: z.string().min(1).default('.pulse'),
  PULSE_API_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  PULSE_QUEUE_PREFIX: z.string().min(1).default('pulse'),
  PORT: setting(number('3000').int().min(1).max(65535), 3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PULSE_SEED: setting(number('42').int(), 42),
});

export type Config = z.infer<typeof configSchema>;

export { ConfigError };

/** Parses an environment; the message names each bad variable on one line. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const name = String(i.path[0] ?? '?');
    const shown = env[name] === undefined ? '' : ` (got ${shownValue(name, env[name])})`;
    return `${name}${shown}: ${i.message}`;
  });
  throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
}

/** A value as an error message may show it: secrets by length only, URLs without their password. */
function shownValue(name: string, value: string): string {
  if (/TOKEN|SECRET|PASSWORD/.test(name)) return `${value.length} characters, not shown`;
  // A URL that did not parse may hold its credentials anywhere before the last @: drop all of it.
  if (name.endsWith('_URL')) return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`));
  return JSON.stringify(redactCredentials(value));
}

/** `scheme://user:password@host` → `scheme://user:***@host`, also in text that is not a valid URL. */
export const redactCredentials = (text: string): string => text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s]*@/gi, '$1***@');

let cached: Config | undefined;

/** The configuration of this process, parsed once from process.env. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
