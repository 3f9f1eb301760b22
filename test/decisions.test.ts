// Decisions against the truth the generator knows (issue 17): the loss-maker rule finds the
// influencers that truly lose money (realised ROAS < 1 or true incremental ROAS < 0) with precision
// and recall ≥ 0.9 over three seeds, and the slices' summed incremental ROAS is Σ incremental
// revenue / Σ payout, recomputed here from orders.csv and truth.json, never from the pipeline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Confusion, lossMakerConfusion, precision, recall, type TruthRow } from '../bench/truth-metrics.ts';
import { studentTQuantile } from '../src/pipeline/shared/statistics.ts';
import { ingest, kpis } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox, generatedSet, readCsv } from './support/generated.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;
const ORDERS = 100_000;
const SEEDS = [1, 2, 3];

interface Loaded {
  seed: number;
  db: Db;
  truth: Map<string, TruthRow & { platform: string }>;
  set: string;
}

describe('decisions on generated data (3 seeds, 100 k orders each)', () => {
  const loaded: Loaded[] = [];
  beforeAll(async () => {
    for (const seed of SEEDS) {
      const db = await freshDatabase();
      const set = await generatedSet({ orders: ORDERS, seed });
      const truth = JSON.parse(readFileSync(join(set, 'truth.json'), 'utf8')).influencers as (TruthRow & { platform: string })[];
      await ingest(db.store, await generatedInbox({ orders: ORDERS, seed }));
      await kpis(db.store);
      loaded.push({ seed, db, truth: new Map(truth.map((t) => [String(t.id), t])), set });
    }
  }, 300_000);
  afterAll(async () => {
    for (const l of loaded) await l.db.drop();
  });

  it('flags loss-makers with precision and recall ≥ 0.9 against the truth, and says why with the probability', async () => {
    const pooled: Confusion = { tp: 0, fp: 0, fn: 0 };
    for (const l of loaded) {
      const rows = (
        await sql<{
          influencer_id: string;
          is_loss_maker: boolean;
          loss_reasons: string[];
          iroas_negative_probability: number | null;
          loss_evidence_level: number | null;
          roas: number;
        }>`SELECT influencer_id, is_loss_maker, loss_reasons, iroas_negative_probability, loss_evidence_level, roas FROM mart.influencer_kpis`.execute(
          l.db.store.db,
        )
      ).rows;
      const c = lossMakerConfusion(rows, l.truth);
      console.info(`seed ${l.seed}: loss-maker precision ${precision(c).toFixed(3)}, recall ${recall(c).toFixed(3)}`);
      pooled.tp += c.tp;
      pooled.fp += c.fp;
      pooled.fn += c.fn;
      for (const r of rows) {
        const byHoldout = r.loss_reasons.find((x) => x.startsWith('likely losing money'));
        expect(r.is_loss_maker).toBe(r.loss_reasons.length > 0);
        if (r.iroas_negative_probability === null) expect(byHoldout).toBeUndefined();
        else {
          expect(r.loss_evidence_level).toBe(0.75);
          expect(Boolean(byHoldout)).toBe(r.iroas_negative_probability >= 0.75);
          if (byHoldout)
            expect(byHoldout).toBe(
              `likely losing money: ${Math.floor(100 * r.iroas_negative_probability)} % one-sided P(iROAS < 0), holdout`,
            );
        }
      }
      // underpowered holdouts are judged too, with their uncertainty
      const [u] = (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM mart.influencer_kpis
          WHERE holdout_status = 'underpowered' AND iroas_negative_probability IS NOT NULL`.execute(l.db.store.db)
      ).rows;
      expect(u!.n).toBeGreaterThan(0);
    }
    console.info(`pooled: precision ${precision(pooled).toFixed(3)}, recall ${recall(pooled).toFixed(3)}`);
    expect(precision(pooled)).toBeGreaterThanOrEqual(0.9);
    expect(recall(pooled)).toBeGreaterThanOrEqual(0.9);
  });

  it('slice incremental ROAS = Σ influencers’ incremental revenue / Σ payout, its interval from the summed variances', async () => {
    const l = loaded[0]!;
    // each influencer's holdout from orders.csv: revenue per user of each group (users are per influencer and group)
    const perUser = new Map<string, number>();
    const ordersOf = new Map<string, number>();
    const productOrders = new Map<string, number>();
    for (const r of readCsv(join(l.set, 'orders.csv'))) {
      const k = `${r.influencer_id}|${r.group}|${r.user_id}`;
      perUser.set(k, (perUser.get(k) ?? 0) + Number(r.revenue));
      ordersOf.set(r.influencer_id!, (ordersOf.get(r.influencer_id!) ?? 0) + Number(r.orders));
      const pk = `${r.influencer_id}|${r.product}`;
      productOrders.set(pk, (productOrders.get(pk) ?? 0) + Number(r.orders));
    }
    const groups = new Map<string, number[][]>();
    for (const [k, revenue] of perUser) {
      const [id, g] = k.split('|') as [string, string];
      const e = groups.get(id) ?? [[], []];
      e[Number(g)]!.push(revenue);
      groups.set(id, e);
    }
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    const variance = (x: number[]) => x.reduce((s, v) => s + (v - mean(x)) ** 2, 0) / (x.length - 1);
    const effect = new Map<string, { inc: number; v: number; df: number }>();
    for (const [id, [c, e]] of groups) {
      if (c!.length < 2 || e!.length < 2) continue;
      const a = variance(c!) / c!.length;
      const b = variance(e!) / e!.length;
      const ne = e!.length;
      effect.set(id, {
        inc: (mean(e!) - mean(c!)) * ne,
        v: (a + b) * ne * ne,
        df: (a + b) ** 2 / (a ** 2 / (c!.length - 1) + b ** 2 / (ne - 1)),
      });
    }
    // Σ w × incremental / Σ w × payout, with the summed variance and Welch–Satterthwaite df
    const expected = (members: [string, number][]) => {
      let inc = 0;
      let payout = 0;
      let v = 0;
      let v2 = 0;
      for (const [id, w] of members) {
        const f = effect.get(id);
        if (!f) continue;
        inc += w * f.inc;
        payout += w * l.truth.get(id)!.payout;
        v += w * w * f.v;
        v2 += (w * w * f.v) ** 2 / f.df;
      }
      const t = studentTQuantile(0.975, (v * v) / v2);
      return { iroas: inc / payout, low: (inc - t * Math.sqrt(v)) / payout, high: (inc + t * Math.sqrt(v)) / payout };
    };
    const close = (actual: { iroas: number; low: number; high: number }, want: ReturnType<typeof expected>) => {
      for (const k of ['iroas', 'low', 'high'] as const)
        expect(Math.abs(actual[k] - want[k]), k).toBeLessThan(1e-6 * (1 + Math.abs(want[k])));
    };
    const read = async (from: string, where = '') =>
      (
        await sql
          .raw<{ iroas: number; low: number; high: number }>(
            `SELECT iroas_summed AS iroas, iroas_summed_low AS low, iroas_summed_high AS high FROM mart.${from} ${where}`,
          )
          .execute(l.db.store.db)
      ).rows[0]!;
    const ids = [...l.truth.keys()];
    expect(effect.size).toBeGreaterThan(150);
    close(await read('portfolio_kpis'), expected(ids.map((id) => [id, 1])));
    close(
      await read('platform_kpis', `WHERE platform = 'Instagram'`),
      expected(ids.filter((id) => l.truth.get(id)!.platform === 'Instagram').map((id) => [id, 1])),
    );
    // products split each influencer's incremental revenue and payout by its share of orders
    const product = 'Protein Powder';
    close(
      await read('product_kpis', `WHERE product = '${product}'`),
      expected(
        ids
          .filter((id) => productOrders.has(`${id}|${product}`))
          .map((id) => [id, productOrders.get(`${id}|${product}`)! / ordersOf.get(id)!]),
      ),
    );
  });

  it('plans a test for every inconclusive holdout and moves money only from likely losers to sure returns within their room', async () => {
    for (const l of loaded) {
      const db = l.db.store.db;
      const inconclusive = (
        await sql<{ influencer_id: string }>`SELECT influencer_id FROM mart.influencer_kpis
          WHERE holdout_status IN ('ok', 'underpowered') AND incremental_revenue_se IS NOT NULL AND NOT is_loss_maker
            AND (iroas_holdout_low <= 0 OR holdout_status = 'underpowered') ORDER BY 1`.execute(db)
      ).rows.map((r) => r.influencer_id);
      const plans = (
        await sql<{
          influencer_id: string;
          control_users: number;
          exposed_users: number;
          control_users_needed: number;
          exposed_users_needed: number;
          power: number;
          weeks_needed: number;
          feasible: boolean;
          reason: string | null;
          effect_basis: string;
        }>`SELECT * FROM mart.test_plans ORDER BY influencer_id`.execute(db)
      ).rows;
      expect(plans.map((p) => p.influencer_id)).toEqual(inconclusive);
      expect(plans.length).toBeGreaterThan(0);
      for (const p of plans) {
        expect(p.power).toBeGreaterThanOrEqual(0.8);
        expect(Number(p.control_users_needed)).toBe(
          Math.max(2, Math.ceil((Number(p.exposed_users_needed) * Number(p.control_users)) / Number(p.exposed_users) - 1e-9)),
        );
        expect(p.feasible).toBe(p.weeks_needed <= 12);
        expect(p.reason === null).toBe(p.feasible);
      }
      console.info(
        `seed ${l.seed}: ${plans.length} test plans, ${plans.filter((p) => p.feasible).length} feasible within 12 weeks, ${plans.filter((p) => p.effect_basis === 'minimum').length} sized for the minimum effect`,
      );

      const moves = (
        await sql<{
          from_id: string;
          to_id: string;
          amount: string;
          from_payout: string;
          to_payout: string;
          from_p: number;
          from_loss: boolean;
          to_low: number;
          to_loss: boolean;
        }>`SELECT m.from_id, m.to_id, m.amount, f.payout AS from_payout, t.payout AS to_payout, f.iroas_negative_probability AS from_p,
                  f.is_loss_maker AS from_loss, t.iroas_holdout_low AS to_low, t.is_loss_maker AS to_loss
           FROM mart.budget_moves m JOIN mart.influencer_kpis f ON f.influencer_id = m.from_id JOIN mart.influencer_kpis t ON t.influencer_id = m.to_id
           ORDER BY m.move`.execute(db)
      ).rows;
      expect(moves.length).toBeGreaterThan(0);
      const given = new Map<string, number>();
      const received = new Map<string, number>();
      for (const m of moves) {
        expect(m.from_loss && m.from_p >= 0.75).toBe(true);
        expect(!m.to_loss && m.to_low > 0).toBe(true);
        given.set(m.from_id, (given.get(m.from_id) ?? 0) + Number(m.amount));
        received.set(m.to_id, (received.get(m.to_id) ?? 0) + Number(m.amount));
      }
      for (const m of moves) {
        expect(given.get(m.from_id)!).toBeLessThanOrEqual(Number(m.from_payout) + 0.005);
        expect(received.get(m.to_id)!).toBeLessThanOrEqual(0.5 * Number(m.to_payout) + 0.005);
      }
      const [summary] = (await sql<{ amount_moved: string; moves: number }>`SELECT * FROM mart.budget_summary`.execute(db)).rows;
      expect(Number(summary!.amount_moved)).toBeCloseTo(
        moves.reduce((s, m) => s + Number(m.amount), 0),
        2,
      );
    }
  });
});
