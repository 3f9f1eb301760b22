/**
 * Remembers which rows a load has already seen, in about 6 bytes a row: a 32-bit fingerprint
 * stored at a slot chosen by a second, independent 32-bit hash (open addressing, linear
 * probing, at most 70 % full). `seen` answers "probably a repeat": the caller confirms by
 * comparing values (two different rows share both hashes about once in 10^9 rows).
 *
 * The slot hash is not stored, so a full table cannot be rehashed; a new table twice the
 * size is added instead and lookups try each. Sized from the file, one table is the rule.
 */
export class SeenRows {
  private readonly tables: { slots: Uint32Array; used: number }[] = [];

  constructor(expectedRows = 1 << 16) {
    this.tables.push({ slots: new Uint32Array(Math.ceil(Math.max(expectedRows, 1024) / 0.7)), used: 0 });
  }

  /** Records `text` and says whether an equal-looking text was recorded before. */
  seen(text: string): boolean {
    const fingerprint = hash2(text);
    const home = hash2.second;
    for (const t of this.tables) if (contains(t.slots, fingerprint, home)) return true;
    let last = this.tables.at(-1)!;
    if (last.used >= last.slots.length * 0.7) {
      last = { slots: new Uint32Array(last.slots.length * 2), used: 0 };
      this.tables.push(last);
    }
    const n = last.slots.length;
    let i = slotOf(home, n);
    while (last.slots[i] !== 0) if (++i === n) i = 0;
    last.slots[i] = fingerprint;
    last.used++;
    return false;
  }
}

// the hash scaled to the table (any size, not just powers of two)
const slotOf = (home: number, size: number) => Math.floor((home / 4294967296) * size);

function contains(slots: Uint32Array, fingerprint: number, home: number): boolean {
  const n = slots.length;
  for (let i = slotOf(home, n); slots[i] !== 0; i = i + 1 === n ? 0 : i + 1) if (slots[i] === fingerprint) return true;
  return false;
}

/**
 * Two 32-bit hashes of a string in one pass (the two lanes of cyrb53): returns the first
 * (never 0: 0 marks an empty slot) and leaves the second in `hash2.second`, sparing an
 * allocation per row.
 */
export function hash2(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  hash2.second = h2 >>> 0;
  return h1 >>> 0 || 1;
}
hash2.second = 0;
