/**
 * Rotation a room can follow (THEORY.md instrument 1): eigenvectors matched across
 * time by overlap, so a line follows one mode instead of one rank, and the
 * overlap heatmap ordered by that matching, so its diagonal reads as "how much of
 * each initial mode is still there".
 *
 * Matching: given the overlaps O_ij = |⟨a_i, b_j⟩| between two orthonormal sets,
 * pairs are taken greedily in order of decreasing overlap, each vector used once.
 * For a permutation (O a permutation matrix) this recovers it exactly; for
 * orthonormal sets any pair with O_ij > 1/√2 is matched to each other, since
 * neither vector can overlap another by as much (Σ_j O_ij² ≤ 1).
 */
import { overlapMatrix } from './rotation';

/** perm[i] = the j matched to i (−1 when rows outnumber columns), greedy by decreasing O_ij; O is rows × cols */
export function matchByOverlap(O: ArrayLike<number>, rows: number, cols: number): number[] {
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) pairs.push([O[i * cols + j], i, j]);
  pairs.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const perm = new Array<number>(rows).fill(-1);
  const taken = new Uint8Array(cols);
  for (const [, i, j] of pairs) {
    if (perm[i] !== -1 || taken[j]) continue;
    perm[i] = j;
    taken[j] = 1;
  }
  return perm;
}

/** O with its columns reordered so column i is the vector matched to row i (k × k) */
export function orderedOverlap(O: ArrayLike<number>, k: number): { data: number[]; perm: number[] } {
  const perm = matchByOverlap(O, k, k);
  const data = new Array<number>(k * k);
  for (let i = 0; i < k; i++) for (let c = 0; c < k; c++) data[i * k + c] = O[i * k + perm[c]];
  return { data, perm };
}

/**
 * Follows the top-k eigenvectors from one measurement to the next: each current
 * vector inherits the id of the previous vector it is matched to, so ids stay with
 * modes when eigenvalues cross. `continuity` is each current vector's overlap with
 * its predecessor (1: the same direction; small: a new direction entered the top k).
 */
export class ModeTracker {
  private prev: { V: Float64Array; ids: number[] } | null = null;

  update(V: Float64Array, dim: number): { ids: number[]; continuity: number[] } {
    const k = V.length / dim;
    if (!this.prev || this.prev.V.length !== V.length) {
      const ids = Array.from({ length: k }, (_, j) => j);
      this.prev = { V: V.slice(), ids };
      return { ids, continuity: new Array<number>(k).fill(1) };
    }
    const O = overlapMatrix(this.prev.V, V, dim);
    const perm = matchByOverlap(O, k, k);
    const ids = new Array<number>(k);
    const continuity = new Array<number>(k);
    perm.forEach((j, i) => {
      ids[j] = this.prev!.ids[i];
      continuity[j] = O[i * k + j];
    });
    this.prev = { V: V.slice(), ids };
    return { ids, continuity };
  }

  reset(): void {
    this.prev = null;
  }
}

/**
 * The deformed surface aggregated by class: the mean of H_ij over the probe pairs
 * whose labels are (a, b), for the labels present on the probe (ascending). With
 * 32 points over 23 labels most classes have one point, so the m × m surface has
 * almost no same-label pairs; the class means show the blocks instead.
 */
export function aggregateByClass(H: ArrayLike<number>, labels: ArrayLike<number>): { classes: number[]; data: number[] } {
  const m = labels.length;
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const at = new Map(classes.map((c, i) => [c, i]));
  const L = classes.length;
  const sum = new Float64Array(L * L);
  const count = new Float64Array(L * L);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      const cell = at.get(labels[i])! * L + at.get(labels[j])!;
      sum[cell] += H[i * m + j];
      count[cell] += 1;
    }
  return { classes, data: Array.from(sum, (s, c) => s / count[c]) };
}
