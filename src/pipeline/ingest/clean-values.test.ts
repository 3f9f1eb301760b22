import { describe, expect, it } from 'vitest';
import { cleanDay, cleanDecimal, cleanInt, cleanLabel, cleanNumber, cleanPlatform, cleanText, isBlank, toCents } from './clean-values.ts';

// The cleaners follow PostgreSQL's semantics (btrim, numeric, lower/initcap) so that values, and
// the row keys hashed from them, equal those of earlier loads: the expected values apply them.

describe('blank and text, trimmed of spaces as btrim() trims', () => {
  it('tells blank (null) from text', () => {
    expect([undefined, '', '   '].map(isBlank)).toEqual([true, true, true]);
    expect(isBlank('\t')).toBe(false);
    expect(cleanText('  @ann ')).toBe('@ann');
    expect(cleanText(' ')).toBeNull();
    expect(cleanText(undefined)).toBeNull();
    expect(cleanText('\t@ann\t')).toBe('\t@ann\t');
  });
});

describe('numbers', () => {
  it('reads currency, separators and accounting negatives', () => {
    expect(cleanNumber('₹1,200.50')).toBe(1200.5);
    expect(cleanNumber('$102.82')).toBe(102.82);
    expect(cleanNumber('(12.5)')).toBe(-12.5);
    expect(cleanNumber('Rs. 40')).toBe(40);
    expect(cleanNumber('1 200 INR')).toBe(1200);
    expect(cleanNumber(' 22.0 ')).toBe(22);
    expect(cleanNumber('1.5e2')).toBe(150);
    expect(cleanNumber('-3')).toBe(-3);
  });

  it('gives null for blank and undefined for unreadable', () => {
    expect(cleanNumber('')).toBeNull();
    expect(cleanNumber('  ')).toBeNull();
    expect(cleanNumber(undefined)).toBeNull();
    expect(cleanNumber('12,O0')).toBeUndefined();
    expect(cleanNumber('abc')).toBeUndefined();
    expect(cleanNumber('\t')).toBeUndefined();
    // the one departure: SQL read it, then failed the whole load storing it in numeric(14, 2)
    expect(cleanNumber('1e999')).toBeUndefined();
    // a no-break space is not a space to PostgreSQL's \s
    expect(cleanNumber('1\u00a0200')).toBeUndefined();
  });

  it('keeps the decimal text as written, scale included', () => {
    expect(cleanDecimal('₹1,200.50')).toBe('1200.50');
    expect(cleanDecimal('102.820')).toBe('102.820');
    expect(cleanDecimal('(12.5)')).toBe('-12.5');
    expect(cleanDecimal(' ')).toBeNull();
    expect(cleanDecimal('x')).toBeUndefined();
  });

  it('reads whole numbers, written as floats or not', () => {
    expect(cleanInt('22')).toBe(22);
    expect(cleanInt('22.0')).toBe(22);
    expect(cleanInt('1,200')).toBe(1200);
    expect(cleanInt('1e3')).toBe(1000);
    expect(cleanInt('1200e-2')).toBe(12);
    expect(cleanInt('-4')).toBe(-4);
    expect(cleanInt('')).toBeNull();
    expect(cleanInt('22.5')).toBeUndefined();
    expect(cleanInt('2.00000000000000001')).toBeUndefined();
    expect(cleanInt('9e15')).toBeUndefined();
    expect(cleanInt('x')).toBeUndefined();
  });
});

describe('days', () => {
  it('reads ISO dates and timestamps, M/D/YYYY, D.M.YYYY and YYYY/M/D', () => {
    expect(cleanDay('2025-06-01')).toBe('2025-06-01');
    expect(cleanDay('2025-06-04 10:11:12.123')).toBe('2025-06-04');
    expect(cleanDay('2025-06-04T10:11:12Z')).toBe('2025-06-04');
    expect(cleanDay('2025-06-04T23:11:12+05:30')).toBe('2025-06-04');
    expect(cleanDay('6/2/2025')).toBe('2025-06-02');
    expect(cleanDay('6/2/2025 10:00 PM')).toBe('2025-06-02');
    expect(cleanDay('3.6.2025')).toBe('2025-06-03');
    expect(cleanDay('2025/6/4')).toBe('2025-06-04');
    expect(cleanDay(' 2025-06-05 ')).toBe('2025-06-05');
    expect(cleanDay('2024-02-29')).toBe('2024-02-29');
  });

  it('refuses days that do not exist and forms the SQL did not read', () => {
    expect(cleanDay('2025-02-30')).toBeUndefined();
    expect(cleanDay('2023-02-29')).toBeUndefined();
    expect(cleanDay('13/1/2025')).toBeUndefined();
    expect(cleanDay('soon')).toBeUndefined();
    expect(cleanDay('6/2/2025T10:00')).toBeUndefined();
    expect(cleanDay('3.6.2025 10:00')).toBeUndefined();
    expect(cleanDay('\t')).toBeUndefined();
  });

  it('gives null for blank', () => {
    expect(cleanDay('')).toBeNull();
    expect(cleanDay('  ')).toBeNull();
    expect(cleanDay(undefined)).toBeNull();
  });
});

describe('platforms and labels', () => {
  it('names platforms however they are spelled', () => {
    expect(cleanPlatform('IG')).toBe('Instagram');
    expect(cleanPlatform(' insta ')).toBe('Instagram');
    expect(cleanPlatform('facebOOK_tier2')).toBe('Facebook');
    expect(cleanPlatform('yt')).toBe('YouTube');
    expect(cleanPlatform('YouTube')).toBe('YouTube');
    expect(cleanPlatform('X')).toBe('Twitter');
    expect(cleanPlatform('tik-tok')).toBe('TikTok');
    expect(cleanPlatform('AdWords')).toBe('Google');
    expect(cleanPlatform('snap chat')).toBe('Snapchat');
    expect(cleanPlatform(' ')).toBeNull();
  });

  it('title-cases labels', () => {
    expect(cleanLabel('fitness ')).toBe('Fitness');
    expect(cleanLabel('FITNESS')).toBe('Fitness');
    expect(cleanLabel('health  and   wellness')).toBe('Health And Wellness');
    expect(cleanLabel("o'neil")).toBe("O'Neil");
    expect(cleanLabel('3d printing')).toBe('3d Printing');
    expect(cleanLabel('  ')).toBeNull();
  });

  it('maps case a character at a time, as PostgreSQL does', () => {
    expect(cleanLabel('İSTANBUL')).toBe('İstanbul');
    expect(cleanLabel('straße')).toBe('Straße');
    expect(cleanLabel('ßauna')).toBe('ßauna');
  });
});

describe('cents', () => {
  it('rounds half away from zero as numeric(14, 2) does', () => {
    expect(toCents(10.555)).toBe(1056);
    expect(toCents(-10.555)).toBe(-1056);
    expect(toCents(1200.5)).toBe(120050);
    expect(toCents(0.005)).toBe(1);
    expect(toCents(0.004)).toBe(0);
    expect(toCents(1.005 * 3)).toBe(302);
  });

  it('stays exact for large amounts', () => {
    expect(toCents(8255.255)).toBe(825526);
    expect(toCents(58255.255)).toBe(5825526);
    expect(toCents(12345678901.235)).toBe(1234567890124);
    expect(toCents(999999999999.99)).toBe(99999999999999);
  });
});
