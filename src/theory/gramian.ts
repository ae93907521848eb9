/**
 * Instrument 2, the channel/reservoir split (THEORY.md): the discrete cumulative
 * dissipation Gramian on the probe's full view,
 *
 *   P_0 = I;   W ← W + h_t P_tᵀ K̃_t P_t;   G_Q ← G_Q + h_t K̃_QS,t P_t;   P_{t+1} = (I − h_t B_t K̃_t) P_t
 *
 * with h_t = η_t·r (the kernel held over r steps). K̃ and B are inputs, so the
 * accumulator runs as well on a linear model (B = I/n, K constant) as on the MLP.
 * Eigenpairs (λ_j, ψ_j) of W: signal channel λ_j > τ·λ_max, reservoir the rest.
 *
 * Two integrators for one held interval:
 * - 'euler', the update above, literally: exact for discrete gradient descent on
 *   a linear model with r = 1, but unstable once h·λ_max(BK̃) > 2 — and with
 *   Adam's D the probe kernel is that stiff (h·λ_max ~ 10–10³ at η·r = 0.2 on the tiny preset);
 * - 'flow' (default), the held-kernel gradient flow integrated exactly:
 *   P ← e^{−hBK̃} P, W += Pᵀ[∫₀ʰ e^{−τK̃B} K̃ e^{−τBK̃} dτ]P, G_Q += K̃_QS[∫₀ʰ e^{−τBK̃} dτ]P.
 *   With K̃ = R Rᵀ (pivoted Cholesky) and C = Rᵀ B R = V diag(c) Vᵀ, Z = R V:
 *   e^{−hBK̃} = I − B Z f(c) Zᵀ, ∫ e^{−τK̃B}K̃e^{−τBK̃} = Z φ(c) Zᵀ, ∫ e^{−τBK̃} = hI − B Z F(c) Zᵀ,
 *   f = (1−e^{−hc})/c, φ = (1−e^{−2hc})/2c, F = (hc−1+e^{−hc})/c². Stable for any h.
 */
import { matMul, matTMul, symmetrize, transpose } from './dense';
import { blockDiagonalTimes, type BlockDiagonal } from './crossEntropy';
import { symmetricEigen, type Eigen } from './eigen';

export class DissipationGramian {
  /** W (N × N) */
  W: Float64Array;
  /** P_t (N × N), the propagator of g since the restart */
  P: Float64Array;
  /** G_Q (NQ × N), the test transfer operator */
  GQ: Float64Array;
  /** Σ h over the intervals accumulated since the restart */
  time = 0;
  intervals = 0;
  /** h·λ_max(BK̃) of the last 'flow' interval: above 2 the 'euler' update would diverge. */
  stiffness = 0;

  constructor(readonly N: number, readonly NQ = 0) {
    this.W = new Float64Array(N * N);
    this.P = new Float64Array(N * N);
    this.GQ = new Float64Array(NQ * N);
    this.restart();
  }

  /** s := now: P = I, W = 0, G_Q = 0. */
  restart(): void {
    const N = this.N;
    this.W.fill(0);
    this.GQ.fill(0);
    this.P.fill(0);
    for (let i = 0; i < N; i++) this.P[i * N + i] = 1;
    this.time = 0;
    this.intervals = 0;
  }

  /** One held interval of length h (= η·r) with kernel K̃ (N × N), output Hessian B, cross kernel K̃_QS (NQ × N). */
  advance(h: number, K: Float64Array, B: BlockDiagonal, KQS: Float64Array | null, integrator: 'flow' | 'euler' = 'flow'): void {
    if (integrator === 'flow') this.advanceFlow(h, K, B, KQS);
    else this.advanceEuler(h, K, B, KQS);
    this.time += h;
    this.intervals++;
  }

  private advanceEuler(h: number, K: Float64Array, B: BlockDiagonal, KQS: Float64Array | null): void {
    const { N, NQ, P } = this;
    const KP = matMul(K, P, N, N, N);
    const PtKP = matTMul(P, KP, N, N, N);
    for (let i = 0; i < N * N; i++) this.W[i] += h * PtKP[i];
    symmetrize(this.W, N);
    if (KQS && NQ > 0) {
      const KQP = matMul(KQS, P, NQ, N, N);
      for (let i = 0; i < NQ * N; i++) this.GQ[i] += h * KQP[i];
    }
    // P ← P − h·B·(K̃ P)
    const BKP = blockDiagonalTimes(B, KP, N);
    for (let i = 0; i < N * N; i++) P[i] -= h * BKP[i];
  }

