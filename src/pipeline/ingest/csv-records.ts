import { type Reject, reject } from './row-cleaner.ts';
import { type BadByte, escapedBytes, isWellFormed, showBytes } from './utf8-text.ts';

export interface CsvRecord {
  /** the fields; for a record read with `text`, made on demand by fieldsOf */
  fields?: string[];
  /** the record as it stands in the file, when it has no quotes (so its fields are its text split at commas) */
  text?: string;
  /** physical line where the record starts (the header is line 1) */
  line: number;
  /** physical lines the record covers, when more than one (quoted line breaks, or a broken record) */
  lines?: number;
  /** why the record is not usable CSV, when it is not */
  error?: string;
  /** the file ended inside this record, before any line end */
  unterminated?: boolean;
  /** the first byte of the record that is not UTF-8: where it is in the file, and its field */
  badByte?: BadByte & { field: number; count: number };
}

export interface CsvOptions {
  /** the decoder's account of bytes it kept as escapes (see Utf8Text) */
  bytes?: { next(): BadByte | undefined };
  /** filled as the file is read: physical lines and records (the header and broken records included) */
  stats?: ReadStats;
  /** text a record may reach (default MAX_RECORD_CHARS) */
  maxRecordChars?: number;
}

export interface ReadStats {
  lines: number;
  records: number;
}

// A quoted field may hold line breaks, so a record may span pieces of the file. A record still
// open after this much text is a broken file (an unclosed quote), not a long field.
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Streams CSV records with their line numbers from text chunks (a file read as UTF-8). Memory
 * stays at about one chunk plus the longest record. Drops a byte-order mark. A line ends at
 * LF, CR LF or CR, decided at each line end (one file may mix them, and a quoted field may
 * hold any of them); each counts as one physical line. Blank lines are skipped (still
 * counted). Every byte after the header is in some record: a quote never closed makes one
 * broken record from its line to the end of the file (with `lines` saying how many), and a
 * last line without a line end is marked `unterminated`.
 */
