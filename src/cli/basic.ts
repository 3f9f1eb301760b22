import { sql } from 'kysely';
import { openApp } from '../db/open.ts';
import { config } from '../config.ts';
import { recentRuns } from '../db/runs-repo.ts';
import { logger } from '../logger.ts';
import { stageNames, type StageName } from '../stages/stage.ts';
import { runPipeline, runStage } from '../stages/run.ts';
import { randomUUID } from 'node:crypto';
import { startRun, finishRun } from '../db/runs-repo.ts';

export async function migrateCommand() {
  const store = await openApp(config());
  await store.close();
  logger.info('database is up to date');
}

export function parseStages(list?: string): StageName[] {
  if (!list) return [...stageNames];
  const wanted = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((s) => !(stageNames as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown stage ${unknown.join(', ')}; stages are ${stageNames.join(', ')}`);
  return stageNames.filter((s) => wanted.includes(s));
}

export async function runCommand(o: { inbox?: string; period?: string; stages?: string; rebuild?: boolean }) {
  const cfg = config();
  const stages = parseStages(o.stages);
  const store = await openApp(cfg);
  try {
    const { runId, outcomes } = await runPipeline({ store, config: cfg, now: new Date(), log: logger, inboxDir: o.inbox, period: o.period, rebuild: o.rebuild }, stages);
    const digest = outcomes.digest?.detail as { files?: { html: string }; subject?: string } | undefined;
    process.stdout.write(`run ${runId} succeeded\n`);
    for (const [stage, out] of Object.entries(outcomes)) process.stdout.write(`  ${stage.padEnd(9)} ${out.skipped ? `skipped: ${out.skipped}` : `${out.rows} rows`}\n`);
    if (digest?.files) process.stdout.write(`digest: ${digest.files.html}\n`);
  } finally {
    await store.close();
  }
}

export async function digestCommand(o: { period?: string; preview?: boolean; to?: string; resend?: boolean }) {
  const cfg = config();
  const store = await openApp(cfg);
  const runId = randomUUID();
  try {
    await startRun(store.db, runId, 'cli-digest', o.period);
    const to = o.to?.split(',').map((s) => s.trim()).filter(Boolean);
    const out = await runStage('digest', { store, config: cfg, runId, now: new Date(), log: logger.child({ runId }), period: o.period, preview: o.preview, resend: o.resend, to });
    await finishRun(store.db, runId, 'succeeded');
    const d = out.detail as { files?: { html: string }; subject?: string; sent?: number } | undefined;
    process.stdout.write(out.skipped ? `digest skipped: ${out.skipped}\n` : d?.files ? `digest written: ${d.files.html}\n` : `digest sent to ${d?.sent} recipient(s): ${d?.subject}\n`);
  } catch (e) {
    await finishRun(store.db, runId, 'failed', (e as Error).message).catch(() => {});
    throw e;
  } finally {
    await store.close();
  }
}

export async function statusCommand(o: { limit: number; rejects: number }) {
  const store = await openApp(config());
  try {
    const runs = await recentRuns(store.db, o.limit);
    const w = (s: string) => process.stdout.write(s + '\n');
    w(runs.length ? 'Recent runs:' : 'No runs yet.');
    for (const r of runs) {
      w(`  ${new Date(r.started_at).toISOString().slice(0, 19)}Z  ${r.state.padEnd(9)} ${r.run_id}  (${r.trigger}${r.period ? `, ${r.period}` : ''})${r.error ? `  error: ${r.error}` : ''}`);
      for (const s of r.stages) w(`      ${s.stage.padEnd(9)} ${s.state.padEnd(9)} ${s.seconds === null ? '' : `${s.seconds.toFixed(2)}s`.padStart(9)} ${s.rows === null ? '' : `${s.rows} rows`}${s.error ? `  ${s.error}` : ''}`);
    }
    const files = await sql<{ file_name: string; kind: string; rows_total: number; rows_loaded: number; rows_duplicate: number; rows_rejected: number; loaded_at: Date }>`
      SELECT file_name, kind, rows_total, rows_loaded, rows_duplicate, rows_rejected, loaded_at FROM ops.ingest_files ORDER BY file_id DESC LIMIT 20`.execute(store.db);
    w(files.rows.length ? '\nLoaded files (newest first):' : '\nNo files loaded yet.');
    for (const f of files.rows) w(`  ${f.file_name.padEnd(32)} ${f.kind.padEnd(12)} ${String(f.rows_total).padStart(9)} rows: ${f.rows_loaded} loaded, ${f.rows_duplicate} duplicate, ${f.rows_rejected} rejected`);
    const skipped = await sql<{ file_name: string; reason: string }>`SELECT file_name, reason FROM ops.skipped_files ORDER BY seen_at DESC LIMIT 10`.execute(store.db);
    if (skipped.rows.length) w('\nFiles not loaded:');
    for (const s of skipped.rows) w(`  ${s.file_name}: ${s.reason}`);
    const rejects = await sql<{ file_name: string; line: number; column_name: string | null; value: string | null; reason: string }>`
      SELECT f.file_name, r.line, r.column_name, r.value, r.reason FROM ops.rejects r JOIN ops.ingest_files f USING (file_id)
      ORDER BY r.file_id DESC, r.line LIMIT ${o.rejects}`.execute(store.db);
    if (rejects.rows.length) w('\nRecent rejects:');
    for (const r of rejects.rows) w(`  ${r.file_name} line ${r.line}${r.column_name ? `, column ${r.column_name}` : ''}${r.value !== null ? `: '${r.value}'` : ''} ${r.reason}`);
  } finally {
    await store.close();
  }
}
