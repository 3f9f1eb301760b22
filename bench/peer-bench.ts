// The bench's `peer` stage: the pandas peer (bench/peer/peer.py) against `pulse run` on the same
// files, each as a whole child process (interpreter or Node start included), wall time and peak
// RSS. First it checks that both computed the same numbers, so the times compare equal work.
//   first full run (fresh database, whole inbox, every stage to the digest) ≤ 1.0 × the peer at
//     1 M orders, ≤ 0.5 × at 10 M
//   nightly cycle (one new day's export, every stage to the digest, on the first run's store)
//     ≤ 0.3 × the peer's full run at 1 M, ≤ 0.1 × at 10 M
//   peak RSS of each pulse process ≤ 300 MB (set at 10 M)
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { type DbOrTrx, openStore } from '../src/db/database.ts';
import { schedules } from '../src/jobs/scheduler.ts';
import { compareWithMarts, PEER_SCRIPT, type PeerResult, PYTHON, peerMissing } from './peer/peer.ts';

type Report = (measure: string, value: string, reference: string, ratio: number | null, target: string, ok: boolean | null) => void;

export interface PeerBenchOptions {
  orders: number;
  dataDir: string;
  adminUrl: string;
  nodeFlags: string[];
  /** One new day's orders (CSV lines without the header) derived from the orders file. */
  oneDay: () => Promise<string[]>;
  report: Report;
  /** A line printed under the table. */
  note: (line: string) => void;
}

const quiet = { stdio: 'ignore' as const };
const aptInstall = (...packages: string[]) => {
  if (spawnSync('sh', ['-c', 'command -v apt-get'], quiet).status !== 0) return false;
  if (spawnSync('apt-get', ['install', '-y', '-qq', ...packages], quiet).status === 0) return true;
  return (
    spawnSync('apt-get', ['update', '-qq'], quiet).status === 0 &&
    spawnSync('apt-get', ['install', '-y', '-qq', ...packages], quiet).status === 0
  );
};

/** Wall seconds and peak RSS of one child process and its descendants. */
interface Measured {
  seconds: number;
  /**
   * The largest peak RSS of the process and its descendants: from its rusage, and (Linux) from
   * each one's high-water mark (VmHWM) sampled every 100 ms, since a descendant the process does
   * not wait for (the lingering digest renderer) is not in its rusage.
   */
  rssMb: number | null;
  /** The largest sum of the RSS of the process and its descendants at one time (sampled every 100 ms; Linux). */
  treeRssMb: number | null;
  stdout: string;
  stderr: string;
}

/**
 * GNU time (Debian's `time` package, installed if missing) reports the child's peak RSS from
 * its rusage; without it a small python3 wrapper reads the same rusage.
 */