export async function* csvRecords(chunks: AsyncIterable<string>, opts: CsvOptions = {}): AsyncGenerator<CsvRecord[]> {
  const max = opts.maxRecordChars ?? MAX_RECORD_CHARS;
  const stats = opts.stats ?? { lines: 0, records: 0 };
  const popBad = (n: number) => {
    let first: BadByte | undefined;
    for (let i = 0; i < n; i++) {
      const b = opts.bytes?.next();
      first ??= b;
    }
    return first;
  };
  let line = 1;
  let carry = '';
  let started = false;
  let retryAt = 0;
  // a record past `max`: the rest of the file is counted, not kept
  let runaway: { line: number; breaks: number; lastCR: boolean; lastBreak: boolean } | undefined;

  /** Records of a piece without quotes or NULs: split at line ends, each record keeps its text. */
  const parseQuick = (text: string, final: boolean): { records: CsvRecord[]; end: number } => {
    let cut = text.length;
    if (!final) {
      // a CR at the very end may be the first half of a CR LF
      const lim = text.charCodeAt(text.length - 1) === CR ? text.length - 1 : text.length;
      if (lim === 0) return { records: [], end: 0 };
      cut = Math.max(text.lastIndexOf('\n', lim - 1), text.lastIndexOf('\r', lim - 1)) + 1;
      if (cut === 0) return { records: [], end: 0 };
    }
    const piece = cut === text.length ? text : text.slice(0, cut);
    const parts = piece.includes('\r') ? piece.split(/\r\n|\r|\n/) : piece.split('\n');
    const out: CsvRecord[] = [];
    for (let i = 0; i < parts.length - 1; i++) {
      const t = parts[i]!;
      if (t !== '') out.push({ text: t, line });
      line++;
    }
    const tail = parts[parts.length - 1]!;
    if (tail !== '') out.push({ fields: tail.split(','), line: line++, unterminated: true });
    return { records: out, end: cut };
  };

  /** Records of any piece, one character at a time. Stops before a record the piece may not hold whole. */
  const parseFull = (text: string, final: boolean): { records: CsvRecord[]; end: number } => {
    const out: CsvRecord[] = [];
    const len = text.length;
    let pos = 0;
    let end = 0;
    records: while (pos < len) {
      const start = pos;
      const fields: string[] = [];
      let breaks = 0;
      let error: string | undefined;
      let unterminated = false;
      for (;;) {
        if (pos >= len) {
          if (!final) break records;
          fields.push('');
          unterminated = true;
          break;
        }
        let c = text.charCodeAt(pos);
        let value: string;
        if (c === QUOTE) {
          value = '';
          let seg = pos + 1;
          for (;;) {
            const q = text.indexOf('"', seg);
            if (q < 0) {
              if (!final) break records;
              const rest = text.slice(start);
              const lines = lineEnds(rest) + (endsWithBreak(rest) ? 0 : 1);
              popBad(escapedBytes(rest));
              out.push({
                fields: [],
                line,
                lines,
                error: `opens a quoted field (field ${fields.length + 1}) that is never closed: lines ${line} to ${line + lines - 1} (${plural(lines, 'line')}) are this one broken record, none of them loaded; close the quote and send the file again`,
              });
              line += lines;
              end = len;
              break records;
            }
            if (q + 1 >= len && !final) break records; // is it "" (a quote) or the closing one?
            if (text.charCodeAt(q + 1) === QUOTE) {
              value += text.slice(seg, q + 1);
              seg = q + 2;
              continue;
            }
            value += text.slice(seg, q);
            pos = q + 1;
            break;
          }
          c = pos < len ? text.charCodeAt(pos) : -1;
          if (c !== COMMA && c !== LF && c !== CR && c !== -1) {
            error ??= `field ${fields.length + 1} has text after its closing quote (a quote inside a quoted field is written "")`;
            const e = delimiterAt(text, pos);
            value += text.slice(pos, e);
            pos = e;
            c = pos < len ? text.charCodeAt(pos) : -1;
          }
          breaks += lineEnds(value);
        } else {
          const e = delimiterAt(text, pos);
          value = text.slice(pos, e);
          pos = e;
          c = pos < len ? text.charCodeAt(pos) : -1;
        }
        fields.push(value);
        if (c === COMMA) {
          pos++;
          continue;
        }
        if (c === -1) {
          if (!final) break records;
          unterminated = true;
        } else if (c === CR) {
          if (pos + 1 >= len && !final) break records;
          pos += text.charCodeAt(pos + 1) === LF ? 2 : 1;
        } else pos++;
        break;
      }
      const first = line;
      line += breaks + 1;
      end = pos;
      const c0 = text.charCodeAt(start);
      if (c0 === LF || c0 === CR) continue; // a blank line
      const r: CsvRecord = { fields, line: first };
      if (breaks > 0) r.lines = breaks + 1;
      if (error !== undefined) r.error = error;
      if (unterminated) r.unterminated = true;
      out.push(r);
    }
    return { records: out, end };
  };

  /** Notes the bytes that were not UTF-8 on the records holding them (in file order). */
  const markBadBytes = (records: CsvRecord[]) => {
    for (const r of records) {
      if (r.fields?.length === 0) continue; // a broken record took its own
      const fields = fieldsOf(r);
      for (let f = 0; f < fields.length; f++) {
        const n = escapedBytes(fields[f]!);
        if (n === 0) continue;
        const b = popBad(n);
        if (r.badByte) r.badByte.count += n;
        else if (b) r.badByte = { ...b, field: f, count: n };
      }
      if (r.badByte) delete r.text;
    }
  };

  const parse = (text: string, final: boolean) => {
    const quick = !text.includes('"') && !text.includes('\u0000');
    const result = quick ? parseQuick(text, final) : parseFull(text, final);
    if (result.end > 0 && !isWellFormed(result.end === text.length ? text : text.slice(0, result.end))) markBadBytes(result.records);
    stats.records += result.records.length;
    return result;
  };

  const countRunaway = (t: string) => {
    const r = runaway!;
    if (t === '') return;
    r.breaks += lineEnds(t) - (r.lastCR && t.charCodeAt(0) === LF ? 1 : 0);
    r.lastCR = t.charCodeAt(t.length - 1) === CR;
    r.lastBreak = endsWithBreak(t);
    popBad(escapedBytes(t));
  };

  for await (const chunk of chunks) {
    if (runaway) {
      countRunaway(chunk);
      continue;
    }
    let text = carry + chunk;
    if (!started && text.length > 0) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length < retryAt) {
      carry = text;
      continue;
    }
    const { records, end } = parse(text, false);
    carry = end === 0 ? text : text.slice(end);
    // a record longer than the text so far: try again once the text has doubled (linear, not quadratic)
    retryAt = end === 0 ? text.length * 2 : 0;
    if (records.length) yield records;
    if (carry.length > max) {
      runaway = { line, breaks: 0, lastCR: false, lastBreak: false };
      countRunaway(carry);
      carry = '';
    }
  }
  if (runaway) {
    const lines = runaway.breaks + (runaway.lastBreak ? 0 : 1);
    line += lines;
    stats.records++;
    yield [
      {
        fields: [],
        line: runaway.line,
        lines,
        error: `is longer than ${max / 1024 / 1024} MB (a quote never closed?): lines ${runaway.line} to ${runaway.line + lines - 1} (${plural(lines, 'line')}), to the end of the file, are this one broken record, none of them loaded`,
      },
    ];
  } else if (carry !== '') {
    const { records } = parse(carry, true);
    if (records.length) yield records;
  }
  stats.lines = line - 1;
}

