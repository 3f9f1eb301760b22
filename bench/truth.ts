// `npm run truth [-- --seeds 1..8 --orders 100000]`: the pipeline's estimates against the truth the
// generator knows. For each seed: generate a data set (src/generate/generate.ts), load it into a
// fresh Postgres database, run the kpis stage, and compare mart.influencer_kpis and the slice marts
// with truth.json. Prints per seed and pooled: holdout interval coverage, mean width and bias by
// holdout status, loss-maker precision and recall, and slice interval coverage; exits 1 when a
// target fails.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore } from '../src/db/database.ts';
import { recomputeKpis, SLICE_MARTS } from '../src/db/kpis-repo.ts';
import { migrate } from '../src/db/migrate.ts';
import { generateDataset } from '../src/generate/generate.ts';
import { logger } from '../src/logger.ts';
import { ingestInbox } from '../src/stages/ingest.ts';
import {
  addIntervals,
  allowedMisses,
  type BudgetFigures,
  budgetAgainstTruth,
  type Confusion,
  type EstimateRow,
  type IntervalFigures,
  intervalsByStatus,
  lossMakerConfusion,
  type MoveRow,
  precision,
  recall,
  type SliceEstimate,
  type SliceMember,
  sliceCoverage,
  type TruthRow,
} from './truth-metrics.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1..8' },
    orders: { type: 'string', default: '100000' },
    db: { type: 'string' },
    /** Writes every influencer's estimates beside its truth, one JSON line each (for analysis). */
    dump: { type: 'string' },
  },
});
const seeds = parseSeeds(values.seeds!);
const orders = Number(values.orders);
if (!Number.isSafeInteger(orders) || orders < 1000) throw new Error(`--orders must be a whole number ≥ 1000, got ${values.orders}`);
const adminUrl = values.db ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function parseSeeds(s: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(s);
  const list = range
    ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i)
    : s.split(',').map(Number);
  if (!list.length || list.some((x) => !Number.isSafeInteger(x))) throw new Error(`--seeds: a range a..b or a list a,b,c, got ${s}`);
  return list;
}

interface SeedFigures {
  seed: number;
  influencers: number;
  intervals: Record<string, IntervalFigures>;
  loss: Confusion;
  /** Slice intervals (all six slice marts) and the portfolio's alone, summed over influencers. */
  slices: IntervalFigures;
  portfolio: IntervalFigures;
  /** The portfolio's old interval over users pooled across influencers, against the same truth. */
  pooled: IntervalFigures;
  /** The recommended budget moves against the truth (null without moves). */
  budget: BudgetFigures | null;
  seconds: number;
}

// Every slice row's summed iROAS, and the influencers each adds up with their weights.
const keyOf: Record<(typeof SLICE_MARTS)[number], string> = {
  portfolio_kpis: `''`,
  platform_kpis: 'platform',
  category_kpis: 'category',
  persona_kpis: `category || '/' || gender`,
  product_kpis: 'product',
  campaign_kpis: 'campaign',
};
const sliceEstimatesSql = SLICE_MARTS.map(
  (m) =>
    `SELECT '${m}' AS mart, ${keyOf[m]} AS key, iroas_summed AS iroas, iroas_summed_low AS low, iroas_summed_high AS high FROM mart.${m}`,
).join(' UNION ALL ');
const withHoldout = 'FROM mart.influencer_kpis k WHERE incremental_revenue_se IS NOT NULL';
const byShare = (table: string, col: string) =>
  `SELECT m.influencer_id, coalesce(nullif(m.${col}, ''), 'Unknown') AS key, sum(m.orders)::float8 / nullif(k.orders, 0) AS w, k.payout
   FROM core.${table} m JOIN mart.influencer_kpis k USING (influencer_id) WHERE k.incremental_revenue_se IS NOT NULL
   GROUP BY 1, 2, k.orders, k.payout`;
