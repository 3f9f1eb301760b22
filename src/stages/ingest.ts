import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse as parseSync } from 'csv-parse/sync';
import { sql } from 'kysely';
import type { Store, DbOrTrx } from '../db/database.ts';
import { sqlDir } from '../db/migrate.ts';
import { carefulCsv } from '../pipeline/careful-csv.ts';
import { fileKinds, loadOrder, recogniseHeader, type FileKind, type Recognised } from '../pipeline/file-kinds.ts';
import type { Logger } from '../logger.ts';
import { progress } from '../progress.ts';

// Serialises loads across processes: the check "was this file loaded?" and the load
// itself happen under it, so two runs never load the same content twice.
export const LOAD_LOCK = 7_245_118_302;

export interface IngestOptions {
  inboxDir: string;
  archiveDir: string;
  runId: string;
  now: Date;
  revenuePerConversion?: number;
  log: Logger;
}

export interface FileOutcome {
  file: string;
  kind?: FileKind;
  status: 'loaded' | 'already-loaded' | 'unrecognised';
  total?: number;
  loaded?: number;
  duplicate?: number;
  rejected?: number;
  reason?: string;
}

export async function ingestInbox(store: Store, opts: IngestOptions): Promise<FileOutcome[]> {
  const names = (await readdir(opts.inboxDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isFile() && /\.(csv|txt|tsv)$/i.test(d.name))
    .map((d) => join(opts.inboxDir, d.name));
  const planned: { path: string; recognised?: Recognised; reason?: string }[] = [];
  for (const path of names) {
    const header = await readHeader(path);
    if (!header.ok) planned.push({ path, reason: header.reason });
    else {
      const r = recogniseHeader(header.header);
      planned.push(r.ok ? { path, recognised: r.file } : { path, reason: r.reason });
    }
  }
  const rank = (p: (typeof planned)[number]) => (p.recognised ? loadOrder.indexOf(p.recognised.kind) : -1);
  planned.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));

  const outcomes: FileOutcome[] = [];
  for (const p of planned) {
    if (!p.recognised) {
      const moved = await moveInto(p.path, join(opts.inboxDir, 'unrecognised'));
      await sql`INSERT INTO ops.skipped_files (file_name, reason, moved_to) VALUES (${basename(p.path)}, ${p.reason}, ${moved})`.execute(store.db);
      opts.log.warn({ file: basename(p.path), reason: p.reason, movedTo: moved }, 'file not recognised, moved aside');
      outcomes.push({ file: basename(p.path), status: 'unrecognised', reason: p.reason });
      continue;
    }
    const outcome = await ingestFile(store, p.path, p.recognised, opts);
    await moveInto(p.path, join(opts.archiveDir, opts.now.toISOString().slice(0, 10)));
    outcomes.push(outcome);
  }
  return outcomes;
}

type HeaderRead = { ok: true; header: string[] } | { ok: false; reason: string };

