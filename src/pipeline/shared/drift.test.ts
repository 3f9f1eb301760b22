import { describe, expect, it } from 'vitest';
import { type TrainingRow, trainingSetDrift } from './drift.ts';

const row = (id: string, roas: number | null, cpo: number | null = 10, fixed: (string | number | null)[] = ['IG', 1000]): TrainingRow => ({
  id,
  fixed,
  drifting: { roas, cpo },
});

describe('trainingSetDrift', () => {
  it('is zero for the same set, with no column named', () => {
    const set = [row('a', 2), row('b', 0.5)];
    expect(trainingSetDrift(set, structuredClone(set))).toEqual({ drift: 0, column: null });
  });

  it('is Σ|now − then| / Σ|then| of the column that moved most', () => {
    const then = [row('a', 1, 10), row('b', 3, 30), row('c', -2, 60)];
    const now = [row('a', 1.5, 10), row('b', 2.5, 31), row('c', -2, 60)];
    // roas: (0.5 + 0.5 + 0) / (1 + 3 + 2) = 1/6; cpo: 1 / 100
    const d = trainingSetDrift(then, now);
    expect(d).toEqual({ drift: 1 / 6, column: 'roas' });
  });

  it('counts a value that appears or goes as a move by the column mean size, a first 0 included', () => {
    const then = [row('a', 2), row('b', null), row('c', 4)];
    // one switch in a column of mean size (2 + 4) / 2 = 3: (0 + 3 + 0) / 6
    expect(trainingSetDrift(then, [row('a', 2), row('b', 0), row('c', 4)])).toEqual({ drift: 0.5, column: 'roas' });
    expect(trainingSetDrift(then, [row('a', 2), row('b', 30), row('c', 4)])).toEqual({ drift: 0.5, column: 'roas' });
    // a value that goes: |2 − 2.5| plus 3 for c, over 6
    expect(trainingSetDrift(then, [row('a', 2.5), row('b', null), row('c', null)])).toEqual({ drift: 3.5 / 6, column: 'roas' });
    // from nothing at all, any move is infinite drift
    expect(trainingSetDrift([row('a', null)], [row('a', 1)])).toEqual({ drift: Infinity, column: 'roas' });
    expect(trainingSetDrift([row('a', 0)], [row('a', 1)])).toEqual({ drift: Infinity, column: 'roas' });
  });

  it('calls other rows, another order, other columns or a changed fixed value a different set', () => {
    const then = [row('a', 2), row('b', 3)];
    expect(trainingSetDrift(then, [row('a', 2)])).toEqual({ different: '1 rows, fitted on 2' });
    expect(trainingSetDrift(then, [row('b', 3), row('a', 2)])).toEqual({ different: 'row 1 is b, fitted on a' });
    expect(trainingSetDrift(then, [row('a', 2), row('b', 3, 10, ['IG', 1001])])).toEqual({ different: "b's features changed" });
    expect(trainingSetDrift(then, [row('a', 2), row('b', 3, 10, ['TikTok', 1000])])).toEqual({ different: "b's features changed" });
    expect(trainingSetDrift(then, [row('a', 2), { id: 'b', fixed: ['IG', 1000], drifting: { roas: 3 } }])).toEqual({
      different: "b's columns changed",
    });
  });
});
