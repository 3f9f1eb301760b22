import { describe, expect, it } from 'vitest';
import { accuracy, adjustedRandIndex, auc, f1, mae, meanOf, r2, rmse, silhouette } from './metrics.ts';

// Reference values are scikit-learn's for the same inputs.
describe('classification metrics', () => {
  it('AUC by ranks, with ties and one class', () => {
    expect(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(auc([0, 1, 0, 1], [0.2, 0.2, 0.1, 0.9])).toBeCloseTo(0.875, 12);
    expect(auc([1, 1, 1], [0.1, 0.2, 0.3])).toBeNull();
  });

  it('accuracy and F1 of the positive class, 0 rather than NaN when undefined', () => {
    expect(accuracy([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])).toBeCloseTo(0.6, 12);
    expect(f1([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])).toBeCloseTo(2 / 3, 12);
    expect(f1([0, 0], [0, 0])).toBe(0);
    expect(accuracy([], [])).toBeNull();
  });
});

describe('regression metrics', () => {
  it('MAE, RMSE, R²', () => {
    const y = [3, -0.5, 2, 7];
    const p = [2.5, 0, 2, 8];
    expect(mae(y, p)).toBeCloseTo(0.5, 12);
    expect(rmse(y, p)).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(r2(y, p)).toBeCloseTo(0.9486081370449679, 12);
    expect(r2([2, 2, 2], [1, 2, 3])).toBeNull();
    expect(meanOf([1, null, 3])).toBe(2);
    expect(meanOf([null])).toBeNull();
  });
});

describe('cluster metrics', () => {
  it('silhouette of two clusters on a line', () => {
    const s = silhouette([[0], [1], [10], [11]], [0, 0, 1, 1]);
    expect(s).toBeCloseTo((9.5 / 10.5 + 8.5 / 9.5) / 2, 12);
    expect(silhouette([[0], [1]], [0, 0])).toBe(0);
    // A point alone in its cluster scores 0 (as in scikit-learn) but still counts in the mean.
    expect(silhouette([[0], [1], [5]], [0, 0, 1])).toBeCloseTo(((5 - 1) / 5 + (4 - 1) / 4 + 0) / 3, 12);
  });

  it('adjusted Rand index', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714285715, 12);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
    expect(adjustedRandIndex([0, 0, 0], [0, 0, 0])).toBe(1);
  });
});
