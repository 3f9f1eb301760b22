import { createRequire } from 'node:module';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

const isTimeZone = (tz: unknown) => {
  if (typeof tz !== 'string') return false;
  // the default needs no check: the first Intl.DateTimeFormat loads ICU's time zone data (~10 ms of a start)
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};
export const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin" or "UTC"');

/**
 * Why BullMQ's job scheduler would not run `pattern` in time zone `tz`, or null when it would.
 * The check is the scheduler's own (bullmq's repeat strategy: cron-parser's parse with the
 * repeat options, then next()), so any expression it takes passes: 5 fields, 6 with seconds
 * first, names (MON, JAN), L, W, #, ? and the @daily-style aliases. One stricter rule: fewer than
 * five fields, which cron-parser pads with defaults in front ("0 2 * *" would run every minute
 * of midnight on the 2nd), is refused as the mistake it almost always is.
 */
export function cronProblem(pattern: string, tz: string): string | null {
  if (pattern === '') return 'it is empty';
  const fields = pattern.split(/\s+/).length;
  if (fields < 5 && !pattern.startsWith('@'))
    return `it has ${fields} field${fields === 1 ? '' : 's'}; write 5 (minute hour day month weekday) or 6 (seconds first)`;
  try {
    // next() as well: a date that never comes (30 February) parses, yet schedules nothing
    cronParser().CronExpressionParser.parse(pattern, { tz, currentDate: new Date() }).next();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

// cron-parser (and luxon under it) load only when a schedule is set: most commands never check one.
const cronParser = (): typeof import('cron-parser') => createRequire(import.meta.url)('cron-parser');
const cron = z.string().trim();
/** The defaults, which need no check (and a command that never sets a schedule loads no parser). */
const CRON_DEFAULTS: Record<string, string> = { ETL_CRON: '0 2 * * *', DIGEST_CRON: '0 7 * * 1', ALERT_CRON: '0 6 * * *' };
const CRON_SETTINGS = ['ETL_CRON', 'DIGEST_CRON', 'ALERT_CRON'] as const;

/** pino's levels, lowest first; `silent` writes nothing. */
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const emptyAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

// z.coerce.number would read '' as 0 and say "received NaN" for 'abc'; both deserve better.
const number = (hint: string) =>
  z.coerce.number({ error: (issue) => (issue.code === 'invalid_type' ? `must be a number, such as ${hint}` : undefined) }).finite();
/** An optional setting: unset or blank takes the default. */
const setting = <T extends z.ZodType>(schema: T, fallback: z.infer<T>) =>
  z.preprocess(emptyAsUndefined, schema.optional()).transform((v) => (v ?? fallback) as z.infer<T>);

export const configSchema = z
  .object({
    DATABASE_URL: z.preprocess(emptyAsUndefined, url(['postgres:', 'postgresql:']).optional()),
    REDIS_URL: z.preprocess(emptyAsUndefined, url(['redis:', 'rediss:']).optional()),
    SMTP_URL: z.preprocess(emptyAsUndefined, url(['smtp:', 'smtps:']).optional()),
    DIGEST_TO: z
      .string()
      .default('managers@example.com')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.email('must be a comma-separated list of e-mail addresses')).min(1)),
    DIGEST_FROM: z.email().default('campaign-pulse@example.com'),
    DIGEST_EMPTY_WEEK: z.enum(['short', 'skip']).default('short'),
    PULSE_TIMEZONE: timeZone.default('UTC'),
    ETL_CRON: cron.default(CRON_DEFAULTS.ETL_CRON!),
    DIGEST_CRON: cron.default(CRON_DEFAULTS.DIGEST_CRON!),
    ALERT_CRON: cron.default(CRON_DEFAULTS.ALERT_CRON!),
    // A creator's or channel's weekly ROAS below this share of its own four weeks before is an alert.
    ALERT_DROP: setting(number('0.5').gt(0, 'must be between 0 and 1 (exclusive)').lt(1, 'must be between 0 and 1 (exclusive)'), 0.5),
    ALERT_STALE_DAYS: setting(number('3').int().min(1), 3),
    // Orders (ad conversions) each of those four weeks needs before a drop against them means something.
    ALERT_MIN_ORDERS: setting(number('20').int().min(1), 20),
    BASELINE_REVENUE_PER_ORDER: setting(number('300').nonnegative(), 300),
    REVENUE_PER_CONVERSION: z.preprocess(emptyAsUndefined, number('25').positive().optional()),
    MIN_WINNER_SPEND: setting(number('1000').nonnegative(), 1000),
    MIN_HOLDOUT_USERS: setting(number('30').int().positive(), 30),
    INBOX_DIR: z.string().min(1).default('inbox'),
    ARCHIVE_DIR: z.string().min(1).default('inbox/archive'),
    OUT_DIR: z.string().min(1).default('out'),
    PULSE_DATA_DIR: z.string().min(1).default('.pulse'),
    PULSE_API_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
    // Bull Board's queue-changing actions (clean, pause, retry, remove...); unset: the board is read-only.
    PULSE_ADMIN_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
    // Signs webhook posts (X-Pulse-Signature) so a receiver can tell them from forgeries; Slack itself checks none.
    PULSE_WEBHOOK_SECRET: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
    // Behind a reverse proxy: client addresses (the login limit) and https (the cookie's Secure flag) come from X-Forwarded-*.
    PULSE_TRUST_PROXY: setting(z.enum(['true', 'false'], { message: 'must be true or false' }), 'false').transform((v) => v === 'true'),
    PULSE_QUEUE_PREFIX: z.string().min(1).default('pulse'),
    PORT: setting(number('3000').int().min(1).max(65535), 3000),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    PULSE_SEED: setting(number('42').int(), 42),
    // Models and segments are refitted when their training set changed, or its targets and outcome figures moved by more than this share.
    MODEL_REFIT_DRIFT: setting(number('0.05').min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'), 0.05),
  })
  .superRefine(
    (c, ctx) => {
      for (const key of CRON_SETTINGS) {
        if (typeof c[key] !== 'string' || (c[key] === CRON_DEFAULTS[key] && c.PULSE_TIMEZONE === 'UTC')) continue;
        // checked with the schedule's time zone, as the scheduler parses them; with UTC when the zone
        // is itself invalid (that gets its own message)
        const tz = isTimeZone(c.PULSE_TIMEZONE) ? c.PULSE_TIMEZONE : 'UTC';
        const problem = cronProblem(c[key], tz);
        if (problem) ctx.addIssue({ code: 'custom', path: [key], message: `must be a cron expression such as "0 2 * * *": ${problem}` });
      }
      if (typeof c.PULSE_ADMIN_TOKEN === 'string' && c.PULSE_ADMIN_TOKEN === c.PULSE_API_TOKEN)
        ctx.addIssue({ code: 'custom', path: ['PULSE_ADMIN_TOKEN'], message: 'must differ from PULSE_API_TOKEN' });
      // also when another setting is wrong, so one message names every problem
    },
    { when: () => true },
  );

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
  if (name.endsWith('_URL'))
    return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[\s\S]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`));
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

/** Whether LOG_LEVEL lets lines of `level` through: a command can then leave the logger (pino, ~20 ms to load) unloaded. */
export function logsAt(level: Exclude<(typeof LOG_LEVELS)[number], 'silent'>): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(config().LOG_LEVEL);
}
