import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/db/database.ts';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox, influencerFiles, influencerTotals, readCsv } from './support/generated.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

async function runModels(store: Store, config = testConfig()) {
  const run = await testRun(store, config, new Date());
  return { runId: run.runId, models: await run.models(), clusters: await run.clusters() };
}

// A few ads in the KAG export's shape (seed 002): Facebook ads with conversions but no revenue.
const kagHeader = 'ad_id,xyz_campaign_id,fb_campaign_id,age,gender,interest,Impressions,Clicks,Spent,Total_Conversion,Approved_Conversion';
const kagRows = Array.from({ length: 40 }, (_, i) => {
  const impressions = 2_000 + ((i * 7_919) % 90_000);
  const clicks = i % 8 === 0 ? 0 : 1 + ((i * 37) % 60);
  const spent = clicks === 0 ? 0 : (clicks * (1.1 + (i % 5) * 0.13)).toFixed(2);
  return [
    710_000 + i,
    916 + (i % 3) * 20,
    103_900 + i,
    ['30-34', '35-39', '40-44'][i % 3],
    i % 2 ? 'F' : 'M',
    10 + (i % 20),
    impressions,
    clicks,
    spent,
    i % 4,
    i % 3,
  ].join(',');
});

describe('models and clusters on generated influencers and ad campaigns', () => {
  let db: Db;
  let influencers: number;
  let ads: number;
  let adsWithReturn: number;
  let unprofitable: number;
  beforeAll(async () => {
    db = await freshDatabase();
    const inbox = await generatedInbox({ orders: 4000, seed: 3, files: [...influencerFiles, 'ad_campaigns'] });
    writeFileSync(join(inbox.inbox, 'kag_ads.csv'), `${[kagHeader, ...kagRows].join('\n')}\n`);
    await ingest(db.store, inbox);
    await kpis(db.store);
    const totals = influencerTotals(inbox.source);
    influencers = totals.length;
    unprofitable = totals.filter((t) => t.roas !== null && t.roas <= 1).length;
    const marketing = readCsv(join(inbox.source, 'ad_campaigns.csv'));
    ads = marketing.length + kagRows.length;
    // ROI needs revenue and spend: only the Marketing-shaped rows with a spend have both
    adsWithReturn = marketing.filter((r) => Number(r.mark_spent) > 0).length;
  });
  afterAll(() => db.drop());

  it('scores every influencer with traceable models and labels clusters, identically twice', async () => {
    const first = await runModels(db.store);
    const scores1 = (await sql`SELECT * FROM mart.influencer_scores ORDER BY influencer_id`.execute(db.store.db)).rows;
    const clusters1 = (
      await sql`SELECT influencer_id, cluster, label, k FROM mart.influencer_clusters ORDER BY influencer_id`.execute(db.store.db)
    ).rows;
    const ads1 = (await sql`SELECT ad_key, cluster, label FROM mart.ad_campaign_clusters ORDER BY ad_key`.execute(db.store.db)).rows;
    expect(scores1).toHaveLength(influencers);
    expect(clusters1).toHaveLength(influencers);
    // every ad has impressions, so every ad is clustered
    expect(ads1).toHaveLength(ads);
    const runs = (
      await sql<{ entity: string; task: string; algorithm: string; chosen: boolean; skipped: string | null; has_model: boolean }>`
      SELECT entity, task, algorithm, chosen, skipped, model IS NOT NULL AS has_model FROM ops.model_runs WHERE run_id = ${first.runId} ORDER BY entity, task, algorithm`.execute(
        db.store.db,
      )
    ).rows;
    expect(runs.filter((r) => r.entity === 'influencer' && r.task === 'clustering')).toHaveLength(1);
    // enough of both outcomes (at least 5 of each, from the files) for 5-fold CV: a classifier is chosen too
    expect(unprofitable).toBeGreaterThanOrEqual(5);
    expect(influencers - unprofitable).toBeGreaterThanOrEqual(5);
    for (const task of ['classification', 'regression'])
      expect(
        runs.filter((r) => r.entity === 'influencer' && r.task === task && r.chosen),
        task,
      ).toHaveLength(1);
    for (const r of runs.filter((r) => r.chosen)) expect(r.has_model).toBe(true);
    const trace = (
      await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM mart.influencer_scores s JOIN ops.model_runs m ON m.model_run_id = s.regressor_run_id WHERE m.chosen`.execute(
        db.store.db,
      )
    ).rows[0]!.n;
    expect(trace).toBe(influencers);
    // KAG-shaped rows carry no revenue, Marketing-shaped rows do: the ad regression trains on those only
    const adRegression = (
      await sql<{
        rows: number;
      }>`SELECT rows::int AS rows FROM ops.model_runs WHERE run_id = ${first.runId} AND entity = 'ad_campaign' AND task = 'regression' AND chosen`.execute(
        db.store.db,
      )
    ).rows;
    expect(adRegression).toEqual([{ rows: adsWithReturn }]);
    // folds keep a campaign's days together; every metric is stored beside its baseline
    const schemes = (
      await sql<{ entity: string; task: string; cv: string | null; skipped: string | null; baseline: Record<string, number> | null }>`
      SELECT entity, task, params->>'cv' AS cv, skipped, metrics->'baseline' AS baseline FROM ops.model_runs
      WHERE run_id = ${first.runId} AND task <> 'clustering' AND (chosen OR skipped IS NOT NULL) ORDER BY entity, task`.execute(db.store.db)
    ).rows;
    for (const r of schemes) {
      if (r.skipped) continue;
      expect(r.cv, `${r.entity} ${r.task}`).toBe(
        r.entity === 'ad_campaign' ? 'stratified 5-fold grouped by campaign' : 'stratified 5-fold',
      );
      expect(Object.keys(r.baseline!).sort()).toEqual(r.task === 'classification' ? ['accuracy', 'auc', 'f1'] : ['mae', 'r2', 'rmse']);
    }
    expect(schemes.find((r) => r.entity === 'ad_campaign' && r.task === 'regression')!.cv).toBe('stratified 5-fold grouped by campaign');
    // influencers with a ROAS are scored out of fold, the rest by the final model
    const kinds = (
      await sql<{ kind: string; n: number; with_roas: number }>`
      SELECT s.score_kind AS kind, count(*)::int AS n, count(k.roas)::int AS with_roas
      FROM mart.influencer_scores s JOIN mart.influencer_kpis k USING (influencer_id) GROUP BY 1 ORDER BY 1`.execute(db.store.db)
    ).rows;
    const withRoas = kinds.reduce((s, k) => s + k.with_roas, 0);
    expect(kinds.filter((k) => k.kind === 'out_of_fold')).toEqual([{ kind: 'out_of_fold', n: withRoas, with_roas: withRoas }]);
    expect(kinds.filter((k) => k.kind !== 'out_of_fold').every((k) => k.kind === 'prediction' && k.with_roas === 0)).toBe(true);

    // Training twice on the same inputs gives the same scores and segments (what makes reusing them sound):
    // forgetting the stored input hashes makes the second run train again rather than reuse.
    await sql`UPDATE ops.model_runs SET input_hash = NULL`.execute(db.store.db);
    const second = await runModels(db.store);
    expect(String(second.models.detail!.influencer_classification)).not.toMatch(/reused/);
    expect(String(second.clusters.detail!.influencer)).not.toMatch(/reused/);
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ classifier_run_id, regressor_run_id, ...r }) => r);
    expect(
      strip((await sql<Record<string, unknown>>`SELECT * FROM mart.influencer_scores ORDER BY influencer_id`.execute(db.store.db)).rows),
    ).toEqual(strip(scores1 as Record<string, unknown>[]));
    expect(
      (await sql`SELECT influencer_id, cluster, label, k FROM mart.influencer_clusters ORDER BY influencer_id`.execute(db.store.db)).rows,
    ).toEqual(clusters1);
    expect((await sql`SELECT ad_key, cluster, label FROM mart.ad_campaign_clusters ORDER BY ad_key`.execute(db.store.db)).rows).toEqual(
      ads1,
    );
  });
  it('trains nothing again on unchanged inputs; a changed follower count retrains the influencer models, a new seed everything', async () => {
    const q = async <T = Record<string, unknown>>(query: RawBuilder<T>) => (await query.execute(db.store.db)).rows;
    const countRuns = async () => (await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM ops.model_runs`))[0]!.n;
    const recorded = async (runId: string) =>
      (
        await q(
          sql<{
            entity: string;
            task: string;
          }>`SELECT DISTINCT entity, task FROM ops.model_runs WHERE run_id = ${runId} ORDER BY entity, task`,
        )
      ).map((r) => `${r.entity} ${r.task}`);
    const marts = async () => ({
      scores: await q(sql<{ score_kind: string | null }>`SELECT * FROM mart.influencer_scores ORDER BY influencer_id`),
      clusters: await q(sql`SELECT * FROM mart.influencer_clusters ORDER BY influencer_id`),
      ads: await q(sql`SELECT * FROM mart.ad_campaign_clusters ORDER BY ad_key`),
    });
    await runModels(db.store);
    // every row of the newest run carries its task's input hash
    expect(
      (
        await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM ops.model_runs
          WHERE run_id = (SELECT run_id FROM ops.model_runs ORDER BY model_run_id DESC LIMIT 1) AND input_hash IS NULL`)
      )[0]!.n,
    ).toBe(0);
    const before = await marts();
    const runsBefore = await countRuns();

    // The nightly cycle: KPIs recomputed from the same data, then models and clusters.
    await kpis(db.store);
    const again = await runModels(db.store);
    expect(await countRuns()).toBe(runsBefore);
    expect(await marts()).toEqual(before);
    const newest = (await q(sql<{ run_id: string }>`SELECT run_id FROM ops.model_runs ORDER BY model_run_id DESC LIMIT 1`))[0]!.run_id;
    for (const v of Object.values(again.models.detail!)) expect(v).toBe(`inputs unchanged since run ${newest}: models reused`);
    for (const v of Object.values(again.clusters.detail!)) expect(v).toBe(`inputs unchanged since run ${newest}: clusters reused`);
    expect(again.models.rows).toBe(0);
    expect(again.clusters.rows).toBe(0);

    // One influencer's follower count changes: a model input, not a clustering one.
    const changed = (await q(sql<{ id: string }>`SELECT influencer_id AS id FROM mart.influencer_kpis ORDER BY influencer_id LIMIT 1`))[0]!
      .id;
    await sql`UPDATE core.influencers SET followers = coalesce(followers, 0) * 2 + 1234 WHERE influencer_id = ${changed}`.execute(
      db.store.db,
    );
    await kpis(db.store);
    const kpiFollowers = (
      await q(sql<{ f: number }>`SELECT followers::float8 AS f FROM mart.influencer_kpis WHERE influencer_id = ${changed}`)
    )[0]!.f;
    expect(kpiFollowers).toBeGreaterThanOrEqual(1234);
    const retrained = await runModels(db.store);
    expect(await recorded(retrained.runId)).toEqual(['influencer classification', 'influencer regression']);
    expect(String(retrained.models.detail!.influencer_regression)).not.toMatch(/reused/);
    expect(String(retrained.models.detail!.ad_regression)).toMatch(/^inputs unchanged since run .*: models reused$/);
    expect(Object.values(retrained.clusters.detail!).every((v) => /clusters reused$/.test(String(v)))).toBe(true);
    const after = await marts();
    expect(after.clusters).toEqual(before.clusters);
    expect(after.ads).toEqual(before.ads);
    // the scores now come from the new run's models, still out of fold for influencers with a ROAS
    const fromRun = await q(
      sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM mart.influencer_scores s JOIN ops.model_runs m ON m.model_run_id = s.regressor_run_id
        WHERE m.run_id = ${retrained.runId} AND m.chosen`,
    );
    expect(fromRun[0]!.n).toBe(influencers);
    expect(after.scores.map((s) => s.score_kind)).toEqual(before.scores.map((s) => s.score_kind));

    // One ad row's CTR moves: a model feature of ad campaigns (their models are fitted again) and an
    // outcome figure of their segments, moved by less than MODEL_REFIT_DRIFT in all (the segments stand).
    const ctrs = await q(sql<{ ad_key: string; ctr: number }>`SELECT ad_key, ctr FROM mart.ad_campaign_kpis WHERE ctr > 0 ORDER BY ad_key`);
    await sql`UPDATE mart.ad_campaign_kpis SET ctr = ctr * 1.5 WHERE ad_key = ${ctrs[0]!.ad_key}`.execute(db.store.db);
    const adChanged = await runModels(db.store);
    expect(await recorded(adChanged.runId)).toEqual(['ad_campaign classification', 'ad_campaign regression']);
    expect(String(adChanged.models.detail!.influencer_classification)).toBe(`inputs unchanged since run ${retrained.runId}: models reused`);
    expect(String(adChanged.clusters.detail!.influencer)).toMatch(/^inputs unchanged since run .*: clusters reused$/);
    // the drift the note gives is the one moved CTR over every CTR
    const drift = (0.5 * ctrs[0]!.ctr) / ctrs.reduce((t, r) => t + r.ctr, 0);
    expect(drift).toBeLessThan(0.05);
    expect(String(adChanged.clusters.detail!.ad_campaign)).toBe(
      `inputs within 5.0 % of run ${newest}'s; ctr moved most, ${(100 * drift).toFixed(1)} %: clusters reused`,
    );
    expect((await marts()).scores).toEqual(after.scores);
    // with no drift allowed, the same move segments the ad campaigns again
    const strict = await runModels(db.store, testConfig({ MODEL_REFIT_DRIFT: '0' }));
    expect(await recorded(strict.runId)).toEqual(['ad_campaign clustering']);
    expect(String(strict.clusters.detail!.ad_campaign)).toMatch(/^k=\d+, silhouette/);

    // A new seed retrains and re-clusters every task; the same seed again reuses all of it.
    const reseeded = await runModels(db.store, testConfig({ PULSE_SEED: '7' }));
    expect(await recorded(reseeded.runId)).toEqual([
      'ad_campaign classification',
      'ad_campaign clustering',
      'ad_campaign regression',
      'influencer classification',
      'influencer clustering',
      'influencer regression',
    ]);
    const runsNow = await countRuns();
    const same = await runModels(db.store, testConfig({ PULSE_SEED: '7' }));
    expect(await recorded(same.runId)).toEqual([]);
    expect(await countRuns()).toBe(runsNow);
    expect(String(same.models.detail!.influencer_classification)).toBe(`inputs unchanged since run ${reseeded.runId}: models reused`);
  });
});

