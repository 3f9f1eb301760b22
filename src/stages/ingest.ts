import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Session } from '../db/connection.ts';
import type { Store } from '../db/database.ts';
import {
  commitLoad,
  contentLoaded,
  contentLoadedOn,
  copyOrdersIntoPartition,
  deleteRepeatedOrders,
  dropOrdersPartition,
  knownInfluencers,
  type LoadCounts,
  loadedByNameAndSize,
  mergeRows,
  openLoad,
  overlappingLoads,
  recordOrderDays,
  recordSkippedFile,
  rollbackLoad,
  storedDays,
} from '../db/loads-repo.ts';
import type { Logger } from '../logger.ts';
import { dayNumber } from '../pipeline/ingest/clean-orders.ts';
import type { CsvRecord, ReadStats } from '../pipeline/ingest/csv-records.ts';
import { HEADER_LIMIT, type HeaderRead, headerOf } from '../pipeline/ingest/file-header.ts';
import { type FileKind, loadOrder, type Recognised, recogniseHeader } from '../pipeline/ingest/file-kinds.ts';
import { accountingProblem, fileRecords } from '../pipeline/ingest/file-records.ts';
import { OrdersBatcher } from '../pipeline/ingest/orders-batch.ts';
import { type CleanContext, COPY_OPTIONS, copyFields, type Reject } from '../pipeline/ingest/row-cleaner.ts';
import { RowsBatcher } from '../pipeline/ingest/rows-batch.ts';
import { isoDay } from '../pipeline/shared/calendar.ts';
import { progress } from '../progress.ts';
import { defineStage } from './stage.ts';

export interface IngestOptions {
  inboxDir: string;
  archiveDir: string;
  runId: string;
  now: Date;
  revenuePerConversion?: number;
  log: Logger;
  /** Rows of an orders file past which it keeps no fingerprints (default MAX_FINGERPRINTS; lower in tests). */
  maxFingerprints?: number;
}

export interface FileOutcome {
  file: string;
  kind?: FileKind;
  status: 'loaded' | 'already-loaded' | 'unrecognised';
  total?: number;
  loaded?: number;
  duplicate?: number;
  rejected?: number;
  /** how long the load took, hashing to commit */
  seconds?: number;
  reason?: string;
}

export async function ingestInbox(store: Store, opts: IngestOptions): Promise<FileOutcome[]> {
  const entries = await readdir(opts.inboxDir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`inbox ${opts.inboxDir} cannot be read (${e.code ?? e.message}); nothing was loaded`);
  });
  const inboxReal = await realpath(opts.inboxDir);
  const planned: { path: string; recognised?: Recognised; reason?: string }[] = [];
  for (const d of entries) {
    if (!/\.(csv|txt|tsv)$/i.test(d.name)) continue;
    const path = join(opts.inboxDir, d.name);
    if (d.isSymbolicLink()) {
      // followed only to a file inside the inbox; any other link is set aside (the link, never its target)
      const why = await linkProblem(path, inboxReal);
      if (why) {
        planned.push({ path, reason: why });
        continue;
      }
    } else if (!d.isFile()) continue;
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
  // a file that cannot be loaded (or a link not followed) goes aside, with its reason in ops.skipped_files
  const setAside = async (path: string, reason: string) => {
    const moved = await moveInto(path, join(opts.inboxDir, 'unrecognised'));
    await recordSkippedFile(store.db, { name: basename(path), reason, movedTo: moved });
    opts.log.warn({ file: basename(path), reason, movedTo: moved }, 'file not loaded, moved aside');
  };
  for (const p of planned) {
    if (!p.recognised) {
      await setAside(p.path, p.reason!);
      outcomes.push({ file: basename(p.path), status: 'unrecognised', reason: p.reason });
      continue;
    }
    const outcome = await ingestFile(store, p.path, p.recognised, opts);
    if (outcome.status === 'unrecognised') await setAside(p.path, outcome.reason!);
    else await moveInto(p.path, join(opts.archiveDir, opts.now.toISOString().slice(0, 10)));
    outcomes.push(outcome);
  }
  return outcomes;
}

