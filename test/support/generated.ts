// Generated test data: the project's seeded generator (src/generate/generate.ts), run once per
// set of options into a cache under os.tmpdir() and copied into a fresh temporary inbox per use,
// so every test gets its own files and no test waits on generating twice. Also the plain sums a
// test computes its expectations from, read from the files themselves (never from the pipeline).
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { type GeneratedFile, generateDataset } from '../../src/generate/generate.ts';

export type InputFile = Exclude<GeneratedFile, 'truth'>;

export interface GeneratedOptions {
  /** Rows of orders.csv. */
  orders: number;
  seed: number;
  /** Default: the generator's (40 for up to 20,000 orders). */
  influencers?: number;
  /** Default: the generator's 11 campaigns x 28 days. */
  adCampaigns?: number;
  /** Which input files go into the inbox. Default: the four influencer files, no ad campaigns. */
  files?: InputFile[];
  /** false: orders.csv without its `group` column (no holdout, like the HealthKart export). */
  groups?: boolean;
}

export interface GeneratedInbox {
  inbox: string;
  archive: string;
  /** A folder with copies of the files as put in the inbox, to compute expectations from. */
  source: string;
  /** The file names in the inbox. */
  names: string[];
}

export const influencerFiles: InputFile[] = ['influencers', 'posts', 'orders', 'payouts'];
const fileName = (f: InputFile) => `${f}.csv`;

const repoRoot = new URL('../../', import.meta.url).pathname;
const cacheRoot = join(tmpdir(), 'campaign-pulse-test-data');

/** Changes to the generator make a new cache entry, never a stale one. */
function generatorHash(): string {
  const h = createHash('sha256');
  for (const f of ['generate.ts', 'world.ts', 'writer.ts']) h.update(readFileSync(join(repoRoot, 'src/generate', f)));
  return h.digest('hex').slice(0, 12);
}

/** The cached output of `generateDataset` for these options (generated on first use). */
export async function generatedSet(opts: Pick<GeneratedOptions, 'orders' | 'seed' | 'influencers' | 'adCampaigns'>): Promise<string> {
  const key = `o${opts.orders}-s${opts.seed}-i${opts.influencers ?? 'd'}-a${opts.adCampaigns ?? 'd'}-${generatorHash()}`;
  const dir = join(cacheRoot, key);
  if (existsSync(dir)) return dir;
  mkdirSync(cacheRoot, { recursive: true });
  // Generated aside and renamed into place: other test files may race for the same set.
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await generateDataset({
    outDir: tmp,
    orders: opts.orders,
    seed: opts.seed,
    influencers: opts.influencers,
    adCampaigns: opts.adCampaigns,
  });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    if (!existsSync(dir)) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** A fresh temporary inbox with copies of a generated data set. */
export async function generatedInbox(opts: GeneratedOptions): Promise<GeneratedInbox> {
  const set = await generatedSet(opts);
  const dir = mkdtempSync(join(tmpdir(), `pulse-gen-o${opts.orders}-s${opts.seed}-`));
  const inbox = join(dir, 'inbox');
  const source = join(dir, 'source');
  mkdirSync(inbox);
  mkdirSync(source);
  const names: string[] = [];
  for (const f of opts.files ?? influencerFiles) {
    const name = fileName(f);
    if (f === 'orders' && opts.groups === false) writeFileSync(join(source, name), withoutGroups(readFileSync(join(set, name), 'utf8')));
    else copyFileSync(join(set, name), join(source, name));
    copyFileSync(join(source, name), join(inbox, name));
    names.push(name);
  }
  return { inbox, archive: join(dir, 'archive'), source, names };
}

/** orders.csv without its last column (`group`): generated order rows never quote a field. */
function withoutGroups(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? line.slice(0, line.lastIndexOf(',')) : line))
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Reading the files back, for expectations

/** Rows of a CSV file as objects keyed by its header (RFC 4180 quoting). */
export function readCsv(path: string): Record<string, string>[] {
  const parsed = Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true });
  if (parsed.errors.length) throw new Error(`${path}: ${parsed.errors[0]!.message}`);
  return parsed.data;
}

/** Data rows of a CSV file (lines after the header; generated files have no quoted newlines). */
export const dataRows = (path: string): number => readFileSync(path, 'utf8').trimEnd().split('\n').length - 1;

