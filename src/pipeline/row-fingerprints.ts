/**
 * Fingerprints of a load's rows, to tell whether any row repeats another of the same load:
 * 53 bits a row, appended as the rows stream by and sorted once at the end. Appending and one
 * sort go through memory in order, where a hash set of ten million rows would miss the cache
 * on nearly every row. Equal fingerprints mean "probably a repeat": the caller then compares
 * values (two distinct rows share a fingerprint about once in 10^16 pairs).
 */
export class RowFingerprints {
  private keys: Float64Array;
  private n = 0;

  constructor(expectedRows = 1 << 16) {
    this.keys = new Float64Array(Math.max(1024, Math.ceil(expectedRows * 1.05)));
  }

  add(text: string): void {
    if (this.n === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[this.n++] = fingerprint(text);
  }

  /** Whether two rows share a fingerprint. Sorts what was added: ask once, at the end. */
  anyRepeat(): boolean {
    const keys = this.keys.subarray(0, this.n).sort();
    for (let i = 1; i < keys.length; i++) if (keys[i] === keys[i - 1]) return true;
    return false;
  }
}

/**
 * A 53-bit fingerprint of a string (an exact integer in a double): the two 32-bit lanes of
 * cyrb53, computed in one pass.
 */
export function fingerprint(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 >>> 0) * 2097152 + (h2 >>> 11);
}
