// The service-mode commands: worker, schedule, trigger, serve (Redis + Postgres). What only one
// command uses (the HTTP server, the schedules and subscriptions, the workers, the logger) loads
// in that command: `pulse trigger` starts without fastify, Bull Board and Kysely.

import { type Config, config } from '../config.ts';
import type { Session } from '../db/connection.ts';
import type { Store } from '../db/database.ts';
import { openApp, openAppConnection } from '../db/open.ts';
import { type RunView, waitForRuns } from '../db/runs-repo.ts';
import { messageOf, UnreachableError } from '../errors.ts';
import { enqueueRun } from '../jobs/flow.ts';
import { openQueues, type Queues, requireService } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { parsePeriodRange } from '../pipeline/shared/calendar.ts';
import { parseRunParams, type StageName, stagesFromText } from '../stages/params.ts';

const out = (s: string) => process.stdout.write(`${s}\n`);

async function openService(): Promise<{ cfg: Config; store: Store }> {
  const cfg = requireService(config());
  return { cfg, store: await openApp(cfg) };
}

/** Runs `stop` once on SIGTERM/SIGINT; a second signal exits at once. */
function onShutdown(logger: Logger, what: string, stop: () => Promise<void>) {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal, process: what }, 'second signal, exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, process: what }, 'shutting down, letting current work finish');
    stop().then(
      () => process.exit(0),
      (e) => {
        logger.error({ process: what, err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

export async function workerCommand(o: { concurrency: number }) {
  const { cfg, store } = await openService();
  // Only the worker loads the stages (charts, models); trigger and serve stay light.
  const { startWorkers } = await import('../jobs/worker.ts');
  const { logger } = await import('../logger.ts');
  const workers = await startWorkers(cfg, store, { concurrency: Math.max(1, o.concurrency) });
  out(`worker started (queue prefix ${cfg.PULSE_QUEUE_PREFIX}, concurrency ${Math.max(1, o.concurrency)}); Ctrl-C to stop`);
  onShutdown(logger, 'worker', async () => {
    await workers.close();
    await store.close();
  });
}

export async function scheduleCommand(o: { remove?: boolean; list?: boolean }) {
  const cfg = requireService(config());
  const { listSchedules, removeSchedules, upsertSchedules } = await import('../jobs/scheduler.ts');
  const queues = await openQueues(cfg, { role: 'command' });
  try {
    if (o.remove) {
      await removeSchedules(queues);
      out('schedules removed');
      return;
    }
    const list = o.list ? await listSchedules(queues) : await upsertSchedules(queues, cfg, { zones: await subscriptionZones(cfg) });
    if (!list.length) out('no schedules; run `pulse schedule` to create them');
    for (const s of list) {
      const next = s.next ? new Date(s.next).toISOString() : 'n/a';
      out(`${String(s.key ?? s.name).padEnd(14)} ${String(s.pattern).padEnd(14)} ${s.tz ?? 'UTC'}  next ${next}`);
    }
  } finally {
    await queues.close();
  }
}

/** The time zones of the stored subscriptions (each gets its own digest schedule). */
async function subscriptionZones(cfg: Config): Promise<string[]> {
  const { listSubscriptions } = await import('../db/subscriptions-repo.ts');
  const store = await openApp(cfg);
  try {
    return [...new Set((await listSubscriptions(store.db)).map((s) => s.timezone))];
  } finally {
    await store.close();
  }
}

export async function triggerCommand(target: string, o: { wait?: boolean; period?: string; attempts?: number; rebuild?: boolean }) {
  const stages = stagesFromText(target);
  // A range (2026-W40..2026-W46) is a backfill: one run per week. Each is checked before anything is queued.
  const periods = o.period?.includes('..') ? parsePeriodRange(o.period).map((p) => p.label) : [o.period];
  for (const period of periods) parseRunParams({ stages, period, rebuild: o.rebuild });
  const cfg = requireService(config());
  // A connection without Kysely: the run rows go through statement files (src/db/runs-repo.ts).
  // Postgres and Redis are opened side by side (each is a few round trips); if one fails, the other is closed.
  const [pg, redis] = await Promise.allSettled([openAppConnection(cfg), openQueues(cfg, { role: 'command' })]);
  if (pg.status === 'rejected' || redis.status === 'rejected') {
    await Promise.allSettled([pg.status === 'fulfilled' && pg.value.close(), redis.status === 'fulfilled' && redis.value.close()]);
    // both down: say both, in the words of the first (an UnreachableError prints on one line)
    if (pg.status === 'rejected' && redis.status === 'rejected' && pg.reason instanceof UnreachableError)
      throw new UnreachableError(`${pg.reason.message}; and ${messageOf(redis.reason)}`, { cause: pg.reason });
    throw pg.status === 'rejected' ? pg.reason : (redis as PromiseRejectedResult).reason;
  }
  const [connection, queues] = [pg.value, redis.value];
  try {
    await connection.session((s) => queueRuns(s, queues, stages, periods, o));
  } finally {
    await queues.close();
    await connection.close();
  }
}

async function queueRuns(
  s: Session,
  queues: Queues,
  stages: StageName[],
  periods: (string | undefined)[],
  o: { wait?: boolean; attempts?: number; rebuild?: boolean },
) {
  const runIds: string[] = [];
  for (const period of periods) {
    const { runId, coalesced } = await enqueueRun(
      s,
      queues,
      { stages, period, rebuild: o.rebuild, trigger: 'cli' },
      { tuning: { attempts: o.attempts }, coalesce: true },
    );
    runIds.push(runId);
    out(runId);
    if (coalesced) process.stderr.write(`run ${runId} joins an identical run that was queued and not started yet\n`);
  }
  if (!o.wait) return;
  process.stderr.write(
    `waiting for ${runIds.length === 1 ? 'the run' : `${runIds.length} runs`} (a worker must be running: pulse worker)\n`,
  );
  const runs = await waitForRuns(s, runIds, { onChange: (r) => process.stderr.write(`${describe(r)}\n`) });
  const failed = runs.filter((r) => r.state === 'failed');
  for (const r of runs) out(`run ${r.runId} ${r.state}${r.error ? `: ${r.error}` : ''}`);
  if (failed.length) process.exitCode = 1;
}

function describe(r: RunView): string {
  const stages = r.stages.map((s) => `${s.stage} ${s.state}`).join(', ');
  return `run ${r.runId.slice(0, 8)}: ${r.state}${stages ? ` (${stages})` : ' (queued)'}`;
}

export async function serveCommand(o: { host: string }) {
  const cfg = requireService(config());
  const { buildServer, requireApiToken } = await import('../http/server.ts');
  const { logger } = await import('../logger.ts');
  // Refuse before opening anything: a token is required.
  requireApiToken(cfg);
  const store = await openApp(cfg);
  const queues = await openQueues(cfg);
  const app = await buildServer({ config: cfg, store, queues });
  await app.listen({ port: cfg.PORT, host: o.host });
  out(`listening on http://${o.host}:${cfg.PORT} (POST /runs, GET /runs/:id, GET /health, Bull Board at /admin/queues)`);
  onShutdown(logger, 'server', async () => {
    await app.close();
    await queues.close();
    await store.close();
  });
}
