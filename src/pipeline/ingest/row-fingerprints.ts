/**
 * Fingerprints of a load's rows, to tell on which days a row may repeat another of the same
 * load: one number a row (its day in the top 16 bits, 37 bits of its text's hash below),
 * appended as the rows stream by and sorted once at the end. Appending and one sort go through
 * memory in order, where a hash set of ten million rows would miss the cache on nearly every
 * row. Equal fingerprints mean "probably a repeat": the caller then compares that day's rows by
 * value (two distinct rows of one day share a fingerprint about once in 10^11 pairs, so a
 * 10 M-row load compares a few days it need not). Memory is 8 bytes a row up to `max` rows;
 * a larger load keeps none, and every one of its days is compared by value instead.
 */
export class RowFingerprints {
  private keys: Float64Array;
  private n = 0;
  private day = 0;
  private dayBase = 0;
  private readonly max: number;
  private overflowed = false;

  constructor(expectedRows = 1 << 16, max = MAX_FINGERPRINTS) {
    this.max = max;
    this.keys = new Float64Array(Math.min(max, Math.max(1024, Math.ceil(expectedRows * 1.05))));
  }

  /** A row of day `day` (YYYYMMDD, 2000 to 2175) whose values are `text`. */
  add(day: number, text: string): void {
    if (this.overflowed) return;
    if (this.n === this.keys.length) {
      if (this.n >= this.max) {
        this.overflowed = true;
        this.keys = new Float64Array(0);
        return;
      }
      const grown = new Float64Array(Math.min(this.max, this.keys.length * 2));
      grown.set(this.keys);
      this.keys = grown;
    }
    if (day !== this.day) {
      this.day = day;
      this.dayBase = dayIndex(day) * HASH_RANGE;
    }
    this.keys[this.n++] = this.dayBase + (fingerprint(text) % HASH_RANGE);
  }

  /**
   * Days (YYYYMMDD, ascending) on which two rows share a fingerprint, or null when the load had
   * more than `max` rows (then any day may hold a repeat). Sorts what was added: ask once, at the end.
   */
  repeatDays(): number[] | null {
    if (this.overflowed) return null;
    const keys = this.keys.subarray(0, this.n).sort();
    const days: number[] = [];
    for (let i = 1; i < keys.length; i++) {
      if (keys[i] !== keys[i - 1]) continue;
      const day = dayOfIndex(Math.floor(keys[i]! / HASH_RANGE));
      if (days.at(-1) !== day) days.push(day);
    }
    return days;
  }
}

/** 96 MB of fingerprints: a load of more rows than this compares every one of its days by value. */
export const MAX_FINGERPRINTS = 12_000_000;
const HASH_RANGE = 2 ** 37;
// YYYYMMDD <-> a 16-bit index, 31 days to every month: exact both ways, no calendar needed.
const dayIndex = (day: number) => (Math.floor(day / 10_000) - 2000) * 372 + ((Math.floor(day / 100) % 100) - 1) * 31 + (day % 100) - 1;
const dayOfIndex = (i: number) => (2000 + Math.floor(i / 372)) * 10_000 + (Math.floor((i % 372) / 31) + 1) * 100 + (i % 31) + 1;

/**
 * A 53-bit fingerprint of a string (an exact integer in a double): the two 32-bit lanes of
 * cyrb53, computed in one pass that takes two UTF-16 units a step (half the multiplies of one
 * a step; nearly half of a load's time in the loader went here).
 */
export function fingerprint(s: string): number {
  let h1 = 0xdeadbeef ^ s.length;
  let h2 = 0x41c6ce57;
  const even = s.length & ~1;
  for (let i = 0; i < even; i += 2) {
    const c = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  if (even < s.length) {
    const c = s.charCodeAt(even);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 >>> 0) * 2097152 + (h2 >>> 11);
}
