// A slice of the data a subscription gets: for each key, the values kept (no key: everything).
// Creators are sliced by their own attributes and by the products and campaigns of their orders;
// ad campaigns by channel and campaign. `campaign` applies to both halves.

/** The name the DIGEST_TO setting goes by as the one unfiltered subscription (upper case: no stored name can take it). */
export const DIGEST_TO_NAME = 'DIGEST_TO';

export const sliceKeys = ['platform', 'category', 'gender', 'tier', 'product', 'campaign', 'channel'] as const;
export type SliceKey = (typeof sliceKeys)[number];
export type Slice = Partial<Record<SliceKey, string[]>>;

/** Keys that only creators have, and keys that only ad campaigns have. */
const creatorOnly: readonly SliceKey[] = ['platform', 'category', 'gender', 'tier', 'product'];
const adOnly: readonly SliceKey[] = ['channel'];

export const isSliceKey = (k: string): k is SliceKey => (sliceKeys as readonly string[]).includes(k);

/** "platform=Instagram,YouTube" (repeatable) → a slice; throws an Error naming the wrong part. */
export function sliceFromWhere(where: readonly string[]): Slice {
  const slice: Slice = {};
  for (const w of where) {
    const eq = w.indexOf('=');
    const key = w.slice(0, eq).trim().toLowerCase();
    const values = w
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    if (eq < 1 || values.length === 0) throw new Error(`"${w}": write key=value[,value...]`);
    if (!isSliceKey(key)) throw new Error(`"${w}": unknown key ${key}; keys are ${sliceKeys.join(', ')}`);
    slice[key] = [...new Set([...(slice[key] ?? []), ...values])];
  }
  return normalised(slice);
}

/** Keys in a fixed order, values sorted: equal slices have equal JSON (and one rendering). */
export function normalised(slice: Slice): Slice {
  const out: Slice = {};
  for (const k of sliceKeys) {
    const v = slice[k];
    if (v?.length) out[k] = [...new Set(v)].sort();
  }
  return out;
}

export const sliceId = (slice: Slice): string => JSON.stringify(normalised(slice));
export const isEverything = (slice: Slice): boolean => Object.keys(normalised(slice)).length === 0;

/** Which halves of the data a slice keeps: creators (influencer campaigns), ad campaigns. */
export function sliceHalves(slice: Slice): { creators: boolean; ads: boolean } {
  const keys = Object.keys(normalised(slice)) as SliceKey[];
  return { creators: !keys.some((k) => adOnly.includes(k)), ads: !keys.some((k) => creatorOnly.includes(k)) };
}

/** "Instagram, Fitness" for a subject line; "" for everything. */
export const sliceLabel = (slice: Slice): string =>
  Object.values(normalised(slice))
    .map((v) => v.join(' or '))
    .join(', ');

/**
 * Checks a slice against the values the data has (matched without regard to case, and returned in
 * the data's spelling). Returns the slice or the problems, each naming what is allowed.
 */
export function checkSlice(slice: Slice, known: Record<SliceKey, string[]>): { slice: Slice } | { problems: string[] } {
  const problems: string[] = [];
  const out: Slice = {};
  for (const [key, values] of Object.entries(normalised(slice)) as [SliceKey, string[]][]) {
    const byLower = new Map(known[key].map((v) => [v.toLowerCase(), v]));
    const allowed = known[key].length ? known[key].join(', ') : 'none yet (load data first)';
    out[key] = values.map((v) => {
      const found = byLower.get(v.toLowerCase());
      if (!found) problems.push(`${key} "${v}" is in no row; ${key} values are ${allowed}`);
      return found ?? v;
    });
  }
  const halves = sliceHalves(out);
  if (!halves.creators && !halves.ads)
    problems.push(`channel selects ad campaigns and ${creatorOnly.filter((k) => out[k]).join(', ')} creators: a slice keeps one of them`);
  // Orders are summed per product and per campaign separately, so the two cannot be crossed.
  if (out.product && out.campaign) problems.push('product and campaign cannot be combined in one slice');
  return problems.length ? { problems } : { slice: normalised(out) };
}
