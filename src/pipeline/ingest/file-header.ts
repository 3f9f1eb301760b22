import { isUtf8 } from 'node:buffer';
import Papa from 'papaparse';
import { normaliseHeader } from './file-kinds.ts';
import { Utf8Text } from './utf8-text.ts';

/** The most of a file read to find its header: a longer first line is refused, not cut. */
export const HEADER_LIMIT = 256 * 1024;

export type HeaderRead = { ok: true; header: string[] } | { ok: false; reason: string };

/**
 * The header of a file from its first bytes (`head`, at most HEADER_LIMIT of a file of
 * `fileBytes`), or why the file cannot be loaded: empty, binary, a first line longer than the
 * limit, not UTF-8, not CSV, no names, or a column named twice.
 */
export function headerOf(head: Buffer, fileBytes: number): HeaderRead {
  if (head.length === 0) return { ok: false, reason: 'the file is empty' };
  if (head.subarray(0, 8192).includes(0)) return { ok: false, reason: 'the file looks binary (it has NUL bytes), not CSV' };
  const lf = head.indexOf(0x0a);
  const cr = head.indexOf(0x0d);
  const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
  if (end < 0 && fileBytes > head.length) {
    return {
      ok: false,
      reason: `the header line is longer than ${HEADER_LIMIT / 1024} KB, the most the loader reads for a header (no line end in the first ${HEADER_LIMIT.toLocaleString('en-US')} bytes); is the first line a header row?`,
    };
  }
  let bytes = head.subarray(0, end < 0 ? head.length : end);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  if (!isUtf8(bytes)) {
    const at = firstBadByte(bytes);
    return {
      ok: false,
      reason: `the header line is not UTF-8 text (byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')} at byte offset ${at + (bytes.byteOffset - head.byteOffset)}); save the file as UTF-8 and send it again`,
    };
  }
  const { data, errors } = Papa.parse<string[]>(bytes.toString('utf8'), { delimiter: ',' });
  if (errors.length > 0) return { ok: false, reason: `the header line is not valid CSV (${errors[0]!.message})` };
  const header = data[0]?.map((h) => h.trim());
  if (!header?.length || header.every((h) => h === '')) return { ok: false, reason: 'the first line is empty; expected a header row' };
  const repeated = repeatedColumns(header);
  if (repeated.length > 0) {
    return {
      ok: false,
      reason: `the header names ${repeated.length === 1 ? 'a column' : 'columns'} more than once: ${repeated.map((r) => `${JSON.stringify(r.name)} (columns ${r.at.join(', ')})`).join('; ')}; each column must appear once (which of them holds the data?)`,
    };
  }
  return { ok: true, header };
}

/** Columns whose names are the same once normalised (case, spaces, dashes), with their 1-based positions. Unnamed columns are not compared. */
export function repeatedColumns(header: readonly string[]): { name: string; at: number[] }[] {
  const seen = new Map<string, { name: string; at: number[] }>();
  header.forEach((h, i) => {
    const key = normaliseHeader(h);
    if (key === '') return;
    const entry = seen.get(key);
    if (entry) entry.at.push(i + 1);
    else seen.set(key, { name: h, at: [i + 1] });
  });
  return [...seen.values()].filter((e) => e.at.length > 1);
}

function firstBadByte(b: Buffer): number {
  const text = new Utf8Text();
  text.write(b);
  text.end();
  return text.next()?.offset ?? 0;
}
