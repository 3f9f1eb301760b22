// Estimates against the truth: on `pulse generate` data the generator knows each influencer's
// true incremental effect and made profitability depend on pre-spend features, so the holdout
// intervals must cover the truth at about their nominal rate and the classifier must beat chance
// (and fall to chance when the labels are shuffled, so a leak would show).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influencerModelInputs } from '../src/db/models-repo.ts';
import { generateDataset } from '../src/generate/generate.ts';
import { type ModelInput, type TaskResult, trainAndScore } from '../src/pipeline/models/train.ts';
import { seededRandom, shuffleInPlace } from '../src/pipeline/shared/random.ts';
import { ingest, kpis } from './support/context.ts';
import { freshDatabase } from './support/db.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;
interface Truth {
  influencers: { id: string; true_iroas: number; exposed_users: number; control_users: number }[];
}

const chosenAuc = (t: TaskResult) => {
  if ('skipped' in t) throw new Error(`classification skipped: ${t.skipped}`);
  return t.candidates.find((c) => c.chosen)!.metrics.auc!;
};

describe('estimates on generated data', () => {
  let db: Db;
  let dir: string;
  let truth: Truth;
  beforeAll(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'pulse-gen-'));
    const generated = await generateDataset({ outDir: join(dir, 'inbox'), orders: 300_000, seed: 11 });
    truth = JSON.parse(readFileSync(generated.files.truth, 'utf8'));
    rmSync(generated.files.truth);
    await ingest(db.store, { inbox: join(dir, 'inbox'), archive: join(dir, 'archive') });
    await kpis(db.store);
  }, 300_000);
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('95% holdout intervals cover the true iROAS for 90–98% of influencers with enough users', async () => {
    const rows = (
      await sql<{
        influencer_id: string;
        iroas_holdout_low: number;
        iroas_holdout_high: number;
        exposed_users: number;
        control_users: number;
      }>`
      SELECT influencer_id, iroas_holdout_low, iroas_holdout_high, exposed_users, control_users FROM mart.influencer_kpis WHERE holdout_status = 'ok'`.execute(
        db.store.db,
      )
    ).rows;
    const byId = new Map(truth.influencers.map((t) => [String(t.id), t]));
    expect(rows.length).toBeGreaterThan(300);
    let covered = 0;
    for (const r of rows) {
      const t = byId.get(r.influencer_id)!;
      expect([r.exposed_users, r.control_users]).toEqual([t.exposed_users, t.control_users]);
      if (r.iroas_holdout_low <= t.true_iroas && t.true_iroas <= r.iroas_holdout_high) covered++;
    }
    const coverage = covered / rows.length;
    console.info(`holdout interval coverage: ${covered}/${rows.length} = ${(100 * coverage).toFixed(1)}%`);
    expect(coverage).toBeGreaterThanOrEqual(0.9);
    expect(coverage).toBeLessThanOrEqual(0.98);
  });

  it('predicts profitability from pre-spend features (AUC ≥ 0.75), and not from shuffled labels', async () => {
    const inputs = await influencerModelInputs(db.store.db);
    const trainedReal = trainAndScore(inputs, { seed: 3 });
    for (const task of [trainedReal.classification, trainedReal.regression])
      if (!('skipped' in task))
        for (const c of task.candidates)
          console.info(`${c.algorithm}${c.chosen ? ' (chosen)' : ''}: ${JSON.stringify(c.metrics)} baseline ${JSON.stringify(c.baseline)}`);
    const real = chosenAuc(trainedReal.classification);
    const roas = inputs.map((i) => i.roas);
    shuffleInPlace(roas, seededRandom(5));
    const shuffled: ModelInput[] = inputs.map((i, n) => ({ ...i, roas: roas[n]! }));
    const chance = chosenAuc(trainAndScore(shuffled, { seed: 3 }).classification);
    console.info(`classifier AUC: ${real.toFixed(3)} real, ${chance.toFixed(3)} shuffled`);
    expect(real).toBeGreaterThanOrEqual(0.75);
    expect(chance).toBeGreaterThan(0.35);
    expect(chance).toBeLessThan(0.65);
  });
});