  private advanceFlow(h: number, K: Float64Array, B: BlockDiagonal, KQS: Float64Array | null): void {
    const { N, NQ, P } = this;
    const Rt = pivotedCholesky(K, N); // r × N, K ≈ Rtᵀ Rt
    const r = Rt.length / N;
    const R = transpose(Rt, r, N);
    const C = symmetrize(matTMul(R, blockDiagonalTimes(B, R, r), N, r, r), r);
    const eig = symmetricEigen(C, r);
    const c = eig.values.map((x) => Math.max(0, x));
    this.stiffness = h * (c[0] ?? 0);
    const Zt = matMul(eig.vectors, Rt, r, r, N); // rows: columns of Z = R V
    const Y = matMul(Zt, P, r, N, N); // Zᵀ P
    const scaled = (fn: (x: number) => number) => {
      const out = new Float64Array(r * N);
      for (let j = 0; j < r; j++) {
        const s = fn(c[j]);
        for (let i = 0; i < N; i++) out[j * N + i] = s * Y[j * N + i];
      }
      return out;
    };
    const Wi = matTMul(Y, scaled((x) => flowPhi(h, x)), r, N, N);
    for (let i = 0; i < N * N; i++) this.W[i] += Wi[i];
    symmetrize(this.W, N);
    if (KQS && NQ > 0) {
      const M = blockDiagonalTimes(B, matTMul(Zt, scaled((x) => flowF(h, x)), r, N, N), N);
      for (let i = 0; i < N * N; i++) M[i] = h * P[i] - M[i];
      const KQM = matMul(KQS, M, NQ, N, N);
      for (let i = 0; i < NQ * N; i++) this.GQ[i] += KQM[i];
    }
    const BZfY = blockDiagonalTimes(B, matTMul(Zt, scaled((x) => flowExp(h, x)), r, N, N), N);
    for (let i = 0; i < N * N; i++) P[i] -= BZfY[i];
  }

  /** All eigenpairs (λ_j, ψ_j) of W, descending. */
  eigen(): Eigen {
    return symmetricEigen(this.W, this.N);
  }
}

/** f(c) = (1 − e^{−hc})/c, → h as c → 0. */
const flowExp = (h: number, c: number) => (c * h < 1e-12 ? h : -Math.expm1(-h * c) / c);
/** φ(c) = ∫₀ʰ e^{−2τc} dτ = (1 − e^{−2hc})/2c. */
const flowPhi = (h: number, c: number) => (c * h < 1e-12 ? h : -Math.expm1(-2 * h * c) / (2 * c));
/** F(c) = ∫₀ʰ f_τ(c) dτ = (hc − 1 + e^{−hc})/c²; a series below hc = 1e-3, where the difference cancels. */
function flowF(h: number, c: number): number {
  const x = h * c;
  if (x < 1e-3) return h * h * (0.5 - x / 6 + (x * x) / 24);
  return (x + Math.expm1(-x)) / (c * c);
}

/**
 * K ≈ Rᵀ R for a symmetric positive semidefinite K, R (r × N) with r = numerical
 * rank: greedy pivoting on the largest remaining diagonal, stopping when it falls
 * below 1e-14 of the largest diagonal (what is left is rounding).
 */
export function pivotedCholesky(K: Float64Array, N: number, relTol = 1e-14): Float64Array {
  const diag = Float64Array.from({ length: N }, (_, i) => K[i * N + i]);
  const top = Math.max(0, ...diag);
  const rows: Float64Array[] = [];
  const used = new Uint8Array(N);
  while (rows.length < N) {
    let j = -1;
    for (let i = 0; i < N; i++) if (!used[i] && (j < 0 || diag[i] > diag[j])) j = i;
    if (j < 0 || !(diag[j] > relTol * top)) break;
    used[j] = 1;
    const row = Float64Array.from({ length: N }, (_, i) => K[i * N + j]);
    for (const prev of rows) {
      const pj = prev[j];
      if (pj !== 0) for (let i = 0; i < N; i++) row[i] -= pj * prev[i];
    }
    const piv = Math.sqrt(diag[j]);
    for (let i = 0; i < N; i++) {
      row[i] = used[i] && i !== j ? 0 : row[i] / piv;
      diag[i] -= row[i] * row[i];
    }
    diag[j] = 0;
    rows.push(row);
  }
  const R = new Float64Array(rows.length * N);
  rows.forEach((row, k) => R.set(row, k * N));
  return R;
}
