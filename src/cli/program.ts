import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { config } from '../config.ts';
import { ConfigError, InputError, ServiceConfigError, UnreachableError } from '../errors.ts';

const int = (name: string) => (v: string) => {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0`);
  return n;
};

const program = new Command()
  .name('pulse')
  .description('campaign-pulse: ingest campaign exports, recompute KPIs and send the weekly digest')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();

program
  .command('generate')
  .description(
    'write a synthetic data set (influencers, posts, orders with control/exposed groups, payouts, ad campaigns) in the seed schemas',
  )
  .requiredOption('--out <dir>', 'directory to write the CSV files into')
  .option('--orders <n>', 'number of order rows', int('--orders'), 100_000)
  .option('--seed <s>', 'random seed: the same seed gives the same bytes', int('--seed'), 42)
  .option('--influencers <n>', 'number of influencers (default: scales with --orders)', int('--influencers'))
  .action(async (o) => (await import('./generate.ts')).generate(o));

program
  .command('migrate')
  .description('apply pending database migrations (also done automatically before every run)')
  .action(async () => (await import('./basic.ts')).migrateCommand());

program
  .command('run')
  .description('run the pipeline inline: ingest → kpis → models → clusters → digest')
  .option('--inbox <dir>', 'folder with the exports to load (default INBOX_DIR)')
  .option(
    '--period <week>',
    'digest period: an ISO week like 2026-W46, or "latest" for the newest week with data (default: last complete week)',
  )
  .option('--stages <list>', 'comma-separated subset of stages to run, in pipeline order')
  .option(
    '--rebuild',
    'kpis stage: rebuild the sums behind the KPIs from every stored order and recompute every week, instead of folding in only new loads (after removing rows by hand, or to check the incremental sums)',
  )
  .action(async (o) => (await import('./basic.ts')).runCommand(o));

program
  .command('digest')
  .description('render the digest for a period and send it (or write it to OUT_DIR without SMTP_URL)')
  .option('--period <week>', 'ISO week like 2026-W46, or "latest" (default: last complete week)')
  .option('--preview', 'write the files to OUT_DIR, send nothing')
  .option('--to <emails>', 'send the unfiltered digest to these comma-separated recipients instead of the subscriptions (or DIGEST_TO)')
  .option('--subscription <name>', 'only this subscription')
  .option('--resend', 'send again even if this period was already delivered')
  .action(async (o) => (await import('./basic.ts')).digestCommand(o));

program
  .command('status')
  .description('recent runs with stage timings and row counts, loaded files and rejects')
  .option('--limit <n>', 'number of runs to show', int('--limit'), 10)
  .option('--rejects <n>', 'number of recent rejects to list', int('--rejects'), 10)
  .action(async (o) => (await import('./basic.ts')).statusCommand(o));

const subscriptions = program
  .command('subscriptions')
  .description('who gets the digest of which slice, and alerts (ops.subscriptions); without any, DIGEST_TO gets everything');
subscriptions
  .command('add')
  .description('add a subscription: recipients (and or a webhook), a slice, a cadence and a time zone')
  .requiredOption('--name <name>', 'lower-case letters, digits, - and _')
  .option('--to <emails>', 'comma-separated recipients')
  .option(
    '--where <key=values>',
    'keep only these values, e.g. platform=Instagram,YouTube (repeatable; keys: platform, category, gender, tier, product, campaign, channel)',
    (v: string, prev: string[] = []) => [...prev, v],
  )
  .option('--cadence <c>', 'weekly (the digest), alerts, or both', 'weekly')
  .option('--timezone <tz>', 'IANA time zone in which DIGEST_CRON fires for it (default PULSE_TIMEZONE)')
  .option('--webhook <url>', 'Slack incoming-webhook URL that also gets the digest summary and alerts (https; needs PULSE_WEBHOOK_SECRET)')
  .action(async (o) => (await import('./subscriptions.ts')).addCommand(o));
subscriptions
  .command('list')
  .description('list the subscriptions')
  .action(async () => (await import('./subscriptions.ts')).listCommand());
subscriptions
  .command('remove')
  .description('remove a subscription (its delivery history stays in ops.digests)')
  .argument('<name>')
  .action(async (name) => (await import('./subscriptions.ts')).removeCommand(name));

// Service mode (REDIS_URL + DATABASE_URL): BullMQ workers, schedules, on-demand runs, HTTP API.
program
  .command('worker')
  .description('process queued runs (BullMQ) until SIGTERM/SIGINT, which lets the current job finish; needs REDIS_URL and DATABASE_URL')
  .option(
    '--concurrency <n>',
    'jobs this process works on at once (stages still run one at a time across all workers)',
    int('--concurrency'),
    1,
  )
  .action(async (o) => (await import('./service.ts')).workerCommand(o));

program
  .command('schedule')
  .description(
    'create or update the nightly ETL (ETL_CRON), weekly digest (DIGEST_CRON) and alerts (ALERT_CRON) schedules in PULSE_TIMEZONE; running it again replaces them',
  )
  .option('--list', 'show the schedules and their next run, change nothing')
  .option('--remove', 'delete the schedules')
  .action(async (o) => (await import('./service.ts')).scheduleCommand(o));

program
  .command('trigger')
  .description(
    'queue a run now and print its id: "pipeline" for every stage, or a stage (ingest, kpis, alerts, models, clusters, digest) or comma-separated list',
  )
  .argument('<target>', 'pipeline, or a stage name / comma-separated stage list')
  .option('--period <week>', 'digest period: 2026-W46, "latest", or a range 2026-W40..2026-W46 for a backfill (one run per week)')
  .option('--wait', 'follow the run(s) to the end; exit non-zero if one failed')
  .option('--rebuild', 'kpis stage: rebuild its sums from every stored order and recompute every week (as pulse run --rebuild)')
  .option('--attempts <n>', 'tries per stage before the run fails (default: the job catalog, with exponential backoff)', int('--attempts'))
  .action(async (target, o) => (await import('./service.ts')).triggerCommand(target, o));

program
  .command('serve')
  .description(
    'HTTP API: POST /runs, GET /runs/:id, GET /health, Bull Board at /admin/queues (Bearer PULSE_API_TOKEN; board login at /admin/login) on PORT',
  )
  .option('--host <addr>', 'address to listen on', '0.0.0.0')
  .action(async (o) => (await import('./service.ts')).serveCommand(o));

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function main() {
  try {
    config();
    await program.parseAsync(process.argv);
  } catch (e) {
    // What the user can fix is one line; anything else keeps its stack for the bug report.
    const known = e instanceof ConfigError || e instanceof InputError || e instanceof ServiceConfigError || e instanceof UnreachableError;
    process.stderr.write(`pulse: ${known ? (e as Error).message : ((e as Error)?.stack ?? String(e))}\n`);
    // 2: the environment is wrong (nothing can run); 1: this command failed, or was asked for something invalid.
    process.exitCode = e instanceof ConfigError ? 2 : 1;
  }
}

await main();
