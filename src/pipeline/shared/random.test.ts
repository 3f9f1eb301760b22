import { describe, expect, it } from 'vitest';
import { keyedRng, normalSampler, poisson, sampleIndices, seededRandom, shuffleInPlace } from './random.ts';

const take = (rand: () => number, n: number) => Array.from({ length: n }, rand);

// The streams are pinned: stored models, cluster samples and the generator's byte-identical
// files depend on them, so a change here must be deliberate (values from the code as of this test).
describe('seeded streams', () => {
  it('Mulberry32 (seededRandom) gives its stream', () => {
    expect(take(seededRandom(5), 3)).toEqual([0.217193350661546, 0.9914532694965601, 0.7507520283106714]);
  });

  it('sfc32 (keyedRng) gives its stream, keyed by every integer and both halves of a wide one', () => {
    expect(take(keyedRng(3, 2, 1), 3)).toEqual([0.6747328266501427, 0.644758959999308, 0.10797920101322234]);
    expect(take(keyedRng(2 ** 40 + 7, 1), 2)).toEqual([0.3774076267145574, 0.335451788501814]);
    expect(take(keyedRng(7, 1), 2)).not.toEqual(take(keyedRng(2 ** 40 + 7, 1), 2));
  });

  it('draws normals and Poisson counts from a stream', () => {
    expect(take(normalSampler(keyedRng(1)), 3)).toEqual([-0.3986693830159069, -1.3080458969653939, -0.7942063967899312]);
    const r = keyedRng(9);
    expect(take(() => poisson(r, 2), 10)).toEqual([3, 2, 2, 3, 2, 4, 2, 2, 3, 2]);
  });

  it('shuffles and samples without losing or repeating items', () => {
    const shuffled = shuffleInPlace(
      Array.from({ length: 50 }, (_, i) => i),
      seededRandom(1),
    );
    expect([...shuffled].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffled).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const s = sampleIndices(100, 10, seededRandom(2));
    expect(new Set(s).size).toBe(10);
    expect(s).toEqual([...s].sort((a, b) => a - b));
  });
});