describe('guards', () => {
  let db: Db;
  let influencers: number;
  beforeAll(async () => {
    db = await freshDatabase();
    // Generated influencers whose payouts are rewritten to a third to a seventh of the revenue
    // each brought: every one of them profitable (ROAS 3 to 7).
    const inbox = await generatedInbox({ orders: 2500, seed: 1, influencers: 50 });
    const totals = influencerTotals(inbox.source);
    const payouts = totals.map((t, i) => {
      const payout = Math.max(1, Math.round(t.revenueCents / 100 / (3 + (i % 5))));
      return `${t.id},post,${payout},,${payout}`;
    });
    writeFileSync(join(inbox.inbox, 'payouts.csv'), `${['influencer_id,basis,rate,orders,total_payout', ...payouts].join('\n')}\n`);
    expect(totals.every((t) => t.revenueCents > 0)).toBe(true);
    influencers = totals.length;
    await ingest(db.store, inbox);
    await kpis(db.store);
  });
  afterAll(() => db.drop());

  it('skips the classifier with a reason when every influencer is profitable, and goes on', async () => {
    const { runId, models } = await runModels(db.store);
    expect(String(models.detail!.influencer_classification)).toMatch(/^skipped: .*(class|profitable)/i);
    const skipped = (
      await sql<{
        task: string;
        skipped: string;
      }>`SELECT task, skipped FROM ops.model_runs WHERE run_id = ${runId} AND entity = 'influencer' AND skipped IS NOT NULL`.execute(
        db.store.db,
      )
    ).rows;
    expect(skipped.map((s) => s.task)).toContain('classification');
    // regression still trains and scores
    const n = (await sql<{ n: number }>`SELECT count(predicted_roas)::int AS n FROM mart.influencer_scores`.execute(db.store.db)).rows[0]!
      .n;
    expect(n).toBe(influencers);
  });
});