function measurer(dir: string): (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => Promise<Measured> {
  if (!existsSync('/usr/bin/time')) aptInstall('time');
  const rssFile = join(dir, 'rss.txt');
  const wrapper = [
    '-c',
    'import resource, subprocess, sys\nr = subprocess.run(sys.argv[2:])\nopen(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\nsys.exit(r.returncode)',
  ];
  const [tool, toolArgs] = existsSync('/usr/bin/time') ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile]] : [PYTHON, [...wrapper, rssFile]];
  return async (cmd, args, env = process.env) => {
    rmSync(rssFile, { force: true });
    const started = performance.now();
    const child = spawn(tool, [...toolArgs, cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let treeKb: number | null = 0;
    let largestKb = 0;
    const sample = setInterval(() => {
      const now = treeRss(child.pid!);
      treeKb = now === null || treeKb === null ? null : Math.max(treeKb, now.sumKb);
      largestKb = Math.max(largestKb, now?.largestKb ?? 0);
    }, 100);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    clearInterval(sample);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal}):\n${stderr}`);
    // GNU time puts a "Command exited with…" line first when the command fails; the number is last
    const kb = Math.max(existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : NaN, largestKb);
    return { seconds, rssMb: Number.isFinite(kb) ? kb / 1024 : null, treeRssMb: treeKb ? treeKb / 1024 : null, stdout, stderr };
  };
}

/**
 * A process and all its descendants now, from /proc (null without it): the sum of their RSS and
 * the largest high-water mark (VmHWM, the peak RSS each has had), in kB.
 */
function treeRss(root: number): { sumKb: number; largestKb: number } | null {
  if (!existsSync('/proc/self/stat')) return null;
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": the name may hold spaces and parentheses
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parentOf)
      if (!tree.has(pid) && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
  }
  let sumKb = 0;
  let largestKb = 0;
  for (const pid of tree) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      sumKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      largestKb = Math.max(largestKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // gone meanwhile
    }
  }
  return { sumKb, largestKb };
}

/** Seconds of each stage of the newest run (ops.stage_runs), and the rest of the process's wall time. */
async function stageSplit(db: DbOrTrx, wall: number): Promise<{ text: string; seconds: Map<string, number> }> {
  const { rows } = await sql<{ stage: string; seconds: number }>`
    SELECT s.stage, extract(epoch FROM s.finished_at - s.started_at)::float8 AS seconds
    FROM ops.stage_runs s WHERE s.run_id = (SELECT run_id FROM ops.pipeline_runs ORDER BY started_at DESC LIMIT 1)
    ORDER BY s.started_at`.execute(db);
  const inStages = rows.reduce((t, r) => t + Number(r.seconds), 0);
  return {
    text: [...rows.map((r) => `${r.stage} ${Number(r.seconds).toFixed(2)}`), `outside stages ${(wall - inStages).toFixed(2)}`].join(', '),
    seconds: new Map(rows.map((r) => [r.stage, Number(r.seconds)])),
  };
}

export async function benchPeer(o: PeerBenchOptions): Promise<void> {
  const { orders, dataDir, report, note } = o;
  let missing = peerMissing();
  if (missing) {
    note(`peer: ${missing}; trying apt-get install python3-pandas python3-sklearn`);
    aptInstall('python3-pandas', 'python3-sklearn');
    missing = peerMissing();
  }
  if (missing) {
    note(`peer: not run, python3 with pandas and scikit-learn could not be installed: ${missing}`);
    report('pandas peer', 'not run', missing, null, '', null);
    return;
  }
  const work = resolve(dataDir, 'peer-run');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const measure = measurer(work);
  const tenM = orders >= 10_000_000;
  const mb = (x: number | null) => (x === null ? '?' : x.toFixed(0));

  // 1. the peer on the generated files
  const peerJson = join(work, 'peer.json');
  const peerRun = await measure(PYTHON, [PEER_SCRIPT, dataDir, '--out', peerJson]);
  const peer: PeerResult = JSON.parse(readFileSync(peerJson, 'utf8'));
  const phases = Object.entries(peer.timings)
    .filter(([k]) => k !== 'total_in_process')
    .map(([k, s]) => `${k} ${s.toFixed(1)}`)
    .join(', ');
  report('pandas peer: read, KPIs, holdout, roll-ups, k-means (s, whole process)', peerRun.seconds.toFixed(2), phases, null, '', null);
  report('pandas peer peak RSS (MB)', mb(peerRun.rssMb), '', null, '', null);

  // 2. the first full run: a fresh database, the whole inbox, every stage to the digest
  const dbName = `pulse_bench_${orders}_run`;
  const admin = new pg.Client({ connectionString: o.adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(o.adminUrl);
  url.pathname = `/${dbName}`;
  const inbox = join(work, 'inbox');
  mkdirSync(inbox, { recursive: true });
  for (const f of ['influencers.csv', 'posts.csv', 'payouts.csv', 'ad_campaigns.csv', 'orders.csv'])
    cpSync(join(dataDir, f), join(inbox, f));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url.toString(),
    OUT_DIR: join(work, 'out'),
    ARCHIVE_DIR: join(work, 'archive'),
    LOG_LEVEL: 'warn',
  };
  delete env.REDIS_URL;
  delete env.SMTP_URL;
  const pulseRun = () => measure(process.execPath, [...o.nodeFlags, 'src/cli/main.js', 'run', '--inbox', inbox, '--period', 'latest'], env);
  const first = await pulseRun();

  // the same numbers, or the times compare different work
  const store = openStore({ databaseUrl: url.toString(), dataDir: '' });
  let firstSplit = '';
  try {
    firstSplit = (await stageSplit(store.db, first.seconds)).text;
    const { checked, mismatches } = await compareWithMarts(store.db, peer, 1e-6);
    for (const m of mismatches.slice(0, 10)) note(`peer mismatch: ${m}`);
    report(
      'peer and pipeline agree: totals, per-creator ROAS and holdout iROAS',
      `${checked - mismatches.length} / ${checked} values`,
      `${Object.keys(peer.creators).length} creators, loss-makers ${peer.totals.loss_makers}`,
      null,
      'all, 1e-6 relative',
      mismatches.length === 0,
    );
  } finally {
    await store.close();
  }
  const firstTarget = tenM ? 0.5 : 1.0;
  report(
    'first full run: fresh database, whole inbox to the digest (s, whole process)',
    first.seconds.toFixed(2),
    `${peerRun.seconds.toFixed(2)} pandas peer`,
    first.seconds / peerRun.seconds,
    `≤ ${firstTarget.toFixed(1)} (${tenM ? '10 M' : '1 M'})`,
    first.seconds / peerRun.seconds <= firstTarget,
  );
  report('first full run: seconds by stage (ops.stage_runs)', '', firstSplit, null, '', null);
  report(
    'first full run peak RSS (MB, the largest of its processes)',
    mb(first.rssMb),
    `${mb(first.treeRssMb)} all its processes at once (sampled)`,
    null,
    '≤ 300 (set at 10 M)',
    first.rssMb === null ? null : first.rssMb <= 300,
  );

  // 3. the nightly cycle: one new day's export, every stage to the digest, on that store
  const appended = await o.oneDay();
  // the header only (the file can be larger than a string may be)
  const head = Buffer.alloc(4096);
  const fd = openSync(join(dataDir, 'orders.csv'), 'r');
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const header = head.toString('utf8').split('\n')[0];
  writeFileSync(join(inbox, 'orders-next-day.csv'), `${[header, ...appended].join('\n')}\n`);
  const nightly = await pulseRun();
  const nightlyTarget = tenM ? 0.1 : 0.3;
  report(
    `nightly cycle: one day's export (${appended.length} rows) to the digest (s, whole process)`,
    nightly.seconds.toFixed(2),
    `${peerRun.seconds.toFixed(2)} pandas peer, full`,
    nightly.seconds / peerRun.seconds,
    `≤ ${nightlyTarget.toFixed(1)} (${tenM ? '10 M' : '1 M'})`,
    nightly.seconds / peerRun.seconds <= nightlyTarget,
  );
  const again = openStore({ databaseUrl: url.toString(), dataDir: '' });
  try {
    const split = await stageSplit(again.db, nightly.seconds);
    report('nightly cycle: seconds by stage (ops.stage_runs)', '', split.text, null, '', null);
    // The same night as the schedule runs it: the nightly-etl job's stages (src/jobs/scheduler.ts)
    // in a worker already running, without the process start and the alerts and digest (which
    // have schedules of their own). The peer renders no digest either.
    const etl = schedules['nightly-etl'].request.stages.reduce((t, stage) => t + (split.seconds.get(stage) ?? 0), 0);
    report(
      "nightly cycle: the scheduled ETL job's stages (ingest, kpis, models, clusters; s)",
      etl.toFixed(2),
      `${peerRun.seconds.toFixed(2)} pandas peer, full`,
      etl / peerRun.seconds,
      `≤ ${nightlyTarget.toFixed(1)} (the same target)`,
      etl / peerRun.seconds <= nightlyTarget,
    );
    // whether the day refitted the influencer models and segments, or their fit stood (MODEL_REFIT_DRIFT)
    const { rows: fits } = await sql<{ models: string | null; clusters: string | null }>`
      SELECT max(detail->>'influencer_regression') FILTER (WHERE stage = 'models') AS models,
             max(detail->>'influencer') FILTER (WHERE stage = 'clusters') AS clusters
      FROM ops.stage_runs WHERE run_id = (SELECT run_id FROM ops.pipeline_runs ORDER BY started_at DESC LIMIT 1)`.execute(again.db);
    report('nightly cycle: influencer models / segments', '', `${fits[0]?.models} / ${fits[0]?.clusters}`, null, '', null);
  } finally {
    await again.close();
  }
  report(
    'nightly cycle peak RSS (MB, the largest of its processes)',
    mb(nightly.rssMb),
    `${mb(nightly.treeRssMb)} all its processes at once (sampled)`,
    null,
    '≤ 300 (set at 10 M)',
    nightly.rssMb === null ? null : nightly.rssMb <= 300,
  );

  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(join(work, 'archive'), { recursive: true, force: true });
  rmSync(inbox, { recursive: true, force: true });
}
