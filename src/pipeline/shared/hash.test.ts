import { describe, expect, it } from 'vitest';
import { canonicalJson, inputHash } from './hash.ts';

describe('inputHash', () => {
  it('ignores the order keys were built in, not the order of rows or any value', () => {
    expect(canonicalJson({ b: 1, a: { d: null, c: [2, 1] } })).toBe('{"a":{"c":[2,1],"d":null},"b":1}');
    expect(inputHash({ b: 1, a: 2 })).toBe(inputHash({ a: 2, b: 1 }));
    expect(inputHash([1, 2])).not.toBe(inputHash([2, 1]));
    expect(inputHash({ x: 0.1 + 0.2 })).not.toBe(inputHash({ x: 0.3 }));
    expect(inputHash({ x: null })).not.toBe(inputHash({ x: 0 }));
    expect(inputHash({})).toMatch(/^[0-9a-f]{64}$/);
  });
});