describe('the nightly cycle: a new day moves the inputs a little', () => {
  let db: Db;
  let inbox: Awaited<ReturnType<typeof generatedInbox>>;
  beforeAll(async () => {
    db = await freshDatabase();
    inbox = await generatedInbox({ orders: 20_000, seed: 11, influencers: 200, files: influencerFiles });
    await ingest(db.store, inbox);
    await kpis(db.store);
  });
  afterAll(() => db.drop());

  /** The orders of the last `days` days of the source file again, a day later each and bought by new users. */
  function appendDays(days: number, tag: string) {
    const [header, ...lines] = readFileSync(join(inbox.source, 'orders.csv'), 'utf8').trimEnd().split('\n');
    const col = header!.split(',');
    const [dateAt, userAt] = [col.indexOf('date'), col.indexOf('user_id')];
    const dates = [...new Set(lines.map((l) => l.split(',')[dateAt]!))].sort();
    const last = new Set(dates.slice(-days));
    const out = lines
      .filter((l) => last.has(l.split(',')[dateAt]!))
      .map((l) => {
        const c = l.split(',');
        c[dateAt] = new Date(Date.parse(`${c[dateAt]}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
        c[userAt] = `${c[userAt]}-${tag}`;
        return c.join(',');
      });
    writeFileSync(join(inbox.inbox, `orders-${tag}.csv`), `${[header, ...out].join('\n')}\n`);
  }
  type Kpi = { id: string; roas: number | null; iroas: number | null; engagement_rate: number | null; cost_per_order: number | null };
  const influencerKpis = async () =>
    (
      await sql<Kpi>`SELECT influencer_id AS id, roas, iroas, engagement_rate, cost_per_order FROM mart.influencer_kpis ORDER BY influencer_id`.execute(
        db.store.db,
      )
    ).rows;
  /** Σ|now − then| / Σ|then| of one column over the rows with a value (a value that appears or goes would make another set). */
  const drift = (then: Kpi[], now: Kpi[], value: (k: Kpi) => number | null) => {
    let [moved, size] = [0, 0];
    then.forEach((t, i) => {
      const [a, b] = [value(t), value(now[i]!)];
      expect(a === null, `${t.id} keeps a value or keeps none`).toBe(b === null);
      if (a === null || b === null) return;
      moved += Math.abs(b - a);
      size += Math.abs(a);
    });
    return moved / size;
  };
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

  it('one day stands on the fitted models and segments with the drift it measured; more days, or MODEL_REFIT_DRIFT=0, refit', async () => {
    const fitted = await runModels(db.store);
    expect(String(fitted.models.detail!.influencer_regression)).not.toMatch(/reused/);
    const then = await influencerKpis();

    appendDays(1, 'day1');
    await ingest(db.store, inbox);
    await kpis(db.store);
    const now = await influencerKpis();
    expect(now.map((k) => k.id)).toEqual(then.map((k) => k.id));
    // the models' drifting values: ROAS and its profitable label; the segments': all four figures (of creators with a ROAS)
    const roas = drift(then, now, (k) => k.roas);
    const label = drift(then, now, (k) => (k.roas === null ? null : k.roas > 1 ? 1 : 0));
    expect(roas).toBeGreaterThan(0);
    expect(Math.max(roas, label)).toBeLessThan(0.05);
    const withRoas = (ks: Kpi[]) => ks.filter((k) => k.roas !== null);
    const columns = (['roas', 'iroas', 'engagement_rate', 'cost_per_order'] as const).map(
      (c) => [c, drift(withRoas(then), withRoas(now), (k) => k[c])] as const,
    );
    const [worst, worstDrift] = columns.reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(worstDrift).toBeLessThan(0.05);

    const night = await runModels(db.store);
    const [modelColumn, modelDrift] = label > roas ? ['profitable (ROAS > 1)', label] : ['roas', roas];
    expect(night.models.detail!.influencer_regression).toBe(
      `inputs within 5.0 % of run ${fitted.runId}'s; ${modelColumn} moved most, ${pct(modelDrift)}: models reused`,
    );
    expect(night.clusters.detail!.influencer).toBe(
      `inputs within 5.0 % of run ${fitted.runId}'s; ${worst} moved most, ${pct(worstDrift)}: clusters reused`,
    );
    expect(night.models.rows).toBe(0);
    const sets = async () =>
      (
        await sql<{
          purpose: string;
          run_id: string;
        }>`SELECT purpose, run_id FROM ops.training_sets WHERE entity = 'influencer' ORDER BY purpose`.execute(db.store.db)
      ).rows;
    expect(await sets()).toEqual([
      { purpose: 'clustering', run_id: fitted.runId },
      { purpose: 'models', run_id: fitted.runId },
    ]);

    // with no drift allowed, the same day refits both
    const strict = await runModels(db.store, testConfig({ MODEL_REFIT_DRIFT: '0' }));
    expect(String(strict.models.detail!.influencer_regression)).not.toMatch(/reused/);
    // the stage says why it fitted again
    expect(strict.models.detail!.influencer_fitted_because).toBe(
      `${modelColumn} moved ${pct(modelDrift)} since run ${fitted.runId}, over MODEL_REFIT_DRIFT 0.0 %`,
    );
    expect(String(strict.clusters.detail!.influencer)).not.toMatch(/reused/);
    expect(await sets()).toEqual([
      { purpose: 'clustering', run_id: strict.runId },
      { purpose: 'models', run_id: strict.runId },
    ]);

    // a fortnight more moves ROAS by more than 5 % from that fit: the default refits, and the next run stands on the new fit
    const before = await influencerKpis();
    appendDays(14, 'fortnight');
    await ingest(db.store, inbox);
    await kpis(db.store);
    expect(drift(before, await influencerKpis(), (k) => k.roas)).toBeGreaterThan(0.05);
    const refit = await runModels(db.store);
    expect(String(refit.models.detail!.influencer_regression)).not.toMatch(/reused/);
    expect(String(refit.models.detail!.influencer_fitted_because)).toMatch(
      new RegExp(`moved \\d+\\.\\d % since run ${strict.runId}, over MODEL_REFIT_DRIFT 5\\.0 %$|appeared since run ${strict.runId}$`),
    );
    expect(String(refit.clusters.detail!.influencer)).not.toMatch(/reused/);
    const again = await runModels(db.store);
    expect(again.models.detail!.influencer_regression).toBe(`inputs unchanged since run ${refit.runId}: models reused`);
  });
});
