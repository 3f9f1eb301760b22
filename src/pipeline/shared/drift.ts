// How far a training set has moved since the one a model (or a clustering) was fitted on.
// The nightly cycle adds a day to every creator's totals, so the exact hash of the inputs
// changes every night although a refit would barely move: the stages refit only when the set
// is a different one (rows, fixed values) or its drifting values moved by more than a share
// (MODEL_REFIT_DRIFT).

/** One row of a training set: what must not change for a fit to stand, and what may drift. */
export interface TrainingRow {
  id: string;
  /** Values that must be equal (categorical features, groups, numeric features a score is computed from). */
  fixed: readonly (string | number | boolean | null)[];
  /** Values that may move a little (targets, outcome features), by column name. */
  drifting: Record<string, number | null>;
}

export type Drift =
  /** The same rows with the same fixed values: the largest column drift and its column. */
  | { drift: number; column: string | null }
  /** A different training set, and the first difference found. */
  | { different: string };

/**
 * A column's drift is Σ |now − then| / Σ |then| over the rows (the share its values moved in
 * all, so a few small creators with large swings count for what they weigh); the set's is the
 * largest column's. A value that appears or goes (a creator's first holdout result) counts as a
 * move by the column's mean size, whatever the value (a first 0 is a change too). Other ids,
 * another order, other columns or a changed fixed value make a different set.
 */
export function trainingSetDrift(then: readonly TrainingRow[], now: readonly TrainingRow[]): Drift {
  if (then.length !== now.length) return { different: `${now.length} rows, fitted on ${then.length}` };
  const sums = new Map<string, { moved: number; size: number; values: number; switched: number }>();
  for (let i = 0; i < now.length; i++) {
    const [a, b] = [then[i]!, now[i]!];
    if (a.id !== b.id) return { different: `row ${i + 1} is ${b.id}, fitted on ${a.id}` };
    if (a.fixed.length !== b.fixed.length || a.fixed.some((v, j) => v !== b.fixed[j])) return { different: `${b.id}'s features changed` };
    const columns = Object.keys(b.drifting);
    if (columns.length !== Object.keys(a.drifting).length || columns.some((c) => !(c in a.drifting)))
      return { different: `${b.id}'s columns changed` };
    for (const column of columns) {
      const [before, after] = [a.drifting[column]!, b.drifting[column]!];
      let sum = sums.get(column);
      if (!sum) sums.set(column, (sum = { moved: 0, size: 0, values: 0, switched: 0 }));
      if (before !== null) {
        sum.size += Math.abs(before);
        sum.values++;
      }
      if ((before === null) !== (after === null)) sum.switched++;
      else if (before !== null && after !== null) sum.moved += Math.abs(after - before);
    }
  }
  let worst: { drift: number; column: string | null } = { drift: 0, column: null };
  for (const [column, { moved, size, values, switched }] of sums) {
    const total = moved + (switched && (values ? (switched * size) / values : Infinity));
    const drift = total === 0 ? 0 : size === 0 ? Infinity : total / size;
    if (drift > worst.drift) worst = { drift, column };
  }
  return worst;
}
