import { Transform, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';

/**
 * The careful path for a file that bare COPY refused (ragged rows, stray quotes, NUL
 * bytes, bad UTF-8): parse it record by record and re-emit clean CSV for COPY, with the
 * physical line number and, for a record that cannot be used, the reason. Bad records
 * become rows with a parse_error, so they reach ops.rejects through the same SQL.
 */
export function carefulCsv(headerWidth: number): { parser: Transform; toCopy: Transform } {
  const parser = parse({
    bom: true,
    from_line: 2,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    max_record_size: 64 * 1024 * 1024,
  });
  const toCopy = new Transform({
    objectMode: true,
    writableObjectMode: true,
    readableObjectMode: false,
    transform(item: { record: string[]; info: { lines: number }; error?: string }, _enc, done: TransformCallback) {
      const { record, info } = item;
      const line = info.lines;
      let error: string | null = item.error ?? null;
      if (error) error = `is not valid CSV: ${error}`;
      else if (record.length !== headerWidth) error = `has ${record.length} fields; the header has ${headerWidth}`;
      else if (record.some((f) => f.includes('\u0000'))) error = 'contains a NUL byte (binary data?)';
      const fields = error ? Array(headerWidth).fill(null) : record;
      done(null, [line, error, ...fields].map(csvField).join(',') + '\n');
    },
  });
  parser.on('skip', (err: Error & { lines?: number }) => {
    toCopy.write({ record: [], info: { lines: err.lines ?? 0 }, error: err.message });
  });
  return { parser, toCopy };
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v).replace(/\u0000/g, '');
  return /[",\r\n]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
}
