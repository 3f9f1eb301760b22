/**
 * Seeded random numbers: never the clock or Math.random, so a seed always gives the same
 * stream, on every machine. Two generators live here because outputs already depend on each
 * one's exact stream (stored models and cluster samples, the generator's byte-identical files):
 *
 * - `seededRandom` (Mulberry32, one 32-bit seed): folds, shuffles, samples and forests in
 *   pipeline/models and pipeline/clusters.
 * - `keyedRng` (sfc32 keyed by a list of integers): the data generator's independent streams
 *   per (seed, purpose, influencer), plus `normalSampler` and `poisson` drawn from them.
 */

export type Rng = () => number;

/** Mulberry32: tiny, fast and good enough for shuffles; the same seed gives the same stream everywhere. */
export function seededRandom(seed: number): Rng {
  let a = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates, in place; returns `items`. */
export function shuffleInPlace<T>(items: T[], rand: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** `size` distinct indices out of 0..n-1, ascending (so the sample keeps input order). */
export function sampleIndices(n: number, size: number, rand: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (size >= n) return all;
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const tmp = all[i];
    all[i] = all[j];
    all[j] = tmp;
  }
  return all.slice(0, size).sort((x, y) => x - y);
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit hash of a text (FNV-1a, then mixed): a rank that stays with the text, for samples that must not reshuffle when rows come and go. */
export function textHash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

/** sfc32 keyed by a list of integers: independent streams per (seed, purpose, influencer). */
export function keyedRng(...keys: number[]): Rng {
  let h = 0x9e3779b9;
  for (const k of keys) {
    // seeds may exceed 32 bits: fold both halves in
    const lo = Number(BigInt.asUintN(32, BigInt(Math.trunc(k))));
    const hi = Number(BigInt.asUintN(32, BigInt(Math.trunc(k)) >> 32n));
    h = fmix32(h ^ fmix32(lo + 0x632be5ab));
    h = fmix32(h ^ fmix32(hi + 0x2545f491));
  }
  let a = fmix32(h ^ 0x1b873593);
  let b = fmix32(a ^ 0xcc9e2d51);
  let c = fmix32(b ^ 0xe6546b64);
  let d = 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Standard normal by Box–Muller (exact, unlike table lookups, so lognormal means stay exact). */
export function normalSampler(rand: Rng): () => number {
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = Number.NaN;
      return s;
    }
    let u = rand();
    while (u <= 0) u = rand();
    const m = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * rand();
    spare = m * Math.sin(angle);
    return m * Math.cos(angle);
  };
}

/** Poisson by Knuth's method: fine for the small means (a few units) it is used with. */
export function poisson(rand: Rng, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}
