import { describe, expect, it } from 'vitest';
import { addDays, daysSinceMonday, isoDay, lastCompleteWeek, mondayOf, parsePeriod, parsePeriodRange, utcDay, weekOf } from './calendar.ts';

describe('ISO weeks', () => {
  it('labels dates across year ends the ISO way', () => {
    expect(weekOf('2026-11-12').label).toBe('2026-W46');
    expect(weekOf('2021-01-03').label).toBe('2020-W53');
    expect(weekOf('2024-12-30').label).toBe('2025-W01');
    expect(weekOf('2026-11-12').start).toBe('2026-11-09');
  });

  it('parses labels and ranges and refuses nonsense', () => {
    expect(parsePeriod('2026-W46')).toEqual({ label: '2026-W46', start: '2026-11-09', end: '2026-11-15' });
    expect(parsePeriodRange('2026-W40..2026-W46').map((p) => p.label)).toHaveLength(7);
    expect(() => parsePeriod('2026-46')).toThrow(/ISO week/);
    expect(() => parsePeriod('2026-W54')).toThrow(/does not exist/);
  });

  it('takes the week before the current one, in the configured time zone', () => {
    // Monday 2026-11-23 00:30 in Kolkata is still Sunday 2026-11-22 in UTC.
    const now = new Date('2026-11-22T19:00:00Z');
    expect(lastCompleteWeek(now, 'Asia/Kolkata').label).toBe('2026-W47');
    expect(lastCompleteWeek(now, 'UTC').label).toBe('2026-W46');
  });
});

describe('days', () => {
  it('finds the Monday of an ISO week', () => {
    expect(['2026-11-16', '2026-11-22', '2027-01-01'].map(mondayOf)).toEqual(['2026-11-16', '2026-11-16', '2026-12-28']);
  });

  it('adds days across month, year and leap-day ends, and numbers weekdays from Monday', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-11-15', -111)).toBe('2026-07-27');
    expect(['2026-11-16', '2026-11-21', '2026-11-22'].map(daysSinceMonday)).toEqual([0, 5, 6]);
    expect(utcDay(new Date('2026-11-22T23:59:59.999Z'))).toBe('2026-11-22');
  });

  it('writes YYYYMMDD numbers as ISO days', () => {
    expect([20261113, 20270101, 99991231].map(isoDay)).toEqual(['2026-11-13', '2027-01-01', '9999-12-31']);
  });
});