const sliceMembersSql = `
  SELECT 'portfolio_kpis' AS mart, '' AS key, influencer_id, 1::float8 AS w, payout ${withHoldout}
  UNION ALL SELECT 'platform_kpis', coalesce(platform, 'Unknown'), influencer_id, 1, payout ${withHoldout}
  UNION ALL SELECT 'category_kpis', coalesce(category, 'Unknown'), influencer_id, 1, payout ${withHoldout}
  UNION ALL SELECT 'persona_kpis', coalesce(category, 'Unknown') || '/' || coalesce(gender, 'Unknown'), influencer_id, 1, payout ${withHoldout}
  UNION ALL SELECT 'product_kpis', key, influencer_id, w, payout FROM (${byShare('orders_product', 'product')}) p WHERE w > 0
  UNION ALL SELECT 'campaign_kpis', key, influencer_id, w, payout FROM (${byShare('orders_campaign', 'campaign')}) c WHERE w > 0`;

const figures = (rows: { covered: boolean; width: number; bias: number }[]): IntervalFigures => ({
  n: rows.length,
  covered: rows.filter((r) => r.covered).length,
  width: rows.length ? rows.reduce((s, r) => s + r.width, 0) / rows.length : 0,
  bias: rows.length ? rows.reduce((s, r) => s + r.bias, 0) / rows.length : 0,
});

