import { describe, expect, it } from 'vitest';
import { lastRecordEnd } from './database.ts';

describe('lastRecordEnd', () => {
  it('cuts after the last newline outside quotes', () => {
    expect(lastRecordEnd(Buffer.from('a,b\nc,d\ne'))).toBe(8);
    expect(lastRecordEnd(Buffer.from('a,"multi\nline"\nb,"open\n'))).toBe(15);
    expect(lastRecordEnd(Buffer.from('a,"say ""hi""\n"\n'))).toBe(16);
    expect(lastRecordEnd(Buffer.from('"no end\n'))).toBe(0);
  });
});
