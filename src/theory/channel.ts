/**
 * Reading the dissipation Gramian W (THEORY.md instrument 2): the signal channel
 * span{ψ_j : λ_j > τ·λ_max}, the reservoir (the rest, numerically ker W), the
 * share of a vector's energy in the channel, and G_Q's action on both sides —
 * the live test of ker W ⊆ ker G_Q.
 */
import { dot } from './dense';
import type { Eigen } from './eigen';

/** Channel dimension: #{j : λ_j > τ·λ_max} (0 while W = 0). */
export function channelDimension(eig: Eigen, tau: number): number {
  const lmax = eig.values[0] ?? 0;
  if (!(lmax > 0)) return 0;
  let dim = 0;
  while (dim < eig.values.length && eig.values[dim] > tau * lmax) dim++;
  return dim;
}

/** Share of ‖x‖² in the channel span{ψ_1..ψ_dim} (null for x = 0). */
export function channelFraction(eig: Eigen, dim: number, x: ArrayLike<number>): number | null {
  const n = eig.n;
  const total = dot(x, x, n);
  if (total === 0) return null;
  let inside = 0;
  for (let j = 0; j < dim; j++) inside += dot(eig.vectors, x, n, j * n, 0) ** 2;
  return Math.min(1, inside / total);
}

/** ‖G_Q ψ_j‖ for every eigenvector ψ_j of W. */
export function transferNorms(GQ: Float64Array, NQ: number, eig: Eigen): Float64Array {
  const n = eig.n;
  return Float64Array.from({ length: eig.values.length }, (_, j) => {
    let s = 0;
    for (let r = 0; r < NQ; r++) s += dot(GQ, eig.vectors, n, r * n, j * n) ** 2;
    return Math.sqrt(s);
  });
}

/**
 * The live test of ker W ⊆ ker G_Q: max_reservoir ‖G_Q ψ‖ / max_channel ‖G_Q ψ‖
 * (null when either side is empty or the channel's transfer is 0).
 */
export function reservoirTransferRatio(norms: Float64Array, dim: number): number | null {
  if (dim === 0 || dim === norms.length) return null;
  let ch = 0;
  let res = 0;
  for (let j = 0; j < norms.length; j++) {
    if (j < dim) ch = Math.max(ch, norms[j]);
    else res = Math.max(res, norms[j]);
  }
  return ch > 0 ? res / ch : null;
}

/** G_Q x (NQ values). */
export function applyTransfer(GQ: Float64Array, NQ: number, N: number, x: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: NQ }, (_, r) => dot(GQ, x, N, r * N, 0));
}
