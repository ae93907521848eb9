/**
 * Symmetric eigen-solvers for the kernel instruments (spectra of K, K̃, K_c and W).
 *
 * `symmetricEigen`: all eigenpairs — Householder reduction to tridiagonal form,
 * then implicit QL with Wilkinson shifts (the classic tred2/tql2 pair), O(n³).
 * `topEigen`: the k largest by a block Krylov method with full
 * reorthogonalisation and restarts (block Lanczos in spirit), warm-startable from
 * the previous measurement's vectors; a block, not a single vector, so repeated
 * eigenvalues (the Fourier pairs of modular arithmetic) are found whole.
 *
 * Eigenvectors are stored as rows: vectors[j·n + i] is component i of vector j.
 */
import { Rng } from '../util/rng';
import { dot, matMul, matMulT, symmetrize } from './dense';

export interface Eigen {
  n: number;
  /** descending */
  values: Float64Array;
  /** one unit vector per value, row-major (count × n) */
  vectors: Float64Array;
}

/**
 * All eigenpairs of a symmetric n×n matrix (row-major; only symmetry is assumed).
 * Internally V is held column-major so both phases walk contiguous memory.
 */
export function symmetricEigen(A: Float64Array, n: number): Eigen {
  const V = Float64Array.from(A); // V(r, c) = V[c·n + r]; A symmetric, so the copy needs no transpose
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tridiagonalize(V, d, e, n, true);
    tridiagonalQL(V, d, e, n, true);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b] - d[a]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, j) => vectors.set(V.subarray(src * n, src * n + n), j * n));
  return { n, values, vectors };
}

/** Eigenvalues only, descending: the reduction without accumulating V (about a fifth of the work). */
export function symmetricEigenvalues(A: Float64Array, n: number): Float64Array {
  const V = Float64Array.from(A);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tridiagonalize(V, d, e, n, false);
    tridiagonalQL(V, d, e, n, false);
  }
  return d.sort().reverse();
}

