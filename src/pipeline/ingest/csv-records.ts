import Papa from 'papaparse';

export interface CsvRecord {
  /** the fields; for a record read with `text`, made on demand by fieldsOf */
  fields?: string[];
  /** the record as it stands in the file, when it has no quotes (so its fields are its text split at commas) */
  text?: string;
  /** physical line where the record starts (the header is line 1) */
  line: number;
  /** why the record is not usable CSV, when it is not */
  error?: string;
}

// A quoted field may hold newlines, so text is handed to the parser in pieces cut at a record
// end. A quote still open after this much text is a broken file, not a long field.
const MAX_RECORD_CHARS = 64 * 1024 * 1024;

/**
 * Streams CSV records with their line numbers from text chunks (a file read as UTF-8).
 * Memory stays at about one chunk plus the longest record. Drops a byte-order mark; takes
 * LF or CRLF line ends; skips blank lines (still counting them).
 */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord[]> {
  let carry = '';
  let line = 1;
  let newline: '\n' | '\r\n' | undefined;
  let runaway = false;
  const parsePiece = (piece: string): CsvRecord[] => {
    newline ??= piece.includes('\r\n') ? '\r\n' : '\n';
    // Without a quote, CSV is plain splitting, and the engine's split is the fastest way.
    // (NUL bytes take the parser's path, where the loader finds and refuses them.)
    if (!piece.includes('"') && !piece.includes('\u0000')) {
      const out: CsvRecord[] = [];
      for (const text of piece.split(newline)) {
        if (text !== '') out.push({ text, line });
        line++;
      }
      if (piece.endsWith(newline)) line--; // split's empty tail is not a line
      return out;
    }
    const { data, errors } = Papa.parse<string[]>(piece, { delimiter: ',', newline, quoteChar: '"', skipEmptyLines: false });
    // a piece ends with a newline, after which the parser sees one more, empty, record
    if (piece.endsWith(newline) && data.at(-1)?.length === 1 && data.at(-1)![0] === '') data.pop();
    const errorAt = new Map(errors.map((e) => [e.row, e.message]));
    const out: CsvRecord[] = [];
    for (let i = 0; i < data.length; i++) {
      const fields = data[i]!;
      const start = line;
      line += 1 + fields.reduce((n, f) => n + countNewlines(f), 0);
      if (fields.length === 1 && fields[0] === '') continue;
      const error = errorAt.get(i);
      out.push(error === undefined ? { fields, line: start } : { fields, line: start, error });
    }
    return out;
  };
  for await (const chunk of chunks) {
    if (runaway) continue;
    let text = carry + chunk;
    if (line === 1 && carry === '' && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const cut = lastRecordEnd(text);
    if (cut === 0) {
      carry = text;
      if (carry.length > MAX_RECORD_CHARS) {
        runaway = true;
        yield [{ fields: [], line, error: `opens a quoted field that is not closed within ${MAX_RECORD_CHARS / 1024 / 1024} MB; the rest of the file cannot be read` }];
      }
      continue;
    }
    carry = text.slice(cut);
    const records = parsePiece(text.slice(0, cut));
    if (records.length) yield records;
  }
  if (!runaway && carry !== '') {
    const records = parsePiece(carry);
    if (records.length) yield records;
  }
}

/** A record's fields (split from its text on first use: a fast reader may never need them). */
export const fieldsOf = (r: CsvRecord): string[] => (r.fields ??= r.text!.split(','));

/** Why a record cannot be used as a row of a file with `width` columns, or undefined. */
export function recordProblem(r: CsvRecord, width: number): string | undefined {
  if (r.error !== undefined) return `is not valid CSV: ${r.error}`;
  const fields = fieldsOf(r);
  if (fields.length !== width) return `has ${fields.length} fields; the header has ${width}`;
  // (a piece with a NUL byte is never read as plain text)
  if (r.text === undefined && fields.some((f) => f.includes('\u0000'))) return 'contains a NUL byte (binary data?)';
  return undefined;
}

/** Index just past the last newline that ends a record (outside quotes); 0 if there is none. */
export function lastRecordEnd(text: string): number {
  if (!text.includes('"')) return text.lastIndexOf('\n') + 1;
  let inQuotes = false;
  let end = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) inQuotes = !inQuotes;
    else if (c === 0x0a && !inQuotes) end = i + 1;
  }
  return end;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