async function readHeader(path: string): Promise<HeaderRead> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEADER_LIMIT);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return headerOf(buf.subarray(0, bytesRead), (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

/** Why a symbolic link in the inbox is not followed, or undefined for a link to a file inside the inbox. */
async function linkProblem(path: string, inboxReal: string): Promise<string | undefined> {
  // realpath fails exactly when the link leads nowhere reachable: that is the answer, not an error
  const target = await realpath(path).catch(() => undefined);
  if (target === undefined) return 'is a symbolic link whose target does not exist (or cannot be reached): not followed';
  const rel = relative(inboxReal, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    return `is a symbolic link to ${target}, outside the inbox: not followed (copy the file into the inbox instead)`;
  if (!(await stat(target)).isFile()) return `is a symbolic link to ${target}, which is not a file: not followed`;
  return undefined;
}

/** Rows in a file, judged from the lines in its first 256 KB (to size the repeat check). */
async function estimateRows(path: string, bytes: number): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const sample = Buffer.alloc(Math.min(bytes, 256 * 1024));
    const { bytesRead } = await fh.read(sample, 0, sample.length, 0);
    let lines = 0;
    for (let i = sample.indexOf(0x0a); i >= 0 && i < bytesRead; i = sample.indexOf(0x0a, i + 1)) lines++;
    return Math.ceil((bytes * Math.max(lines, 1)) / Math.max(bytesRead, 1));
  } finally {
    await fh.close();
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

type Counts = LoadCounts;

/**
 * Loads one file in one transaction: its rows are cleaned here as they stream from disk and
 * go by COPY straight into core (orders) or into a temporary table merged by one statement
 * (the small kinds). A crash or a kill at any point leaves core as it was.
 */
export async function ingestFile(store: Store, path: string, file: Recognised, opts: IngestOptions): Promise<FileOutcome> {
  const name = basename(path);
  const log = opts.log.child({ file: name, kind: file.kind });
  const bytes = (await stat(path)).size;
  // A file named and sized as one loaded before is probably that file again: it is hashed
  // first, to be skipped unread. Any other file is hashed as it streams, sparing a second read
  // (and if its content was loaded before under another name, the load is rolled back).
  if ((await loadedByNameAndSize(store.db, name, bytes)) && (await contentLoaded(store.db, await sha256(path)))) {
    log.info('file already loaded, skipped');
    return { file: name, kind: file.kind, status: 'already-loaded' };
  }
  const started = Date.now();
  let rejects: Rejects | undefined;
  let refused: string | undefined;
  const counts = await store
    .session(async (s) => {
      const fileId = await openLoad(s, { name, kind: file.kind, bytes, runId: opts.runId });
      try {
        const ctx: CleanContext = {
          now: opts.now,
          knownInfluencers: await knownInfluencers(s),
          revenuePerConversion: opts.revenuePerConversion,
        };
        const bar = progress(`ingest ${name}`, bytes, log);
        rejects = new Rejects(fileId);
        const hash = createHash('sha256');
        const load = file.kind === 'orders' ? loadOrders : loadMerged;
        const stats: ReadStats = { lines: 0, records: 0 };
        const c = await load(s, {
          path,
          file,
          fileId,
          ctx,
          rejects,
          hash,
          stats,
          tick: bar.tick,
          expectedRows: await estimateRows(path, bytes),
          maxFingerprints: opts.maxFingerprints,
        });
        bar.done();
        // every record is loaded, a repeat or a reject, or the file is not recorded as loaded
        refused = accountingProblem(c, stats);
        if (refused !== undefined) {
          await rollbackLoad(s);
          return undefined;
        }
        const digest = hash.digest('hex');
        if (await contentLoadedOn(s, digest)) {
          await rollbackLoad(s);
          return undefined;
        }
        const r = rejects;
        await commitLoad(s, fileId, digest, c, { count: r.count, copyText: () => r.lines() }, COPY_OPTIONS);
        return c;
      } catch (e) {
        // The load's own error is the one to report. A failed rollback means the connection is
        // gone, and the session hands a broken connection back to be discarded, not reused.
        await rollbackLoad(s).catch((rollback) => log.debug({ err: rollback }, 'rollback after a failed load failed too'));
        throw e;
      }
    })
    .finally(() => rejects?.dispose());
  if (refused !== undefined) {
    log.error({ reason: refused }, 'file not loaded');
    return { file: name, kind: file.kind, status: 'unrecognised', reason: refused };
  }
  if (!counts) {
    log.info('file content loaded before, skipped');
    return { file: name, kind: file.kind, status: 'already-loaded' };
  }
  const seconds = (Date.now() - started) / 1000;
  log.info(
    {
      rows: counts.total,
      loaded: counts.loaded,
      duplicate: counts.duplicate,
      rejected: counts.rejected,
      rowsPerSecond: Math.round(counts.total / seconds),
    },
    'file loaded',
  );
  return {
    file: name,
    kind: file.kind,
    status: 'loaded',
    total: counts.total,
    loaded: counts.loaded,
    duplicate: counts.duplicate,
    rejected: counts.rejected,
    seconds,
  };
}

interface LoadInput {
  path: string;
  file: Recognised;
  fileId: number;
  ctx: CleanContext;
  rejects: Rejects;
  /** the file's sha256, fed as it is read */
  hash: Hash;
  /** lines and records read, filled as the file is read */
  stats: ReadStats;
  tick: (bytes: number, rows: number) => void;
  expectedRows: number;
  maxFingerprints?: number;
}

/** The file's records after the header, in batches. */
async function* recordsOf(input: LoadInput): AsyncGenerator<CsvRecord[]> {
  const read = (buf: Buffer) => {
    input.hash.update(buf);
    input.tick(buf.length, 0);
  };
  for await (const records of fileRecords(fileChunks(input.path, read), input.stats)) {
    input.tick(0, records.length);
    yield records;
  }
}

/**
 * Orders go straight into a new partition of core.orders, the one big table, so they are
 * written once (see OrdersBatcher). Repeated rows are then found by value
 * (sql/load/orders-repeats.sql), only on days that earlier loads also have or on which the
 * load's own fingerprints repeat. The sums the KPIs read are the kpis stage's to fold in
 * (src/db/kpis-repo.ts).
 */
async function loadOrders(s: Session, input: LoadInput): Promise<Counts> {
  const batcher = new OrdersBatcher(input.file, input.ctx, input.expectedRows, input.maxFingerprints);
  async function* copyText() {
    for await (const records of recordsOf(input)) {
      const text = batcher.batch(records);
      for (const r of batcher.rejects.splice(0)) input.rejects.add(r.line, r.reject);
      if (text) yield text;
    }
  }
  const fileId = Number(input.fileId);
  await copyOrdersIntoPartition(s, fileId, batcher.copyColumns, COPY_OPTIONS, copyText());

  const { days } = batcher;
  const repeatDays = batcher.repeatDays();
  // a load too large to fingerprint compares every day it has
  const compare = repeatDays === null ? days.days() : [...new Set([...(await storedDays(s, days.days())), ...repeatDays.map(isoDay)])];
  let duplicate = 0;
  if (compare.length > 0) {
    // only the partitions of loads whose days reach the days compared are read (a load that
    // recorded no days, as some before 0005 may not have, is read in case)
    compare.sort();
    const files = [...(await overlappingLoads(s, fileId, compare[0]!, compare.at(-1)!)), fileId];
    const repeats = await deleteRepeatedOrders(s, fileId, compare, files);
    for (const day of repeats) days.add(dayNumber(day), -1);
    duplicate = repeats.length;
  }
  if (batcher.written === duplicate) await dropOrdersPartition(s, fileId);
  await recordOrderDays(s, ...days.arrays(), days.weeks());
  const loadedDays = days.days();
  return {
    total: batcher.total,
    loaded: batcher.written - duplicate,
    duplicate,
    rejected: input.rejects.count,
    minDate: loadedDays[0] ?? null,
    maxDate: loadedDays.at(-1) ?? null,
  };
}

/** The small kinds: COPY into a temporary table, then one statement merges it into core. */
async function loadMerged(s: Session, input: LoadInput): Promise<Counts> {
  const batcher = new RowsBatcher(input.file, input.ctx, input.fileId);
  const fileId = input.fileId;
  async function* copyText() {
    for await (const records of recordsOf(input)) {
      const out = batcher.batch(records);
      for (const r of batcher.rejects.splice(0)) input.rejects.add(r.line, r.reject);
      if (out) yield out;
    }
  }
  const kind = input.file.kind as Exclude<FileKind, 'orders'>;
  const merged = await mergeRows(s, kind, fileId, Object.entries(batcher.columns), COPY_OPTIONS, copyText());
  return {
    total: batcher.total,
    loaded: merged.loaded,
    duplicate: batcher.written - merged.loaded,
    rejected: input.rejects.count,
    minDate: merged.minDate,
    maxDate: merged.maxDate,
  };
}

/**
 * A file in 64 KB chunks (fileRecords decodes them). Small chunks keep each batch of records
 * short-lived: larger ones outlive the young generation and triple the garbage collector's work.
 */
async function* fileChunks(path: string, onRead: (buf: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const buf of createReadStream(path, { highWaterMark: 1 << 16 })) {
    onRead(buf as Buffer);
    yield buf as Buffer;
  }
}

/**
 * A load's rejects as COPY text for ops.rejects. The first ones are kept in memory; past
 * 10,000 they go to a temporary file, so a file of nothing but bad rows loads in flat memory.
 */
class Rejects {
  private pending: string[] = [];
  private spill: { path: string; fd: number } | undefined;
  count = 0;
  private readonly fileId: number;
  constructor(fileId: number) {
    this.fileId = fileId;
  }

  add(line: number, r: Reject) {
    this.count++;
    this.pending.push(`${copyFields([this.fileId, line, r.column, r.value, r.reason])}\n`);
    if (this.pending.length >= 10_000) {
      if (!this.spill) {
        const path = join(mkdtempSync(join(tmpdir(), 'pulse-rejects-')), 'rejects.copy');
        this.spill = { path, fd: openSync(path, 'w') };
      }
      writeSync(this.spill.fd, this.pending.join(''));
      this.pending = [];
    }
  }

  async *lines(): AsyncGenerator<string | Buffer> {
    if (this.spill) {
      closeSync(this.spill.fd);
      yield* createReadStream(this.spill.path);
    }
    if (this.pending.length) yield this.pending.join('');
  }

  /** Removes the spill file, if any. */
  async dispose() {
    if (this.spill) await rm(dirname(this.spill.path), { recursive: true, force: true });
  }
}

async function moveInto(path: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  let target = join(dir, basename(path));
  for (
    let n = 1;
    await stat(target).then(
      () => true,
      () => false,
    );
    n++
  )
    target = join(dir, `${n}-${basename(path)}`);
  await rename(path, target);
  return target;
}

/** The ingest stage: every file of the inbox (INBOX_DIR, or the run's `inbox`) loaded or set aside. */
export const ingestStage = defineStage({
  name: 'ingest',
  async run(deps, params) {
    const files = await ingestInbox(deps.store, {
      inboxDir: params.inbox ?? deps.config.INBOX_DIR,
      archiveDir: deps.config.ARCHIVE_DIR,
      runId: deps.runId,
      now: deps.clock(),
      revenuePerConversion: deps.config.REVENUE_PER_CONVERSION,
      log: deps.log,
    });
    return { rows: files.reduce((n, f) => n + (f.loaded ?? 0), 0), detail: { files } };
  },
});
