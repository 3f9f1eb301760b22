import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from './csv.ts';

describe('csvField', () => {
  it('quotes only what needs it, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
  });

  it('writes null and undefined as empty and joins arrays with ;', () => {
    expect([null, undefined, ''].map((v) => csvField(v))).toEqual(['', '', '']);
    expect(csvField(['low_roas', 'no_holdout'])).toBe('low_roas;no_holdout');
  });

  it('escapes formula-looking cells only when asked, and never plain numbers', () => {
    const f = (v: unknown) => csvField(v, { escapeFormulas: true });
    expect(f('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(['+1 555', '-x', '@SUM(A1)', '\tcell'].map(f)).toEqual(["'+1 555", "'-x", "'@SUM(A1)", "'\tcell"]);
    expect([-12.5, '-3', '-0.25', 0].map(f)).toEqual(['-12.5', '-3', '-0.25', '0']);
    expect(csvField('=1+1')).toBe('=1+1');
  });
});

describe('csvLine', () => {
  it('joins cells with commas and ends the line, LF unless told', () => {
    expect(csvLine([1, 'a,b', ''])).toBe('1,"a,b",\n');
    expect(csvLine(['=x', -1], { escapeFormulas: true, newline: '\r\n' })).toBe("'=x,-1\r\n");
  });
});
