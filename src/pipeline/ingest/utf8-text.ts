import { isUtf8 } from 'node:buffer';

/**
 * A file's bytes as text, without altering any: a byte that is not part of valid UTF-8 is kept
 * as one lone low surrogate, U+DC00 + the byte (Python's "surrogateescape"), where a plain
 * decoder would put U+FFFD and lose it. Valid UTF-8 never decodes to a lone surrogate, so a
 * record holding one is known to hold bytes that are not text, and `next()` says where each
 * such byte sits in the file (in the order the escapes appear in the text).
 */
export class Utf8Text {
  private held: Buffer | undefined;
  /** file offset of the first byte not yet decoded (the first held byte, if any) */
  private offset = 0;
  private readonly bad: BadByte[] = [];
  private head = 0;

  /** The text of `buf` (a character cut at its end is held for the next call). */
  write(buf: Buffer): string {
    const b = this.held ? Buffer.concat([this.held, buf]) : buf;
    const keep = incompleteTail(b);
    const body = keep ? b.subarray(0, b.length - keep) : b;
    this.held = keep ? Buffer.from(b.subarray(b.length - keep)) : undefined;
    const base = this.offset;
    this.offset += body.length;
    return isUtf8(body) ? body.toString('utf8') : this.escape(body, base);
  }

  /** The text of what is still held (bytes of a character the file cut short). */
  end(): string {
    if (!this.held) return '';
    const text = this.escape(this.held, this.offset);
    this.offset += this.held.length;
    this.held = undefined;
    return text;
  }

  /** The next byte that was not UTF-8, in the order of the escapes in the text. */
  next(): BadByte | undefined {
    const b = this.bad[this.head];
    if (b) this.bad[this.head++] = undefined as unknown as BadByte;
    return b;
  }

  private escape(b: Buffer, base: number): string {
    let out = '';
    let run = 0;
    for (let i = 0; i < b.length; ) {
      const n = sequenceLength(b, i);
      if (n > 0) {
        i += n;
        continue;
      }
      if (run < i) out += b.toString('utf8', run, i);
      out += String.fromCharCode(0xdc00 + b[i]!);
      this.bad.push({ offset: base + i, byte: b[i]! });
      run = ++i;
    }
    if (run < b.length) out += b.toString('utf8', run);
    return out;
  }
}

export interface BadByte {
  offset: number;
  byte: number;
}

/** Lone low surrogates U+DC80..U+DCFF: the escapes of bytes that are not UTF-8. */
const ESCAPE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/g;

/** No lone surrogate in `s` (String.prototype.isWellFormed, Node 20+; not in the compiler's lib yet). */
export const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** How many escaped bytes `s` holds. */
export function escapedBytes(s: string): number {
  if (isWellFormed(s)) return 0;
  return s.match(ESCAPE)?.length ?? 0;
}

/** `s` with each escaped byte written as \xNN, so a person sees which bytes were wrong. */
export const showBytes = (s: string): string =>
  isWellFormed(s) ? s : s.replace(ESCAPE, (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).toUpperCase().padStart(2, '0')}`);

/** Bytes at the end of `b` that begin a character not yet complete (0 to 3). */
function incompleteTail(b: Buffer): number {
  for (let i = b.length - 1; i >= 0 && i >= b.length - 3; i--) {
    const c = b[i]!;
    if ((c & 0xc0) === 0x80) continue;
    if (c < 0xc0) return 0;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return b.length - i < need ? b.length - i : 0;
  }
  return 0;
}

const cont = (c: number | undefined) => c !== undefined && (c & 0xc0) === 0x80;

/** Length of the valid UTF-8 sequence at b[i], or 0 (no overlongs, surrogates or code points past U+10FFFF). */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const c1 = b[i + 1];
  if (c >= 0xc2 && c <= 0xdf) return cont(c1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (c1 === undefined || !cont(c1)) return 0;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return 0;
    return cont(b[i + 2]) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (c1 === undefined || !cont(c1)) return 0;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return 0;
    return cont(b[i + 2]) && cont(b[i + 3]) ? 4 : 0;
  }
  return 0;
}
