// A bad setting is named on one line, and its value is shown without credentials.
import { describe, expect, it } from 'vitest';
import { parseConfig, redactCredentials } from '../src/config.ts';
import { ConfigError } from '../src/errors.ts';

const messageOf = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('config errors', () => {
  it('a malformed DATABASE_URL or SMTP_URL is shown without its password', () => {
    const db = messageOf({ DATABASE_URL: 'mysql://admin:hunter2-secret@db.internal:3306/pulse' });
    expect(db).toMatch(/^Invalid environment: DATABASE_URL \(got "mysql:\/\/\*\*\*@db\.internal:3306\/pulse"\): must be a URL/);
    expect(db).not.toContain('hunter2');
    const smtp = messageOf({ SMTP_URL: 'smtp://mailer:p@ss w0rd@mail host:25' });
    expect(smtp).not.toMatch(/p@ss|w0rd/);
  });

  it('a token that is too short is described by its length, never shown', () => {
    const m = messageOf({ PULSE_API_TOKEN: 'short-secret' });
    expect(m).toBe('Invalid environment: PULSE_API_TOKEN (got 12 characters, not shown): must be at least 16 characters');
  });

  it('PULSE_WEBHOOK_SECRET is optional and at least 16 characters, shown by its length only', () => {
    expect(parseConfig({}).PULSE_WEBHOOK_SECRET).toBeUndefined();
    expect(parseConfig({ PULSE_WEBHOOK_SECRET: 'webhook-secret-0123' }).PULSE_WEBHOOK_SECRET).toBe('webhook-secret-0123');
    expect(messageOf({ PULSE_WEBHOOK_SECRET: 'hook-secret' })).toBe(
      'Invalid environment: PULSE_WEBHOOK_SECRET (got 11 characters, not shown): must be at least 16 characters',
    );
  });

  it('PULSE_ADMIN_TOKEN is optional, at least 16 characters and not the API token', () => {
    const api = 'api-token-0123456789';
    expect(parseConfig({ PULSE_API_TOKEN: api }).PULSE_ADMIN_TOKEN).toBeUndefined();
    expect(parseConfig({ PULSE_API_TOKEN: api, PULSE_ADMIN_TOKEN: ' ' }).PULSE_ADMIN_TOKEN).toBeUndefined();
    expect(parseConfig({ PULSE_API_TOKEN: api, PULSE_ADMIN_TOKEN: 'admin-token-0123456789' }).PULSE_ADMIN_TOKEN).toBe(
      'admin-token-0123456789',
    );
    expect(messageOf({ PULSE_API_TOKEN: api, PULSE_ADMIN_TOKEN: 'admin' })).toBe(
      'Invalid environment: PULSE_ADMIN_TOKEN (got 5 characters, not shown): must be at least 16 characters',
    );
    expect(messageOf({ PULSE_API_TOKEN: api, PULSE_ADMIN_TOKEN: api })).toBe(
      'Invalid environment: PULSE_ADMIN_TOKEN (got 20 characters, not shown): must differ from PULSE_API_TOKEN',
    );
  });

  it('redacts every user:password@ in a text, and leaves other text alone', () => {
    expect(redactCredentials('from postgres://u:pw@h/db to redis://:pw2@r:6379')).toBe('from postgres://u:***@h/db to redis://:***@r:6379');
    expect(redactCredentials('see https://example.com/a@b and user@example.com')).toBe('see https://example.com/a@b and user@example.com');
  });
});
