// The pandas peer (bench/peer/peer.py) from Node: whether Debian's python3 with pandas and
// scikit-learn is there, running the script, and comparing its numbers with the marts, so that
// the bench times and the test checks equal work. Used by bench/bench.ts and test/peer.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { DbOrTrx } from '../../src/db/database.ts';

/** Debian's interpreter, with python3-pandas and python3-sklearn (never a pyenv one on PATH). */
export const PYTHON = '/usr/bin/python3';
export const PEER_SCRIPT = join(new URL('.', import.meta.url).pathname, 'peer.py');

export interface PeerResult {
  totals: {
    influencers: number;
    orders: number;
    revenue: number;
    payout: number;
    control_users: number;
    exposed_users: number;
    iroas_holdout: number | null;
    loss_makers: number;
  };
  creators: Record<string, { roas: number | null; iroas_holdout: number | null }>;
  rollups: {
    platform: { platform: string; influencers: number; revenue: number; payout: number; roas: number | null; loss_makers: number }[];
  };
  clusters: { k?: number; silhouette?: number; skipped?: string };
  timings: Record<string, number>;
  max_rss_mb: number;
}

/** Why the peer cannot run here, or null when it can. */
export function peerMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (apt-get install python3-pandas python3-sklearn)`;
  const r = spawnSync(PYTHON, ['-c', 'import pandas, sklearn, scipy'], { encoding: 'utf8' });
  if (r.status !== 0) {
    const last = (r.stderr || r.error?.message || '').trim().split('\n').pop();
    return `${PYTHON} cannot import pandas and scikit-learn (apt-get install python3-pandas python3-sklearn): ${last}`;
  }
  return null;
}

/** Runs the peer on a folder of generated files and returns its whole result (per creator included). */
export function runPeer(dataDir: string, outFile: string, args: string[] = []): PeerResult {
  const r = spawnSync(PYTHON, [PEER_SCRIPT, dataDir, '--out', outFile, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`peer.py failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(readFileSync(outFile, 'utf8'));
}

/** |a - b| within `tolerance` of the larger magnitude; two nulls agree, a null and a number do not. */
export function close(a: number | null, b: number | null, tolerance: number): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b)) || Math.abs(a - b) < 1e-12;
}

export interface Comparison {
  checked: number;
  mismatches: string[];
}

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * The peer's totals, per-creator ROAS and holdout iROAS, and platform roll-up against
 * mart.portfolio_kpis, mart.influencer_kpis and mart.platform_kpis.
 */
export async function compareWithMarts(db: DbOrTrx, peer: PeerResult, tolerance: number): Promise<Comparison> {
  const mismatches: string[] = [];
  let checked = 0;
  const check = (what: string, ours: number | null, theirs: number | null) => {
    checked++;
    if (!close(ours, theirs, tolerance)) mismatches.push(`${what}: ours ${ours}, peer ${theirs}`);
  };
  const p = (await sql<Record<string, unknown>>`SELECT * FROM mart.portfolio_kpis`.execute(db)).rows[0];
  if (!p) return { checked, mismatches: ['mart.portfolio_kpis is empty'] };
  check('influencers', n(p.influencers), peer.totals.influencers);
  check('orders', n(p.orders), peer.totals.orders);
  check('revenue', n(p.revenue), peer.totals.revenue);
  check('payout', n(p.payout), peer.totals.payout);
  // without a group column mart.portfolio_kpis has NULL users, the peer 0
  check('control users', n(p.control_users) ?? 0, peer.totals.control_users);
  check('exposed users', n(p.exposed_users) ?? 0, peer.totals.exposed_users);
  check('portfolio holdout iROAS', n(p.iroas_holdout), peer.totals.iroas_holdout);
  check('loss-makers', n(p.loss_makers), peer.totals.loss_makers);

  const rows = (
    await sql<{ influencer_id: string; roas: number | null; iroas_holdout: number | null }>`
      SELECT influencer_id, roas, iroas_holdout FROM mart.influencer_kpis`.execute(db)
  ).rows;
  const seen = new Set<string>();
  for (const r of rows) {
    seen.add(r.influencer_id);
    const theirs = peer.creators[r.influencer_id];
    if (!theirs) {
      mismatches.push(`creator ${r.influencer_id}: not in the peer's result`);
      continue;
    }
    check(`creator ${r.influencer_id} ROAS`, n(r.roas), theirs.roas);
    check(`creator ${r.influencer_id} holdout iROAS`, n(r.iroas_holdout), theirs.iroas_holdout);
  }
  for (const id of Object.keys(peer.creators)) if (!seen.has(id)) mismatches.push(`creator ${id}: not in mart.influencer_kpis`);

  const platforms = (await sql<Record<string, unknown>>`SELECT * FROM mart.platform_kpis`.execute(db)).rows;
  for (const theirs of peer.rollups.platform) {
    const ours = platforms.find((x) => x.platform === theirs.platform);
    if (!ours) {
      mismatches.push(`platform ${theirs.platform}: not in mart.platform_kpis`);
      continue;
    }
    check(`platform ${theirs.platform} revenue`, n(ours.revenue), theirs.revenue);
    check(`platform ${theirs.platform} payout`, n(ours.payout), theirs.payout);
    check(`platform ${theirs.platform} ROAS`, n(ours.roas), theirs.roas);
    check(`platform ${theirs.platform} loss-makers`, n(ours.loss_makers), theirs.loss_makers);
  }
  if (platforms.length !== peer.rollups.platform.length)
    mismatches.push(`platforms: ${platforms.length} in mart.platform_kpis, ${peer.rollups.platform.length} in the peer's result`);
  return { checked, mismatches };
}