async function readHeader(path: string): Promise<HeaderRead> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(256 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (bytesRead === 0) return { ok: false, reason: 'the file is empty' };
    if (head.subarray(0, 8192).includes(0)) return { ok: false, reason: 'the file looks binary (it has NUL bytes), not CSV' };
    const end = head.indexOf(0x0a);
    const firstLine = head.subarray(0, end < 0 ? head.length : end).toString('utf8');
    try {
      const [header] = parseSync(firstLine, { bom: true, relax_quotes: true, trim: true }) as string[][];
      if (!header?.length) return { ok: false, reason: 'the first line is empty; expected a header row' };
      return { ok: true, header };
    } catch (e) {
      return { ok: false, reason: `the header line is not valid CSV (${(e as Error).message})` };
    }
  } finally {
    await fh.close();
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

interface CleanResult { total: number; rejected: number; loaded: number; min_date: string | null; max_date: string | null }

export async function ingestFile(store: Store, path: string, file: Recognised, opts: IngestOptions): Promise<FileOutcome> {
  const log = opts.log.child({ file: basename(path), kind: file.kind });
  const digest = await sha256(path);
  const name = basename(path);
  if (await alreadyLoaded(store.db, digest)) {
    log.info('file already loaded, skipped');
    return { file: name, kind: file.kind, status: 'already-loaded' };
  }
  const bytes = (await stat(path)).size;
  // The creation time in the name lets a later run drop tables of a process that died mid-load.
  const table = `staging.f_${Math.floor(opts.now.getTime() / 1000)}_${digest.slice(0, 12)}_${randomBytes(3).toString('hex')}`;
  const fileColumns = file.header.map((_, i) => Object.entries(file.columns).find(([, idx]) => idx === i)?.[0] ?? `x_${i}`);
  const allColumns = [...new Set([...fileColumns, ...Object.keys(fileKinds[file.kind])])];
  const ident = (c: string) => `"${c}"`;
  await sql.raw(
    `CREATE UNLOGGED TABLE ${table} (line bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 2), parse_error text, ${allColumns.map((c) => `${ident(c)} text`).join(', ')})`,
  ).execute(store.db);
  try {
    const started = Date.now();
    const bar = progress(`ingest ${name}`, bytes, log);
    try {
      await store.copyFrom(
        `COPY ${table} (${fileColumns.map(ident).join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true)`,
        createReadStream(path, { highWaterMark: 1 << 20 }).pipe(bar.counter()),
      );
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'COPY refused the file; re-reading it record by record');
      await sql.raw(`TRUNCATE ${table}`).execute(store.db);
      const { parser, toCopy } = carefulCsv(file.header.length);
      const source = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(bar.counter()).pipe(parser).pipe(toCopy);
      await store.copyFrom(`COPY ${table} (line, parse_error, ${fileColumns.map(ident).join(', ')}) FROM STDIN WITH (FORMAT csv)`, source);
    }
    bar.done();
    const cleanSql = (await readFile(join(sqlDir, 'clean', `${file.kind}.sql`), 'utf8'))
      .replaceAll('{{staging}}', table)
      .replaceAll('{{max_date}}', `DATE '${new Date(opts.now.getTime() + 86_400_000).toISOString().slice(0, 10)}'`)
      .replaceAll('{{revenue_per_conversion}}', opts.revenuePerConversion === undefined ? 'NULL::numeric' : String(Number(opts.revenuePerConversion)));
    const result = await store.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${LOAD_LOCK})`.execute(trx);
      // JIT would spend over a second compiling the clean statement (unanalysed staging table).
      await sql`SET LOCAL jit = off`.execute(trx);
      if (await alreadyLoaded(trx, digest)) return undefined;
      const { file_id } = (
        await sql<{ file_id: number }>`
          INSERT INTO ops.ingest_files (sha256, file_name, kind, bytes, rows_total, rows_loaded, rows_duplicate, rows_rejected, run_id)
          VALUES (${digest}, ${name}, ${file.kind}, ${bytes}, 0, 0, 0, 0, ${opts.runId}) RETURNING file_id`.execute(trx)
      ).rows[0]!;
      const counts = (await sql.raw<CleanResult>(cleanSql.replaceAll('{{file_id}}', String(file_id))).execute(trx)).rows[0]!;
      const duplicate = counts.total - counts.loaded - counts.rejected;
      await sql`
        UPDATE ops.ingest_files SET rows_total = ${counts.total}, rows_loaded = ${counts.loaded},
          rows_duplicate = ${duplicate}, rows_rejected = ${counts.rejected}, min_date = ${counts.min_date}, max_date = ${counts.max_date}
        WHERE file_id = ${file_id}`.execute(trx);
      return { ...counts, duplicate };
    });
    if (!result) {
      log.info('file loaded by another process meanwhile, skipped');
      return { file: name, kind: file.kind, status: 'already-loaded' };
    }
    const seconds = (Date.now() - started) / 1000;
    log.info({ rows: result.total, loaded: result.loaded, duplicate: result.duplicate, rejected: result.rejected, rowsPerSecond: Math.round(result.total / seconds) }, 'file loaded');
    return { file: name, kind: file.kind, status: 'loaded', total: result.total, loaded: result.loaded, duplicate: result.duplicate, rejected: result.rejected };
  } finally {
    await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(store.db);
  }
}

async function alreadyLoaded(db: DbOrTrx, digest: string): Promise<boolean> {
  return (await sql`SELECT 1 FROM ops.ingest_files WHERE sha256 = ${digest}`.execute(db)).rows.length > 0;
}

async function moveInto(path: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  let target = join(dir, basename(path));
  for (let n = 1; await stat(target).then(() => true, () => false); n++) target = join(dir, `${n}-${basename(path)}`);
  await rename(path, target);
  return target;
}

/** Drops staged tables left by a process that died mid-load (their load never committed). */
export async function dropStaleStaging(db: DbOrTrx, now: Date, olderThanMinutes = 60): Promise<void> {
  const tables = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'staging' AND c.relkind = 'r' AND c.relname ~ '^f_[0-9]+_'`.execute(db);
  const cutoff = now.getTime() / 1000 - olderThanMinutes * 60;
  for (const { name } of tables.rows) {
    if (Number(name.split('_')[1]) < cutoff) await sql.raw(`DROP TABLE IF EXISTS staging."${name}"`).execute(db);
  }
}
