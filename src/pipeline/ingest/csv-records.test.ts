import { describe, expect, it } from 'vitest';
import { type CsvRecord, csvRecords, fieldsOf } from './csv-records.ts';

async function read(text: string, chunkSize = 7): Promise<CsvRecord[]> {
  async function* chunks() {
    for (let i = 0; i < text.length; i += chunkSize) yield text.slice(i, i + chunkSize);
  }
  const out: CsvRecord[] = [];
  for await (const batch of csvRecords(chunks())) out.push(...batch);
  return out;
}

describe('csvRecords', () => {
  it('numbers physical lines across quoted newlines, blank lines and chunk boundaries', async () => {
    const records = await read('\uFEFFa,b\r\n1,"two\r\nlines"\r\n\r\n3,x\r\n');
    expect(records.map((r) => [r.line, fieldsOf(r)])).toEqual([
      [1, ['a', 'b']],
      [2, ['1', 'two\r\nlines']],
      [5, ['3', 'x']],
    ]);
  });

  it('keeps the text of a record without quotes (the fast path)', async () => {
    const records = await read('a,b\n1,2\n3,4\n', 1000);
    expect(records.map((r) => r.text)).toEqual(['a,b', '1,2', '3,4']);
  });

  it('reports a quote that is never closed, with the line it opens on', async () => {
    const records = await read('a,b\n1,2\n3,"open\n4,5\n');
    expect(records[2]).toMatchObject({ line: 3 });
    expect(records[2]!.error).toMatch(/quote/i);
    expect(records).toHaveLength(3);
  });

  it('is the same whatever the chunk size', async () => {
    const text = `h1,h2\n"a,b",c\n"say ""hi""",d\n${Array.from({ length: 50 }, (_, i) => `${i},"x\ny"`).join('\n')}\n`;
    // (only `text` may differ: a small piece without quotes takes the split path)
    const plain = async (size: number) => (await read(text, size)).map((r) => ({ fields: fieldsOf(r), line: r.line, error: r.error }));
    const whole = await plain(text.length);
    for (const size of [1, 3, 64]) expect(await plain(size)).toEqual(whole);
  });
});
