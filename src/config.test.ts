import { getNextMillis } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ConfigError, cronProblem, parseConfig } from './config.ts';

describe('ETL_CRON and DIGEST_CRON', () => {
  it('take the defaults, 5 fields, 6 with seconds, names and aliases', () => {
    expect(parseConfig({})).toMatchObject({ ETL_CRON: '0 2 * * *', DIGEST_CRON: '0 7 * * 1' });
    for (const pattern of [
      '30 1 * * *',
      '*/30 0 2 * * *',
      '0 7 * * MON',
      '0 9 1-7 * 1',
      '0 6 L * *',
      '0 7 * * 1#2',
      '@daily',
      ' 0 3 * * * ',
    ]) {
      expect(parseConfig({ ETL_CRON: pattern, DIGEST_CRON: pattern, PULSE_TIMEZONE: 'Asia/Kolkata' }).ETL_CRON).toBe(pattern.trim());
    }
  });

  it("refuse what the scheduler would not run, with the parser's reason", () => {
    expect(() => parseConfig({ ETL_CRON: '61 2 * * *' })).toThrow(
      'ETL_CRON (got "61 2 * * *"): must be a cron expression such as "0 2 * * *": Constraint error, got value 61 expected range 0-59',
    );
    expect(() => parseConfig({ DIGEST_CRON: '0 7 * * 8' })).toThrow(
      /^Invalid environment: DIGEST_CRON \(got "0 7 \* \* 8"\): must be a cron expression such as "0 2 \* \* \*": .*range 0-7/,
    );
    expect(() => parseConfig({ ETL_CRON: '0 0 30 2 *' })).toThrow(/ETL_CRON .*day of month/);
    expect(() => parseConfig({ ETL_CRON: '0 0 0 2 * * *' })).toThrow(/ETL_CRON .*too many fields/);
    expect(() => parseConfig({ ETL_CRON: 'every day' })).toThrow(ConfigError);
    expect(() => parseConfig({ ETL_CRON: '' })).toThrow(
      /ETL_CRON \(got ""\): must be a cron expression such as "0 2 \* \* \*": it is empty/,
    );
    // cron-parser would pad these with defaults in front; they are refused as typos
    expect(() => parseConfig({ ETL_CRON: '0 2 * *' })).toThrow(/ETL_CRON .*it has 4 fields/);
    expect(() => parseConfig({ ALERT_CRON: '0 6 * * * *x' })).toThrow(/ALERT_CRON \(got "0 6 \* \* \* \*x"\): must be a cron expression/);
  });

  it('report a bad cron beside other bad settings, and a bad time zone on its own', () => {
    expect(() => parseConfig({ PORT: 'x', DIGEST_CRON: '0 25 * * *' })).toThrow(/PORT .*; DIGEST_CRON .*range 0-23/);
    let message = '';
    try {
      parseConfig({ PULSE_TIMEZONE: 'Mars/Olympus' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/PULSE_TIMEZONE/);
    expect(message).not.toMatch(/CRON/);
  });

  it('accept exactly what BullMQ schedules (its repeat strategy, as upsertJobScheduler calls it)', () => {
    const now = Date.now();
    const patterns = [
      '0 2 * * *',
      '*/30 0 2 * * *',
      '0 7 * * MON',
      '@weekly',
      '0 0 29 2 *',
      '61 2 * * *',
      '0 0 30 2 *',
      '0 0 0 2 * * *',
      'every day',
      '0 7 * * 8',
      'L 2 * * *',
    ];
    for (const tz of ['UTC', 'Asia/Kolkata', 'America/New_York']) {
      for (const pattern of patterns) {
        let scheduled: boolean;
        try {
          scheduled = typeof getNextMillis(now, { pattern, tz }) === 'number';
        } catch {
          scheduled = false;
        }
        expect({ pattern, tz, accepted: cronProblem(pattern, tz) === null }).toEqual({ pattern, tz, accepted: scheduled });
      }
    }
  });
});

describe('alert settings', () => {
  it('default to a daily 06:00 check, half the trailing ROAS, 3 days, 20 orders a week', () => {
    expect(parseConfig({})).toMatchObject({ ALERT_CRON: '0 6 * * *', ALERT_DROP: 0.5, ALERT_STALE_DAYS: 3, ALERT_MIN_ORDERS: 20 });
    expect(parseConfig({ ALERT_CRON: '*/30 * * * *', ALERT_DROP: '0.7', ALERT_STALE_DAYS: '1', ALERT_MIN_ORDERS: '5' })).toMatchObject({
      ALERT_CRON: '*/30 * * * *',
      ALERT_DROP: 0.7,
      ALERT_STALE_DAYS: 1,
      ALERT_MIN_ORDERS: 5,
    });
  });

  it('refuse a share outside (0, 1), a fractional or zero day count, and name each', () => {
    for (const drop of ['0', '1', '1.5', '-0.2'])
      expect(() => parseConfig({ ALERT_DROP: drop })).toThrow(`ALERT_DROP (got "${drop}"): must be between 0 and 1 (exclusive)`);
    expect(() => parseConfig({ ALERT_DROP: 'half' })).toThrow(/ALERT_DROP \(got "half"\): must be a number, such as 0\.5/);
    expect(() => parseConfig({ ALERT_STALE_DAYS: '0', ALERT_MIN_ORDERS: '2.5' })).toThrow(/ALERT_STALE_DAYS .*; ALERT_MIN_ORDERS /);
  });
});
