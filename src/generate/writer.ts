/**
 * How generate.ts puts bytes on disk (CSV quoting and cents text: pipeline/shared/csv.ts and
 * cents.ts): ~64 KB writes that wait for 'drain' (so
 * memory does not grow with a file of ten million rows), and the byte-level number formatting the
 * orders file uses instead of building a string per row.
 */

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

export const CHUNK_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Streams

/** A write stream plus a promise that rejects on its first error (a failed stream never drains). */
export interface Output {
  out: WriteStream;
  failed: Promise<never>;
}

export function openOutput(path: string): Output {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const failed = once(out, 'error').then(([e]) => Promise.reject(e as Error));
  failed.catch(() => undefined); // raced at every wait; this only keeps it from counting as unhandled
  return { out, failed };
}

export async function writeChunk(o: Output, chunk: string | Uint8Array): Promise<void> {
  if (!o.out.write(chunk)) await Promise.race([once(o.out, 'drain'), o.failed]);
}

export async function closeOutput(o: Output): Promise<void> {
  o.out.end();
  await Promise.race([finished(o.out), o.failed]);
}

/** Writes a header line and rows in chunks; returns the number of rows (lines after the first). */
export async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const o = openOutput(path);
  let buf = '';
  let count = -1; // the header is not a row
  for (const line of lines) {
    buf += line;
    count++;
    if (buf.length >= CHUNK_BYTES) {
      await writeChunk(o, buf);
      buf = '';
    }
  }
  if (buf) await writeChunk(o, buf);
  await closeOutput(o);
  return count;
}

// ---------------------------------------------------------------------------------------------
// Bytes: the orders file is written into a reused Buffer, one field at a time

export const ascii = (s: string) => Buffer.from(s, 'latin1');

export function putBytes(buf: Buffer, pos: number, src: Uint8Array): number {
  for (let i = 0; i < src.length; i++) buf[pos + i] = src[i];
  return pos + src.length;
}

export function putUint(buf: Buffer, pos: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = pos + digits - 1; i >= pos; i--) {
    const q = Math.floor(n / 10);
    buf[i] = 48 + n - q * 10;
    n = q;
  }
  return pos + digits;
}

/** centsText (pipeline/shared/cents.ts) written as bytes, for the orders file's non-negative amounts. */
export function putCents(buf: Buffer, pos: number, cents: number): number {
  const whole = Math.floor(cents / 100);
  const frac = cents - whole * 100;
  pos = putUint(buf, pos, whole);
  buf[pos] = 46; // '.'
  buf[pos + 1] = 48 + Math.floor(frac / 10);
  buf[pos + 2] = 48 + (frac % 10);
  return pos + 3;
}
