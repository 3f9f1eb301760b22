/**
 * DESIGN.md performance target: models + clusters at 50,000 influencers ≤ 10 s on a 2-core box.
 * Times trainAndScore (5-fold CV of four candidates, refit, scoring) and clusterEntities (k 2..8,
 * silhouette on a 2,000-row sample) on seeded synthetic influencers. Run: npm exec -- node bench/models-bench.ts [n]
 */
import { pathToFileURL } from 'node:url';
import type { ClusterInput } from '../src/pipeline/clusters/clusters.ts';
import { clusterEntities } from '../src/pipeline/clusters/clusters.ts';
import type { ModelInput } from '../src/pipeline/models/train.ts';
import { trainAndScore } from '../src/pipeline/models/train.ts';
import { seededRandom } from '../src/pipeline/shared/random.ts';

const PLATFORMS = { instagram: 0.3, youtube: 0.5, tiktok: 0, twitter: -0.6, facebook: -0.2 } as const;
const CATEGORIES = {
  fitness: 0.4,
  beauty: 0.2,
  nutrition: 0,
  parenting: -0.5,
  tech: 0.3,
  lifestyle: 0.1,
  gaming: -0.1,
  food: 0.05,
} as const;
const TIERS = ['nano', 'micro', 'mid', 'macro', 'mega'] as const;

export function syntheticInfluencers(n: number, seed: number): { models: ModelInput[]; clusters: ClusterInput[] } {
  const rand = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const models: ModelInput[] = [];
  const clusters: ClusterInput[] = [];
  for (let i = 0; i < n; i++) {
    const platform = pick(Object.keys(PLATFORMS) as (keyof typeof PLATFORMS)[]);
    const category = pick(Object.keys(CATEGORIES) as (keyof typeof CATEGORIES)[]);
    const followers = Math.round(Math.exp(9 + 1.5 * normal()));
    const tier = TIERS[Math.min(4, Math.max(0, Math.floor((Math.log10(followers) - 2.5) / 1.0)))];
    const engagement = Math.exp(-3.5 + 0.5 * normal());
    const basis = rand() < 0.5 ? 'post' : 'order';
    const rate = basis === 'post' ? Math.exp(6 + 0.5 * normal()) : 5 + 20 * rand();
    const latent =
      PLATFORMS[platform] +
      CATEGORIES[category] +
      1.2 * (Math.log(engagement) + 3.5) +
      0.15 * (Math.log(followers) - 9) +
      (basis === 'order' ? 0.4 : -0.2) -
      (basis === 'post' ? 0.5 * (Math.log(rate) - 6) : 0);
    const roas = Math.exp(latent + 0.7 * normal());
    const payout = basis === 'post' ? rate * (1 + Math.floor(rand() * 4)) : rate * (5 + Math.floor(rand() * 50));
    const orders = Math.max(1, Math.round((roas * payout) / 60));
    const labelled = rand() > 0.1;
    models.push({
      id: `inf-${i}`,
      categorical: { platform: rand() < 0.02 ? null : platform, category, tier, basis },
      numeric: { followers, engagement_rate: rand() < 0.05 ? null : engagement, rate },
      roas: labelled ? roas : null,
    });
    clusters.push({
      id: `inf-${i}`,
      features: {
        roas: labelled ? roas : null,
        iroas: labelled ? roas * (0.3 + 0.6 * rand()) - 0.3 * rand() : null,
        engagement_rate: engagement,
        cost_per_order: payout / orders,
      },
    });
  }
  return { models, clusters };
}

export function benchModels(
  n = 50_000,
  seed = 1,
): { n: number; modelsSeconds: number; clustersSeconds: number; totalSeconds: number; summary: string } {
  const data = syntheticInfluencers(n, seed);
  const t0 = performance.now();
  const models = trainAndScore(data.models, { seed });
  const t1 = performance.now();
  const clusters = clusterEntities(data.clusters, { seed });
  const t2 = performance.now();
  const bits: string[] = [];
  for (const [name, task] of [
    ['classification', models.classification],
    ['regression', models.regression],
  ] as const) {
    if ('skipped' in task) bits.push(`${name} skipped: ${task.skipped}`);
    else
      for (const c of task.candidates)
        bits.push(
          `${c.algorithm}${c.chosen ? '*' : ''} ${Object.entries(c.metrics)
            .map(([k, v]) => `${k}=${v?.toFixed(3)}`)
            .join(' ')}`,
        );
  }
  bits.push(
    'skipped' in clusters
      ? `clusters skipped: ${clusters.skipped}`
      : `k=${clusters.k} silhouette=${clusters.silhouette.toFixed(3)} ${clusters.centroids.map((c) => `${c.label} (${c.size})`).join(', ')}`,
  );
  return {
    n,
    modelsSeconds: (t1 - t0) / 1000,
    clustersSeconds: (t2 - t1) / 1000,
    totalSeconds: (t2 - t0) / 1000,
    summary: bits.join('\n'),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 50_000);
  const r = benchModels(n);
  console.log(r.summary);
  console.log(
    `models + clusters at ${n.toLocaleString('en')} influencers: ${r.totalSeconds.toFixed(2)} s (models ${r.modelsSeconds.toFixed(2)} s, clusters ${r.clustersSeconds.toFixed(2)} s; target ≤ 10 s)`,
  );
}
