// One class per kind of failure, each with its own `name` (shown in logs) and the `cause` it wraps.
// Callers tell them apart with instanceof, never by comparing message or name strings.

/** The environment holds a bad setting; the message names the variable (credentials redacted). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A service-mode command was started without what it needs (Redis, Postgres, an API token). */
export class ServiceConfigError extends Error {
  override name = 'ServiceConfigError';
}

/** Postgres or Redis did not answer a one-shot command: the message names which, at which address. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/**
 * Input no retry can fix: run parameters that fail their schema, a period that does not
 * exist, an inbox that is not a readable folder. Jobs fail at once on it; HTTP answers 400;
 * the CLI prints its message on one line and exits non-zero.
 */
export class InputError extends Error {
  override name = 'InputError';
}

/** The digest could not be sent to some recipients; those sent are not sent again on retry. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

/**
 * A webhook did not take a message: it refused it (a 4xx other than 429, not retried), or every
 * attempt failed. `status` is the last HTTP answer, undefined when none came (timeout, network).
 */
export class WebhookError extends Error {
  override name = 'WebhookError';
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
  }
}

/** The message of anything thrown, for a one-line summary (logs get the error itself). */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
