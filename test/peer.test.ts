// The pandas peer of the bench (bench/peer/peer.py, Debian's python3 with pandas and
// scikit-learn) computes the same numbers as the pipeline on the same generated files: totals,
// per-creator ROAS and holdout iROAS, the platform roll-up. Without pandas or scikit-learn the
// test is skipped and says why; under CI=true their absence fails the run (.ci/run installs them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithMarts, type PeerResult, peerMissing, runPeer } from '../bench/peer/peer.ts';
import { ingest, kpis } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { inCi } from './support/fixture-data.ts';
import { type GeneratedInbox, generatedInbox } from './support/generated.ts';

const missing = peerMissing();
const title = 'the pandas peer agrees with the pipeline';
if (missing) console.warn(`peer test: ${title} skipped: ${missing}`);

if (inCi) {
  describe('python3 with pandas and scikit-learn (required under CI=true)', () => {
    it('is installed', () => {
      if (missing) throw new Error(`${missing}: CI=true requires them, so the peer's definitions are checked on every CI run`);
    });
  });
}

describe.skipIf(missing !== null)(missing ? `${title} (skipped: ${missing})` : title, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let set: GeneratedInbox;
  let dir: string;
  let peer: PeerResult;
  beforeAll(async () => {
    db = await freshDatabase();
    set = await generatedInbox({ orders: 20_000, seed: 19 });
    await ingest(db.store, set);
    await kpis(db.store);
    dir = mkdtempSync(join(tmpdir(), 'pulse-peer-'));
    peer = runPeer(set.source, join(dir, 'peer.json'));
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads every order and finds both groups', () => {
    expect(peer.totals.orders).toBeGreaterThan(20_000);
    expect(peer.totals.control_users).toBeGreaterThan(0);
    expect(peer.totals.exposed_users).toBeGreaterThan(0);
    expect(Object.keys(peer.creators).length).toBe(peer.totals.influencers);
  });

  it('totals, per-creator ROAS and holdout iROAS, and the platform roll-up agree to 1e-9', async () => {
    const { checked, mismatches } = await compareWithMarts(db.store.db, peer, 1e-9);
    expect(mismatches).toEqual([]);
    // 8 totals and two values per creator, at least
    expect(checked).toBeGreaterThanOrEqual(8 + 2 * peer.totals.influencers);
  });

  it('segments the creators with k between 2 and 8', () => {
    expect(peer.clusters.k).toBeGreaterThanOrEqual(2);
    expect(peer.clusters.k).toBeLessThanOrEqual(8);
  });
});