async function runSeed(seed: number, dump: string[]): Promise<SeedFigures> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), `pulse-truth-${seed}-`));
  const dbName = `pulse_truth_${process.pid}_${seed}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const generated = await generateDataset({ outDir: join(dir, 'inbox'), orders, seed });
    const truthRows: TruthRow[] = JSON.parse(readFileSync(generated.files.truth, 'utf8')).influencers;
    rmSync(generated.files.truth);
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    const store = openStore({ databaseUrl: url.toString(), dataDir: '' });
    try {
      await migrate(store);
      const log = logger.child({}, { level: 'warn' });
      await ingestInbox(store, {
        inboxDir: join(dir, 'inbox'),
        archiveDir: join(dir, 'archive'),
        runId: randomUUID(),
        now: new Date(),
        log,
      });
      await recomputeKpis(store.db, { baselineRevenuePerOrder: 300, minHoldoutUsers: 30, log });
      const estimates = (await sql<EstimateRow & Record<string, unknown>>`SELECT * FROM mart.influencer_kpis`.execute(store.db)).rows;
      const truth = new Map(truthRows.map((t) => [String(t.id), t]));
      for (const e of estimates) dump.push(JSON.stringify({ seed, ...e, truth: truth.get(e.influencer_id) }));
      const slices = sliceCoverage(
        (await sql.raw<SliceEstimate>(sliceEstimatesSql).execute(store.db)).rows,
        (await sql.raw<SliceMember>(sliceMembersSql).execute(store.db)).rows.map((m) => ({
          ...m,
          w: Number(m.w),
          payout: Number(m.payout),
        })),
        truth,
      );
      const portfolio = slices.filter((r) => r.mart === 'portfolio_kpis');
      const old = (
        await sql<{ iroas_holdout: number | null; iroas_holdout_low: number | null; iroas_holdout_high: number | null }>`
          SELECT iroas_holdout, iroas_holdout_low, iroas_holdout_high FROM mart.portfolio_kpis`.execute(store.db)
      ).rows[0];
      const pooled =
        old?.iroas_holdout_low != null && old.iroas_holdout_high != null && portfolio[0]
          ? [
              {
                covered: old.iroas_holdout_low <= portfolio[0].truth && portfolio[0].truth <= old.iroas_holdout_high,
                width: old.iroas_holdout_high - old.iroas_holdout_low,
                bias: old.iroas_holdout! - portfolio[0].truth,
              },
            ]
          : [];
      const budget = budgetAgainstTruth(
        (await sql<MoveRow>`SELECT from_id, to_id, amount FROM mart.budget_moves ORDER BY move`.execute(store.db)).rows,
        (
          await sql<{ expected_gain: number | null; expected_gain_low: number | null; expected_gain_high: number | null }>`
            SELECT expected_gain, expected_gain_low, expected_gain_high FROM mart.budget_summary`.execute(store.db)
        ).rows[0],
        truth,
      );
      return {
        seed,
        budget,
        influencers: estimates.length,
        intervals: intervalsByStatus(estimates, truth),
        loss: lossMakerConfusion(estimates, truth),
        slices: figures(slices),
        portfolio: figures(portfolio),
        pooled: figures(pooled),
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      await store.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const coverage = (f: IntervalFigures | undefined) => (f?.n ? `${pct(f.covered / f.n)} (${f.covered}/${f.n})` : '–');
const num = (x: number | undefined, dp = 2) => (x === undefined ? '–' : x.toFixed(dp));

function row(label: string, f: Omit<SeedFigures, 'seed' | 'seconds' | 'budget'>) {
  const ok = f.intervals.ok;
  const under = f.intervals.underpowered;
  return {
    seed: label,
    influencers: f.influencers,
    'coverage ok': coverage(ok),
    'width ok': num(ok?.width),
    'bias ok': num(ok?.bias, 3),
    'coverage underpowered': coverage(under),
    'width underpowered': num(under?.width),
    'bias underpowered': num(under?.bias, 3),
    'loss precision': `${pct(precision(f.loss))} (${f.loss.tp}/${f.loss.tp + f.loss.fp})`,
    'loss recall': `${pct(recall(f.loss))} (${f.loss.tp}/${f.loss.tp + f.loss.fn})`,
    'portfolio covered': coverage(f.portfolio),
    'portfolio width': num(f.portfolio.width, 3),
    'portfolio bias': num(f.portfolio.bias, 3),
    'slices covered': coverage(f.slices),
    'old pooled portfolio covered': coverage(f.pooled),
  };
}

const perSeed: SeedFigures[] = [];
const dump: string[] = [];
for (const seed of seeds) {
  const f = await runSeed(seed, dump);
  process.stderr.write(`seed ${seed}: ${f.seconds.toFixed(1)} s\n`);
  perSeed.push(f);
}
const pooled: Omit<SeedFigures, 'seed' | 'seconds' | 'budget'> = {
  influencers: perSeed.reduce((s, f) => s + f.influencers, 0),
  intervals: {},
  loss: { tp: 0, fp: 0, fn: 0 },
  slices: { n: 0, covered: 0, width: 0, bias: 0 },
  portfolio: { n: 0, covered: 0, width: 0, bias: 0 },
  pooled: { n: 0, covered: 0, width: 0, bias: 0 },
};
for (const f of perSeed) {
  for (const [k, v] of Object.entries(f.intervals))
    pooled.intervals[k] = addIntervals(pooled.intervals[k] ?? { n: 0, covered: 0, width: 0, bias: 0 }, v);
  pooled.loss = { tp: pooled.loss.tp + f.loss.tp, fp: pooled.loss.fp + f.loss.fp, fn: pooled.loss.fn + f.loss.fn };
  pooled.slices = addIntervals(pooled.slices, f.slices);
  pooled.portfolio = addIntervals(pooled.portfolio, f.portfolio);
  pooled.pooled = addIntervals(pooled.pooled, f.pooled);
}
if (values.dump) writeFileSync(values.dump, `${dump.join('\n')}\n`);

console.log(`truth report: ${orders.toLocaleString('en-US')} orders, seeds ${seeds.join(', ')}`);
// two tables, so each fits a terminal
const rows = [...perSeed.map((f) => row(String(f.seed), f)), row('pooled', pooled)];
const pick = (keys: string[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => keys.includes(k))));
const first = [
  'seed',
  'influencers',
  'coverage ok',
  'width ok',
  'bias ok',
  'coverage underpowered',
  'width underpowered',
  'bias underpowered',
];
console.table(pick(first));
console.table(pick(['seed', ...Object.keys(rows[0]!).filter((k) => !first.includes(k))]));
// the budget moves (mart.budget_moves, mart.budget_summary) against the truth, per seed
const money = (x: number) => Math.round(x).toLocaleString('en-US');
console.table(
  perSeed.map((f) =>
    f.budget
      ? {
          seed: f.seed,
          moves: f.budget.moves,
          moved: money(f.budget.amount),
          'givers true iROAS': num(f.budget.giversTrueIroas),
          'receivers true iROAS': num(f.budget.receiversTrueIroas),
          'true gain': money(f.budget.trueGain),
          'expected gain': money(f.budget.expectedGain),
          '95 % interval': `${money(f.budget.low)} to ${money(f.budget.high)}`,
          covered: f.budget.covered ? 'yes' : 'no',
        }
      : { seed: f.seed, moves: 0 },
  ),
);

const targets: { name: string; value: string; ok: boolean }[] = [];
const okCov = pooled.intervals.ok;
if (okCov?.n)
  targets.push({
    name: '95 % holdout intervals (status ok) cover the true iROAS 90–98 % (pooled)',
    value: pct(okCov.covered / okCov.n),
    ok: okCov.covered / okCov.n >= 0.9 && okCov.covered / okCov.n <= 0.98,
  });
targets.push({ name: 'loss-maker precision ≥ 90 % (pooled)', value: pct(precision(pooled.loss)), ok: precision(pooled.loss) >= 0.9 });
targets.push({ name: 'loss-maker recall ≥ 90 % (pooled)', value: pct(recall(pooled.loss)), ok: recall(pooled.loss) >= 0.9 });
const misses = pooled.portfolio.n - pooled.portfolio.covered;
targets.push({
  name: `portfolio 95 % interval (summed over influencers) covers the truth: ≥ 90 % of runs, or no more misses than a 95 % interval gives with 99 % probability (${allowedMisses(pooled.portfolio.n)} of ${pooled.portfolio.n})`,
  value: coverage(pooled.portfolio),
  ok: pooled.portfolio.n > 0 && (pooled.portfolio.covered >= 0.9 * pooled.portfolio.n || misses <= allowedMisses(pooled.portfolio.n)),
});
targets.push({
  name: 'every slice interval (portfolio, platform, category, persona, product, campaign) covers its truth ≥ 90 % (pooled)',
  value: coverage(pooled.slices),
  ok: pooled.slices.n > 0 && pooled.slices.covered >= 0.9 * pooled.slices.n,
});
const withMoves = perSeed.filter((f) => f.budget);
const beat = withMoves.filter((f) => f.budget!.receiversTrueIroas > f.budget!.giversTrueIroas).length;
targets.push({
  name: 'budget moves: the receivers’ true incremental ROAS beats the givers’ (amount-weighted) in every seed',
  value: `${beat}/${perSeed.length}`,
  ok: withMoves.length === perSeed.length && beat === perSeed.length,
});
const gainCovered = withMoves.filter((f) => f.budget!.covered).length;
targets.push({
  name: `budget moves: the stated 95 % interval of the gain holds the true gain in ≥ 90 % of seeds, or no more misses than a 95 % interval gives with 99 % probability (${allowedMisses(withMoves.length)} of ${withMoves.length})`,
  value: `${withMoves.length ? pct(gainCovered / withMoves.length) : '–'} (${gainCovered}/${withMoves.length})`,
  ok: withMoves.length > 0 && (gainCovered >= 0.9 * withMoves.length || withMoves.length - gainCovered <= allowedMisses(withMoves.length)),
});
console.table(targets.map((t) => ({ target: t.name, value: t.value, met: t.ok ? 'yes' : 'NO' })));
process.exitCode = targets.every((t) => t.ok) ? 0 : 1;
