// The inline commands: migrate, run, digest, status (embedded PGlite or DATABASE_URL).
import { accessSync, constants, statSync } from 'node:fs';
import { config, logsAt } from '../config.ts';
import type { Session } from '../db/connection.ts';
import { recentFiles, recentRejects, recentSkippedFiles } from '../db/ingest-log-repo.ts';
import { openApp, openAppConnection } from '../db/open.ts';
import { recentRunViews } from '../db/runs-repo.ts';
import { InputError } from '../errors.ts';
import { parseRunParams, stagesFromText } from '../stages/params.ts';

const out = (s: string) => process.stdout.write(`${s}\n`);

export async function migrateCommand() {
  // migrations run on a connection alone (no Kysely)
  const connection = await openAppConnection(config());
  await connection.close();
  if (logsAt('info')) (await import('../logger.ts')).logger.info('database is up to date');
}

export async function runCommand(o: { inbox?: string; period?: string; stages?: string; rebuild?: boolean }) {
  const cfg = config();
  // Everything the run was asked for is checked before the database is opened or a file moved.
  const params = parseRunParams({ stages: stagesFromText(o.stages), inbox: o.inbox, period: o.period, rebuild: o.rebuild });
  if (params.stages.includes('ingest'))
    requireReadableFolder(params.inbox ?? cfg.INBOX_DIR, params.inbox ? '--inbox' : 'INBOX_DIR', !params.inbox);
  const { runInline } = await import('../stages/run.ts');
  const { logger } = await import('../logger.ts');
  const store = await openApp(cfg);
  try {
    const { runId, outcomes } = await runInline({ store, config: cfg, log: logger, clock: fixedClock() }, params, 'cli');
    out(`run ${runId} succeeded`);
    for (const [stage, o] of Object.entries(outcomes))
      out(`  ${stage.padEnd(9)} ${o.skipped ? `skipped: ${o.skipped}` : `${o.rows} rows`}`);
    if (outcomes.digest?.detail?.files) out(`digest: ${outcomes.digest.detail.files.html}`);
  } finally {
    await store.close();
  }
}

export async function digestCommand(o: { period?: string; preview?: boolean; to?: string; subscription?: string; resend?: boolean }) {
  const cfg = config();
  const to = o.to
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const params = parseRunParams({
    stages: ['digest'],
    period: o.period,
    preview: o.preview,
    resend: o.resend,
    to,
    subscription: o.subscription,
  });
  const { runInline } = await import('../stages/run.ts');
  const { logger } = await import('../logger.ts');
  const store = await openApp(cfg);
  try {
    const { outcomes } = await runInline({ store, config: cfg, log: logger, clock: fixedClock() }, params, 'cli-digest');
    const d = outcomes.digest!;
    out(
      d.skipped
        ? `digest skipped: ${d.skipped}`
        : d.detail?.files
          ? `digest written: ${(d.detail.written ?? [d.detail.files.html]).join(', ')}`
          : `digest sent (${count(d.detail?.sent, 'delivery', 'deliveries')}, ${count(d.detail?.subscriptions, 'subscription')}, ${count(d.detail?.renders, 'rendering')}): ${d.detail?.subject}`,
    );
  } finally {
    await store.close();
  }
}

export async function statusCommand(o: { limit: number; rejects: number }) {
  // A connection without Kysely: status reads through statement files, and starts faster for it.
  const connection = await openAppConnection(config());
  try {
    const { failDeadInlineRuns } = await import('../stages/run.ts');
    await failDeadInlineRuns(connection);
    await connection.session((s) => showStatus(s, o));
  } finally {
    await connection.close();
  }
}

async function showStatus(session: Session, o: { limit: number; rejects: number }) {
  const runs = await recentRunViews(session, o.limit);
  out(runs.length ? 'Recent runs:' : 'No runs yet.');
  for (const r of runs) {
    out(
      `  ${r.startedAt.slice(0, 19)}Z  ${r.state.padEnd(9)} ${r.runId}  (${r.trigger}${r.period ? `, ${r.period}` : ''})${r.error ? `  error: ${r.error}` : ''}`,
    );
    for (const s of r.stages)
      out(
        `      ${s.stage.padEnd(9)} ${s.state.padEnd(9)} ${s.seconds === null ? '' : `${s.seconds.toFixed(2)}s`.padStart(9)} ${s.rows === null ? '' : `${s.rows} rows`}${s.error ? `  ${s.error}` : ''}`,
      );
  }
  const files = await recentFiles(session, 20);
  out(files.length ? '\nLoaded files (newest first):' : '\nNo files loaded yet.');
  for (const f of files)
    out(
      `  ${f.file_name.padEnd(32)} ${f.kind.padEnd(12)} ${String(f.rows_total).padStart(9)} rows: ${f.rows_loaded} loaded, ${f.rows_duplicate} duplicate, ${f.rows_rejected} rejected`,
    );
  const skipped = await recentSkippedFiles(session, 10);
  if (skipped.length) out('\nFiles not loaded:');
  for (const s of skipped) out(`  ${s.file_name}: ${s.reason}`);
  const rejects = await recentRejects(session, o.rejects);
  if (rejects.length) out('\nRecent rejects:');
  for (const r of rejects)
    out(
      `  ${r.file_name} line ${r.line}${r.column_name ? `, column ${r.column_name}` : ''}${r.value !== null ? `: '${r.value}'` : ''} ${r.reason}`,
    );
}

const count = (n: number | undefined, one: string, many = `${one}s`) => `${n ?? 0} ${n === 1 ? one : many}`;

/** A run's clock: the instant the command started, the same for every stage. */
function fixedClock(): () => Date {
  const now = new Date();
  return () => now;
}

/** The inbox must be a folder this process can read; the default one may simply not exist yet. */
function requireReadableFolder(path: string, what: string, mayBeMissing: boolean) {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    if (mayBeMissing) return;
    throw new InputError(`${what} ${path} does not exist`);
  }
  if (!isDir) throw new InputError(`${what} ${path} is not a folder`);
  try {
    accessSync(path, constants.R_OK | constants.X_OK);
  } catch {
    throw new InputError(`${what} ${path} cannot be read by this user`);
  }
}