export interface InfluencerTotals {
  id: string;
  name: string;
  platform: string;
  category: string;
  /** Payout basis and rate from payouts.csv ('' without a payout). */
  basis: string;
  rate: number;
  orders: number;
  /** In cents, summed exactly. */
  revenueCents: number;
  payout: number;
  roas: number | null;
  iroasBaseline: number | null;
  lossMaker: boolean;
}

const cents = (v: string) => Math.round(Number(v) * 100);

/**
 * Each influencer's all-time orders, revenue and payout summed from the files, and the seed 000
 * loss-maker rule on them for data without a control group: ROAS < 1, or a negative baseline
 * incremental ROAS ((revenue − orders × baseline) / payout).
 */
export function influencerTotals(source: string, baselineRevenuePerOrder = 300): InfluencerTotals[] {
  const totals = new Map<string, InfluencerTotals>();
  for (const r of readCsv(join(source, 'influencers.csv'))) {
    const id = r.id ?? r.ID!;
    totals.set(id, {
      id,
      name: r.name!,
      platform: r.platform!,
      category: r.category!,
      basis: '',
      rate: 0,
      orders: 0,
      revenueCents: 0,
      payout: 0,
      roas: null,
      iroasBaseline: null,
      lossMaker: false,
    });
  }
  for (const r of readCsv(join(source, 'orders.csv'))) {
    const t = totals.get(r.influencer_id!)!;
    t.orders += Number(r.orders);
    t.revenueCents += cents(r.revenue!);
  }
  for (const r of readCsv(join(source, 'payouts.csv')))
    Object.assign(totals.get(r.influencer_id!)!, { payout: Number(r.total_payout), basis: r.basis, rate: Number(r.rate) });
  for (const t of totals.values()) {
    if (t.payout > 0) {
      t.roas = t.revenueCents / 100 / t.payout;
      t.iroasBaseline = (t.revenueCents / 100 - t.orders * baselineRevenuePerOrder) / t.payout;
    }
    t.lossMaker = (t.roas !== null && t.roas < 1) || (t.iroasBaseline !== null && t.iroasBaseline < 0);
  }
  return [...totals.values()];
}

/** The action mart.loss_makers recommends for a pay-per-post loss-maker with sales (seed 000 wording). */
export function payPerOrderAction(t: InfluencerTotals): string {
  const breakEven = Math.floor(t.revenueCents / t.orders) / 100;
  return `switch to pay-per-order at or below ${breakEven.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} per order`;
}

/** Distinct ISO weeks with orders, oldest first. */
export function orderWeeks(source: string): string[] {
  return [...new Set(readCsv(join(source, 'orders.csv')).map((r) => isoWeek(r.date!)))].sort();
}

/** ISO week label (2026-W46) of an ISO date. */
export function isoWeek(date: string): string {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The newest ISO week with an order or a post in these files. */
export function newestWeek(source: string): string {
  let max = '';
  for (const f of ['orders.csv', 'posts.csv']) {
    if (!existsSync(join(source, f))) continue;
    for (const r of readCsv(join(source, f))) if (r.date! > max) max = r.date!;
  }
  return isoWeek(max);
}

/** An ad campaign's (or campaign-week's) sums from ad_campaigns.csv, amounts in cents summed exactly. */
export interface AdSums {
  campaign: string;
  week: string | null;
  rows: number;
  impressions: number;
  clicks: number;
  conversions: number;
  spendCents: number;
  revenueCents: number;
}

/**
 * Sums of the generated ad_campaigns.csv (Marketing.csv's shape: ISO dates, every amount
 * stated) per campaign, or per campaign and ISO week of the reporting day with `byWeek`.
 */
export function adSums(source: string, byWeek = false): AdSums[] {
  const sums = new Map<string, AdSums>();
  for (const r of readCsv(join(source, 'ad_campaigns.csv'))) {
    const week = byWeek ? isoWeek(r.c_date!) : null;
    const key = `${r.campaign_name}|${week}`;
    const s = sums.get(key) ?? {
      campaign: r.campaign_name!,
      week,
      rows: 0,
      impressions: 0,
      clicks: 0,
      conversions: 0,
      spendCents: 0,
      revenueCents: 0,
    };
    s.rows++;
    s.impressions += Number(r.impressions);
    s.clicks += Number(r.clicks);
    s.conversions += Number(r.orders);
    s.spendCents += cents(r.mark_spent!);
    s.revenueCents += cents(r.revenue!);
    sums.set(key, s);
  }
  return [...sums.values()];
}
