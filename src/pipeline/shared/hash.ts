/**
 * A stable fingerprint of what a model or clustering is computed from (issue 19): sha256 of a
 * canonical JSON (object keys sorted, so the order properties were built in does not matter;
 * array order does, so callers pass rows in a deterministic order). Numbers print as JSON does:
 * the shortest text that reads back to the same double, so any change of a value changes the hash.
 */
import { createHash } from 'node:crypto';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value)) ?? 'undefined';
}

/** Hex sha256 of the canonical JSON of `value`. */
export function inputHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