/** A record's fields (split from its text on first use: a fast reader may never need them). */
export const fieldsOf = (r: CsvRecord): string[] => (r.fields ??= r.text!.split(','));

/**
 * Why a record cannot be used as a row of a file with this header, as a reject (the column
 * and value that are wrong, when one is), or undefined.
 */
export function recordReject(r: CsvRecord, header: readonly string[]): Reject | undefined {
  if (r.error !== undefined) return reject(null, null, `is not valid CSV: ${r.error}`);
  const fields = fieldsOf(r);
  if (r.unterminated) return reject(null, showBytes(fields.join(',')).replaceAll('\u0000', '\\0'), INCOMPLETE_LAST_LINE);
  if (r.badByte) {
    const { offset, byte, field, count } = r.badByte;
    const name = field < header.length ? header[field]!.replace(/^\uFEFF/, '').trim() : `field ${field + 1}`;
    const more = count > 1 ? ` and ${count - 1} more` : '';
    return reject(
      name,
      showBytes(fields[field]!).replaceAll('\u0000', '\\0'),
      `is not UTF-8 text: byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at byte offset ${offset} of the file${more} (shown as \\xNN); save the file as UTF-8 and send it again`,
    );
  }
  if (fields.length !== header.length) return reject(null, null, `has ${fields.length} fields; the header has ${header.length}`);
  // (a piece with a NUL byte is never read as plain text)
  if (r.text === undefined) {
    const f = fields.findIndex((v) => v.includes('\u0000'));
    if (f >= 0)
      return reject(header[f]!.replace(/^\uFEFF/, '').trim(), fields[f]!.replaceAll('\u0000', '\\0'), 'contains a NUL byte (binary data?)');
  }
  return undefined;
}

export const INCOMPLETE_LAST_LINE =
  'incomplete last line: file still being written? (the file ends without a line end; once complete, send it again and this row loads)';

/** Line ends in `s`: LF, CR LF and a lone CR each count once. */
export function lineEnds(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  for (let i = s.indexOf('\r'); i >= 0; i = s.indexOf('\r', i + 1)) if (s.charCodeAt(i + 1) !== LF) n++;
  return n;
}

const endsWithBreak = (s: string) => {
  const c = s.charCodeAt(s.length - 1);
  return c === LF || c === CR;
};

function delimiterAt(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === LF || c === CR) return i;
  }
  return text.length;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