/** Householder: A = V T Vᵀ, T tridiagonal (diagonal d, subdiagonal e[1..n−1]). */
function tridiagonalize(V: Float64Array, d: Float64Array, e: Float64Array, n: number, vectors: boolean): void {
  const at = (r: number, c: number) => c * n + r;
  for (let j = 0; j < n; j++) d[j] = V[at(n - 1, j)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[at(i - 1, j)];
        V[at(i, j)] = 0;
        V[at(j, i)] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[at(j, i)] = f;
        g = e[j] + V[at(j, j)] * f;
        const cj = j * n;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[cj + k] * d[k];
          e[k] += V[cj + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const cj = j * n;
        for (let k = j; k <= i - 1; k++) V[cj + k] -= f * e[k] + g * d[k];
        d[j] = V[at(i - 1, j)];
        V[at(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  if (!vectors) {
    // the accumulation below would move T's diagonal (kept on V's diagonal) into d
    for (let j = 0; j < n; j++) d[j] = V[at(j, j)];
    e[0] = 0;
    return;
  }
  // accumulate the transformations
  for (let i = 0; i < n - 1; i++) {
    V[at(n - 1, i)] = V[at(i, i)];
    V[at(i, i)] = 1;
    const h = d[i + 1];
    const ci1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[ci1 + k] / h;
      for (let j = 0; j <= i; j++) {
        const cj = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[ci1 + k] * V[cj + k];
        for (let k = 0; k <= i; k++) V[cj + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[ci1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[at(n - 1, j)];
    V[at(n - 1, j)] = 0;
  }
  V[at(n - 1, n - 1)] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e), rotating the columns of V. */
function tridiagonalQL(V: Float64Array, d: Float64Array, e: Float64Array, n: number, vectors: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error('symmetricEigen: QL did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (!vectors) continue;
          const ci = i * n;
          const ci1 = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            h = V[ci1 + k];
            V[ci1 + k] = s * V[ci + k] + c * h;
            V[ci + k] = c * V[ci + k] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

export interface TopEigenOptions {
  /** previous vectors (rows, count × n) to start from */
  start?: Float64Array;
  /** stop when every wanted residual ‖A x − θ x‖ ≤ tol·|θ_1| */
  tol?: number;
  maxRestarts?: number;
  /** extra block columns beyond k (guards the k-th gap) */
  oversample?: number;
  /** Krylov blocks per restart */
  blocks?: number;
  /** 'auto' solves small matrices (n ≤ 256) densely */
  method?: 'auto' | 'krylov' | 'dense';
  seed?: number;
}

export interface TopEigen extends Eigen {
  /** largest residual norm of the returned pairs, relative to |θ_1| */
  residual: number;
  restarts: number;
}

/** y (count × n) = A·xᵀ for rows x: the matrix-free interface. */
export type BlockOperator = (X: Float64Array, count: number, out: Float64Array) => void;

/** A symmetric: (A xᵀ)ᵀ = x A, so the block product is rows-times-rows. */
export function denseOperator(A: Float64Array, n: number): BlockOperator {
  return (X, count, out) => void matMulT(X, A, count, n, n, out);
}

/**
 * Orthonormalises rows [from, to) of Q against rows [0, from) — block classical
 * Gram–Schmidt, twice (two passes make it as stable as modified GS) — and then
 * among themselves; dependent rows are dropped. Returns the new row count.
 */
function orthonormalize(Q: Float64Array, n: number, from: number, to: number): number {
  const cnt = to - from;
  const block = Q.subarray(from * n, to * n);
  const norms0 = Float64Array.from({ length: cnt }, (_, j) => Math.sqrt(dot(block, block, n, j * n, j * n)));
  if (from > 0)
    for (let pass = 0; pass < 2; pass++) {
      const prev = Q.subarray(0, from * n);
      const C = matMulT(block, prev, cnt, n, from); // cnt × from projections
      const proj = matMul(C, prev, cnt, from, n);
      for (let i = 0; i < block.length; i++) block[i] -= proj[i];
    }
  let kept = from;
  for (let j = from; j < to; j++) {
    const o = j * n;
    for (let pass = 0; pass < 2; pass++)
      for (let i = from; i < kept; i++) {
        const c = dot(Q, Q, n, i * n, o);
        for (let r = 0; r < n; r++) Q[o + r] -= c * Q[i * n + r];
      }
    const norm = Math.sqrt(dot(Q, Q, n, o, o));
    if (norm <= 1e-10 * norms0[j - from] || norm === 0) continue; // dependent: drop
    for (let r = 0; r < n; r++) Q[kept * n + r] = Q[o + r] / norm;
    kept++;
  }
  return kept;
}

/** The k largest eigenpairs of a symmetric operator on Rⁿ. */
export function topEigen(op: BlockOperator | Float64Array, n: number, k: number, opts: TopEigenOptions = {}): TopEigen {
  k = Math.min(k, n);
  const method = opts.method ?? 'auto';
  if (method === 'dense' || (method === 'auto' && n <= 256)) {
    if (!(op instanceof Float64Array)) throw new Error('topEigen: the dense method needs the matrix');
    const all = symmetricEigen(op, n);
    return { n, values: all.values.slice(0, k), vectors: all.vectors.slice(0, k * n), residual: 0, restarts: 0 };
  }
  const apply = op instanceof Float64Array ? denseOperator(op, n) : op;
  const b = Math.min(n, k + (opts.oversample ?? Math.max(4, Math.ceil(k / 2))));
  const maxBasis = Math.min(n, b * (opts.blocks ?? 4));
  const tol = opts.tol ?? 1e-8;
  const rng = new Rng(opts.seed ?? 7, 'topEigen');
  const Q = new Float64Array(maxBasis * n);
  const AQ = new Float64Array(maxBasis * n);
  // start block: the warm vectors, then random fill
  const startRows = opts.start ? Math.min(b, opts.start.length / n) : 0;
  if (opts.start) Q.set(opts.start.subarray(0, startRows * n));
  for (let i = startRows * n; i < b * n; i++) Q[i] = rng.normal();
  let basis = orthonormalize(Q, n, 0, b);
  let result: TopEigen = { n, values: new Float64Array(0), vectors: new Float64Array(0), residual: Infinity, restarts: 0 };
  for (let restart = 0; restart <= (opts.maxRestarts ?? 50); restart++) {
    // grow the Krylov basis block by block: Q_{j+1} = A Q_j ⟂ everything before
    let blockStart = 0;
    while (true) {
      const cnt = basis - blockStart;
      apply(Q.subarray(blockStart * n, basis * n), cnt, AQ.subarray(blockStart * n, basis * n));
      if (basis >= maxBasis) break;
      const room = Math.min(cnt, maxBasis - basis);
      Q.set(AQ.subarray(blockStart * n, (blockStart + room) * n), basis * n);
      const next = orthonormalize(Q, n, basis, basis + room);
      if (next === basis) break; // invariant subspace reached
      blockStart = basis;
      basis = next;
    }
    // Rayleigh–Ritz on span(Q): T = Qᵀ A Q
    const T = symmetrize(matMulT(Q.subarray(0, basis * n), AQ.subarray(0, basis * n), basis, n, basis), basis);
    const small = symmetricEigen(T, basis);
    const keep = Math.min(b, basis);
    const Ykeep = small.vectors.subarray(0, keep * basis);
    const X = matMul(Ykeep, Q.subarray(0, basis * n), keep, basis, n);
    const AX = matMul(Ykeep, AQ.subarray(0, basis * n), keep, basis, n);
    let res = 0;
    const scale = Math.max(Math.abs(small.values[0]), Number.MIN_VALUE);
    for (let j = 0; j < Math.min(k, keep); j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += (AX[j * n + r] - small.values[j] * X[j * n + r]) ** 2;
      res = Math.max(res, Math.sqrt(s) / scale);
    }
    result = { n, values: small.values.slice(0, k), vectors: X.slice(0, k * n), residual: res, restarts: restart };
    if (res <= tol || basis === n) break;
    // thick restart from the best b Ritz vectors
    Q.fill(0);
    Q.set(X);
    basis = orthonormalize(Q, n, 0, keep);
  }
  return result;
}
