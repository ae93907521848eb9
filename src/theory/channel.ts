/**
 * Reading the dissipation Gramian W(s,T) (THEORY.md instrument 2): which output
 * directions training has dissipated (the signal channel) and which it has not (the
 * reservoir), the share of a vector's energy on each side, and G_Q's action on both.
 *
 * The yardstick is scale-free. While B is held, d/dτ(Pᵀ B⁺ P) = −2 Pᵀ K̃ P, so
 *   W = ½ (B⁺ − Pᵀ B⁺ P):
 * W is bounded by its ceiling ½B⁺ and reaches it along a direction exactly as that
 * direction's propagated gradient decays. In the normalised coordinates
 * z = B_s^{+1/2} ψ (B_s the Hessian at the restart s) the Gramian reads
 *   W̄ = 2 B_s^{1/2} W B_s^{1/2},   eigenvalues μ_j ∈ [0, 1] while B is held,
 * and μ_j = 1 − ‖P̄ φ_j‖², the fraction of the mode's (B⁺-)energy that training has
 * dissipated. Definitions of the channel, each a dimension and a subspace:
 * - `decayed` (the primary one): μ_j ≥ 1 − e^{−2}, the mode's propagated gradient
 *   has decayed by 1/e or more ("modes below some threshold have barely moved" are
 *   the reservoir). It needs no tuning, does not depend on the learning rate, the
 *   optimizer's scale or the time since s, and it never shrinks between restarts:
 *   W only grows in the Loewner order and B_s is fixed, so each μ_j only grows.
 * - `fixed`: λ_j(W) > τ·λ₁(W after the first interval since s), a threshold in W's
 *   own units frozen at the restart (also monotone); shown beside `decayed`, it makes
 *   visible how much the choice of threshold matters.
 * - `kernel`: the numerical null space of W̄, μ_j ≤ 1e-9 (a billionth of the
 *   ceiling, far above float64 rounding of W̄'s O(1) entries): the seed's reservoir
 *   ker W in the strict sense, where the claim ker W ⊆ ker G_Q is tested.
 * A threshold relative to the running λ_max(W) is not offered: under Adam λ_max grows
 * by orders of magnitude while W only accumulates, so such a "channel" shrinks as an
 * artefact of the moving threshold.
 */
import { blockDiagonalTimes, type BlockDiagonal } from './crossEntropy';
import { dot } from './dense';
import type { Eigen } from './eigen';

/** μ ≥ 1 − e^{−2} ⟺ ‖P̄φ‖ ≤ e^{−1} under a held B */
export const DECAYED_LEVEL = 1 - Math.exp(-2);
/** μ ≤ this: the numerical kernel of W̄ */
export const KERNEL_LEVEL = 1e-9;

export type ChannelDefinition = 'decayed' | 'fixed';

/** #{j : values_j ≥ level} for a descending spectrum (strictly greater when `strict`). */
export function countAbove(values: ArrayLike<number>, level: number, strict = false): number {
  let dim = 0;
  while (dim < values.length && (strict ? values[dim] > level : values[dim] >= level)) dim++;
  return dim;
}

/** W̄ = 2 Bh W Bh for the symmetric square root Bh = B_s^{1/2} (block-diagonal). */
export function normalisedGramian(W: Float64Array, N: number, Bhalf: BlockDiagonal): Float64Array {
  const left = blockDiagonalTimes(Bhalf, W, N); // Bh W
  // (Bh W) Bh = (Bh (Bh W)ᵀ)ᵀ, and Bh W Bh is symmetric, so Bh (Bh W)ᵀ is the answer transposed
  const t = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) t[j * N + i] = left[i * N + j];
  const out = blockDiagonalTimes(Bhalf, t, N);
  for (let i = 0; i < N; i++)
    for (let j = i; j < N; j++) {
      const v = out[i * N + j] + out[j * N + i]; // 2 × the symmetric part
      out[i * N + j] = out[j * N + i] = v;
    }
  return out;
}

/**
 * Share of ‖x‖² in span{vectors_j : j ∈ [from, to)} of an eigenbasis (null for x = 0):
 * the channel is [0, dim), the reservoir [dim, n), the kernel [n − kernelDim, n).
 */
export function subspaceFraction(eig: Eigen, from: number, to: number, x: ArrayLike<number>): number | null {
  const n = eig.n;
  const total = dot(x, x, n);
  if (total === 0) return null;
  let inside = 0;
  for (let j = from; j < to; j++) inside += dot(eig.vectors, x, n, j * n, 0) ** 2;
  return Math.min(1, inside / total);
}

/** ‖G_Q y_j‖ for the given vectors y_j (rows of `Y`, count × N). */
export function transferNorms(GQ: Float64Array, NQ: number, Y: Float64Array, N: number): Float64Array {
  const count = Y.length / N;
  return Float64Array.from({ length: count }, (_, j) => {
    let s = 0;
    for (let r = 0; r < NQ; r++) s += dot(GQ, Y, N, r * N, j * N) ** 2;
    return Math.sqrt(s);
  });
}

/**
 * ker W ⊆ ker G_Q, read on W̄'s eigenvectors mapped back to gradients ψ_j = B_s^{1/2} φ_j:
 * ratio = max_{kernel} ‖G_Q ψ‖ / max_{channel} ‖G_Q ψ‖, beside what Cauchy–Schwarz
 * alone allows, bound = √(Λ_QQ · max_{kernel} μ/2) / max_{channel} ‖G_Q ψ‖ with
 * Λ_QQ = ∫ λ_max(K̃_QQ) dτ — because K̃_QS and K̃ share J_S and D,
 * ‖G_Q ψ‖² ≤ Λ_QQ ψᵀWψ = Λ_QQ μ/2 holds by construction, so a small ratio is only
 * evidence when it is far below the bound. Null when either side is empty.
 */
export function transferCheck(norms: Float64Array, mu: ArrayLike<number>, channelDim: number, kernelDim: number, LambdaQQ: number): { ratio: number | null; bound: number | null } {
  const n = norms.length;
  if (channelDim === 0 || kernelDim === 0) return { ratio: null, bound: null };
  let ch = 0;
  for (let j = 0; j < channelDim; j++) ch = Math.max(ch, norms[j]);
  let ker = 0;
  let muKer = 0;
  for (let j = n - kernelDim; j < n; j++) {
    ker = Math.max(ker, norms[j]);
    muKer = Math.max(muKer, mu[j]);
  }
  if (!(ch > 0)) return { ratio: null, bound: null };
  return { ratio: ker / ch, bound: Math.sqrt((Math.max(0, LambdaQQ) * Math.max(0, muKer)) / 2) / ch };
}

/** G_Q x (NQ values). */
export function applyTransfer(GQ: Float64Array, NQ: number, N: number, x: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: NQ }, (_, r) => dot(GQ, x, N, r * N, 0));
}
