/**
 * Instrument 2, the channel/reservoir split (THEORY.md): the cumulative dissipation
 * Gramian W(s,T) = ∫ P_gᵀ K̃ P_g dτ, dense, with K̃ and B measured every r steps and
 * held over the interval in between, and the test transfer G_Q = ∫ K̃_QS P_g dτ.
 * K̃ and B are inputs, so the accumulator runs as well on a linear model (B = I/n,
 * K constant) as on the network. Reading W (channel, reservoir) is channel.ts's.
 *
 * Two integrators for one held interval of r steps at learning rate η (h = η·r):
 * - 'flow': the held-kernel gradient flow ∂τ g = −BK̃g integrated exactly,
 *   P ← e^{−hBK̃} P, W += Pᵀ[∫₀ʰ e^{−τK̃B} K̃ e^{−τBK̃} dτ]P, G_Q += K̃_QS[∫₀ʰ e^{−τBK̃} dτ]P;
 * - 'discrete': the exact r-step map of the linearised optimizer step
 *   g ← (I − ηBK̃) g, P ← (I − ηBK̃)^r P, W += Σ_{k<r} η P_kᵀK̃P_k, G_Q += Σ_{k<r} η K̃_QS P_k —
 *   what gradient descent does to first order; it diverges along modes with
 *   η·λ(BK̃) > 2 (the edge of stability), which the flow damps instead.
 * Both in closed form: with K̃ = R Rᵀ (pivoted Cholesky) and C = Rᵀ B R = V diag(c) Vᵀ,
 * Z = R V, any analytic f has f(BK̃) = f(0) I + B Z diag((f(c) − f(0))/c) Zᵀ and
 * K̃ f(BK̃) = Z diag(f(c)) Zᵀ, so one interval costs one r×r eigenproblem:
 *   P ← P − B Z diag(a(c)) Zᵀ P,  W += Pᵀ Z diag(φ(c)) Zᵀ P,  G_Q += K̃_QS (h P − B Z diag(F(c)) Zᵀ P),
 * flow:     a = (1 − e^{−hc})/c,  φ = (1 − e^{−2hc})/2c,  F = (hc − 1 + e^{−hc})/c²;
 * discrete: a = η Σ_{k<r} q^k,  φ = η Σ_{k<r} q^{2k},  F = η Σ_{k<r} a_k  (q = 1 − ηc).
 * The per-step stiffness η·λ_max(BK̃) = η·c_max is reported for both.
 */
import { matMul, matTMul, symmetrize, transpose } from './dense';
import { blockDiagonalTimes, type BlockDiagonal } from './crossEntropy';
import { symmetricEigen, symmetricEigenvalues, type Eigen } from './eigen';

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
  /** η·λ_max(BK̃) of the last interval, per optimizer step: above 2 the discrete map diverges along that mode */
  stiffnessPerStep = 0;
  /** the Hessian B at the restart s (the ceiling ½B_s⁺ of W while B is held) */
  Bs: BlockDiagonal | null = null;
  /** λ_max(W) after the first interval since the restart (the 'fixed' channel threshold's scale) */
  firstMax = 0;

  constructor(
    readonly N: number,
    readonly NQ = 0,
  ) {
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
    this.Bs = null;
    this.firstMax = 0;
  }

  /**
   * One held interval: `steps` optimizer steps at learning rate η with kernel K̃
   * (N × N), output Hessian B and cross kernel K̃_QS (NQ × N) held.
   */
  advance(eta: number, steps: number, K: Float64Array, B: BlockDiagonal, KQS: Float64Array | null, integrator: Integrator = 'flow'): void {
    this.Bs ??= B;
    const h = eta * steps;
    const { N, NQ, P } = this;
    const Rt = pivotedCholesky(K, N); // r × N, K ≈ Rtᵀ Rt
    const r = Rt.length / N;
    const R = transpose(Rt, r, N);
    const C = symmetrize(matTMul(R, blockDiagonalTimes(B, R, r), N, r, r), r);
    const eig = symmetricEigen(C, r);
    const c = eig.values.map((x) => Math.max(0, x));
    this.stiffnessPerStep = eta * (c[0] ?? 0);
    const fns = integrator === 'flow' ? flowFunctions(h) : discreteFunctions(eta, steps);
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
    const Wi = matTMul(Y, scaled(fns.phi), r, N, N);
    for (let i = 0; i < N * N; i++) this.W[i] += Wi[i];
    symmetrize(this.W, N);
    if (KQS && NQ > 0) {
      const M = blockDiagonalTimes(B, matTMul(Zt, scaled(fns.F), r, N, N), N);
      for (let i = 0; i < N * N; i++) M[i] = h * P[i] - M[i];
      const KQM = matMul(KQS, M, NQ, N, N);
      for (let i = 0; i < NQ * N; i++) this.GQ[i] += KQM[i];
    }
    const BZfY = blockDiagonalTimes(B, matTMul(Zt, scaled(fns.a), r, N, N), N);
    for (let i = 0; i < N * N; i++) P[i] -= BZfY[i];
    this.time += h;
    this.intervals++;
    if (this.intervals === 1) this.firstMax = Math.max(0, symmetricEigenvalues(this.W, N)[0] ?? 0);
  }

  /** All eigenpairs (λ_j, ψ_j) of W, descending. */
  eigen(): Eigen {
    return symmetricEigen(this.W, this.N);
  }
}

export type Integrator = 'flow' | 'discrete';

/** The scalar functions of one interval (header): a (propagator), φ (W), F (G_Q). */
export interface IntervalFunctions {
  a: (c: number) => number;
  phi: (c: number) => number;
  F: (c: number) => number;
}

export function flowFunctions(h: number): IntervalFunctions {
  return { a: (c) => flowExp(h, c), phi: (c) => flowPhi(h, c), F: (c) => flowF(h, c) };
}

/**
 * The r-step sums, q = 1 − ηc: a = η Σ_{k<r} q^k (= (1 − q^r)/c, but summed, so c → 0
 * and q < 0 need no special case), φ = η Σ_{k<r} q^{2k}, F = η Σ_{k<r} a_k.
 */
export function discreteFunctions(eta: number, steps: number): IntervalFunctions {
  const sums = (c: number) => {
    const q = 1 - eta * c;
    let qk = 1;
    let a = 0;
    let phi = 0;
    let F = 0;
    for (let k = 0; k < steps; k++) {
      F += eta * a; // a_k before the k-th term is added: a_0 = 0
      phi += eta * qk * qk;
      a += eta * qk;
      qk *= q;
    }
    return { a, phi, F };
  };
  return { a: (c) => sums(c).a, phi: (c) => sums(c).phi, F: (c) => sums(c).F };
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
