/**
 * Eigenvector matching across time (src/theory/rotationTracking.ts): permutations
 * recovered exactly, ids that follow modes through an eigenvalue crossing, the
 * ordered heatmap's diagonal, and class aggregation against sums by hand.
 */
import { describe, expect, it } from 'vitest';
import { aggregateByClass, matchByOverlap, ModeTracker, orderedOverlap } from '../src/theory/rotationTracking';

/** rows of the identity, permuted: row j of the result is e_{perm[j]} */
function permutedBasis(n: number, perm: number[]): Float64Array {
  const V = new Float64Array(perm.length * n);
  perm.forEach((p, j) => (V[j * n + p] = 1));
  return V;
}

describe('matching by overlap', () => {
  it('recovers a permutation exactly', () => {
    const perm = [2, 0, 3, 1];
    const O = new Array<number>(16).fill(0);
    perm.forEach((j, i) => (O[i * 4 + j] = 1));
    expect(matchByOverlap(O, 4, 4)).toEqual(perm);
  });

  it('prefers the larger overlap when two rows compete for one column', () => {
    // row 0 overlaps column 0 by 0.6, row 1 by 0.8: row 1 takes it, row 0 the other
    const O = [0.6, 0.5, 0.8, 0.1];
    expect(matchByOverlap(O, 2, 2)).toEqual([1, 0]);
  });

  it('the ordered heatmap puts the matched overlaps on the diagonal', () => {
    const O = [0.1, 0.9, 0.2, 0.95, 0.05, 0.1, 0.2, 0.1, 0.7];
    const { data, perm } = orderedOverlap(O, 3);
    expect(perm).toEqual([1, 0, 2]);
    expect([data[0], data[4], data[8]]).toEqual([0.9, 0.95, 0.7]);
  });
});

describe('mode tracker', () => {
  it('ids follow the vectors when their ranks swap (an eigenvalue crossing)', () => {
    const n = 5;
    const t = new ModeTracker();
    expect(t.update(permutedBasis(n, [0, 1, 2]), n).ids).toEqual([0, 1, 2]);
    // the vector that was rank 0 is now rank 2, and a slightly rotated copy of e_1 stays at rank 1
    const V = permutedBasis(n, [2, 1, 0]);
    const c = Math.cos(0.1);
    const s = Math.sin(0.1);
    V.fill(0, n, 2 * n);
    V[n + 1] = c;
    V[n + 3] = s;
    const r = t.update(V, n);
    expect(r.ids).toEqual([2, 1, 0]);
    expect(r.continuity[1]).toBeCloseTo(c, 12);
    expect(r.continuity[0]).toBe(1);
  });
});

describe('aggregation by class', () => {
  it('block means over label pairs, by hand', () => {
    const labels = [1, 1, 4];
    const H = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const { classes, data } = aggregateByClass(H, labels);
    expect(classes).toEqual([1, 4]);
    // (1,1): H00 H01 H10 H11 = 1 2 4 5; (1,4): H02 H12 = 3 6; (4,1): H20 H21 = 7 8; (4,4): 9
    expect(data).toEqual([3, 4.5, 7.5, 9]);
  });
});
