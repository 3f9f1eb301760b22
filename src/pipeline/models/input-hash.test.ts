import { describe, expect, it } from 'vitest';
import { clusteringInputHash } from '../clusters/clusters.ts';
import { type ModelInput, trainingInputHash } from './train.ts';

const rows: ModelInput[] = [
  { id: 'a', categorical: { platform: 'ig' }, numeric: { followers: 1000, posts: 3 }, roas: 1.5 },
  { id: 'b', categorical: { platform: 'yt' }, numeric: { followers: 20, posts: 1 }, roas: null },
];

describe('input hashes (ops.model_runs.input_hash)', () => {
  it('training: the same for the same rows and settings, different for any row value, the seed, folds or grouping', () => {
    const h = trainingInputHash(rows, { seed: 42 });
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(trainingInputHash(structuredClone(rows), { seed: 42, folds: 5 })).toBe(h);
    expect(trainingInputHash(rows, { seed: 43 })).not.toBe(h);
    expect(trainingInputHash(rows, { seed: 42, folds: 3 })).not.toBe(h);
    expect(trainingInputHash(rows, { seed: 42, groupedBy: 'campaign' })).not.toBe(h);
    expect(trainingInputHash([rows[0]!, { ...rows[1]!, numeric: { followers: 21, posts: 1 } }], { seed: 42 })).not.toBe(h);
    expect(trainingInputHash([rows[0]!, { ...rows[1]!, roas: 0.9 }], { seed: 42 })).not.toBe(h);
    expect(trainingInputHash([rows[1]!, rows[0]!], { seed: 42 })).not.toBe(h);
    // feature order is column order: it counts
    expect(trainingInputHash([{ ...rows[0]!, numeric: { posts: 3, followers: 1000 } }, rows[1]!], { seed: 42 })).not.toBe(h);
    // a caller's fold function cannot be hashed: never reusable
    expect(trainingInputHash(rows, { seed: 42, foldOf: () => 0 })).toBeNull();
  });

  it('clustering: the same for the same rows and settings, different for a value, the seed or k range', () => {
    const cl = [
      { id: 'a', features: { roas: 1.2, cpa: 3 } },
      { id: 'b', features: { roas: null, cpa: 4 } },
    ];
    const h = clusteringInputHash(cl, { seed: 42 });
    expect(clusteringInputHash(structuredClone(cl), { seed: 42, kMin: 2, kMax: 8 })).toBe(h);
    expect(clusteringInputHash(cl, { seed: 1 })).not.toBe(h);
    expect(clusteringInputHash(cl, { seed: 42, kMax: 6 })).not.toBe(h);
    expect(clusteringInputHash([cl[0]!, { id: 'b', features: { roas: 0, cpa: 4 } }], { seed: 42 })).not.toBe(h);
    expect(clusteringInputHash(cl, { seed: 42, labeller: () => 'x' })).toBeNull();
  });
});
