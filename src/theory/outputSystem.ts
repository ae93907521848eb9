/**
 * The output-space system over the WHOLE training set S and the whole held-out set Q
 * (THEORY.md instrument 2), matrix-free:
 *
 *   K̃_SS v = J_S diag(ω) J_Sᵀ v,   K̃_QS v = J_Q diag(ω) J_Sᵀ v,   K̃_QQ v likewise,
 *
 * each product one vector-Jacobian product (back-propagating v as the output
 * gradient) and one Jacobian-vector product (forward-mode tangent), O(n·P) work and
 * O(n·width) memory: nothing of size N² is formed, so it runs at any preset size.
 * With the output gradient g = ∇_u Φ_S and Hessian B = ∇²_u Φ_S (block-diagonal,
 * one p×p block per point, both scaled 1/n), and the symmetric square roots
 * B^{1/2}, B^{+1/2} (pseudo-inverse on range B), the propagator of ∂t g = −B K̃ g is
 * B^{1/2} e^{−tA} B^{+1/2} on range B with A = B^{1/2} K̃ B^{1/2} symmetric PSD —
 * the operator the Lanczos functions in krylov.ts act on.
 *
 * Losses: mean cross-entropy, g_i = (softmax(u_i) − onehot(y_i))/n,
 * B_i = (diag s_i − s_i s_iᵀ)/n (B 1 = 0: the logit shift that softmax ignores is
 * ker B, and g never has a component there); squared loss Φ = (1/2n)Σ‖u_i − y_i‖²,
 * g = (u − y)/n, B = I/n.
 */
import type { FloatArray } from '../reference/kernels';
import { blockDiagonalTimes, crossEntropyGradient, crossEntropyHessian, type BlockDiagonal } from './crossEntropy';
import { symmetricEigen } from './eigen';
import type { NetCache, TheoryNet } from './network';

export type OutputLoss = { kind: 'cross-entropy'; labels: ArrayLike<number> } | { kind: 'squared'; targets: Float64Array };

export interface PointSet {
  tokens: Uint32Array;
  /** number of points */
  m: number;
}

export class OutputSystem {
  readonly n: number;
  readonly p: number;
  /** rows of the training outputs (n·p) and held-out outputs (m_Q·p) */
  readonly N: number;
  readonly NQ: number;
  readonly U: Float64Array;
  readonly UQ: Float64Array;
  readonly g: Float64Array;
  readonly B: BlockDiagonal;
  readonly Bhalf: BlockDiagonal;
  readonly BhalfPinv: BlockDiagonal;
  /** K̃ products taken so far (each one VJP + one JVP) */
  products = 0;
  private readonly cacheS: NetCache;
  private readonly cacheQ: NetCache;

  /**
   * @param omega  ω = D·Q per parameter (flat layout), the optimizer's preconditioner and gate
   * @param nScale the n of the 1/n in g and B (the training set size)
   */
  constructor(
    readonly net: TheoryNet,
    readonly w: FloatArray,
    readonly omega: Float64Array,
    readonly train: PointSet,
    readonly test: PointSet,
    loss: OutputLoss,
    nScale: number = train.m,
  ) {
    const p = net.p;
    this.n = train.m;
    this.p = p;
    this.N = train.m * p;
    this.NQ = test.m * p;
    this.cacheS = net.forward(w, train.tokens, train.m);
    this.cacheQ = net.forward(w, test.tokens, test.m);
    this.U = this.cacheS.logits;
    this.UQ = this.cacheQ.logits;
    if (loss.kind === 'cross-entropy') {
      this.g = crossEntropyGradient(this.U, loss.labels, train.m, p, nScale);
      this.B = crossEntropyHessian(this.U, train.m, p, nScale);
    } else {
      this.g = this.U.map((u, i) => (u - loss.targets[i]) / nScale);
      this.B = squaredLossHessian(train.m, p, nScale);
    }
    [this.Bhalf, this.BhalfPinv] = blockSquareRoots(this.B);
  }

  /** Jᵀv (flat layout) on a set, by back-propagating v as the output gradient */
  private vjp(cache: NetCache, v: Float64Array): Float64Array {
    const grad = this.net.vjp(this.w, cache, v);
    for (let k = 0; k < grad.length; k++) grad[k] *= this.omega[k];
    return grad;
  }

  /** K̃_SS v */
  applyK = (v: Float64Array): Float64Array => {
    this.products++;
    return this.net.jvp(this.w, this.cacheS, this.vjp(this.cacheS, v));
  };

  /** K̃_QS v (v on the training outputs) */
  applyKQS = (v: Float64Array): Float64Array => {
    this.products++;
    return this.net.jvp(this.w, this.cacheQ, this.vjp(this.cacheS, v));
  };

  /** K̃_QQ v (v on the held-out outputs) */
  applyKQQ = (v: Float64Array): Float64Array => {
    this.products++;
    return this.net.jvp(this.w, this.cacheQ, this.vjp(this.cacheQ, v));
  };

  /**
   * The factor R = J_S diag(√ω) of K̃ = R Rᵀ (N × P), and the parameter-space form of
   * BK̃, C = Rᵀ B R (P × P, symmetric PSD): f(BK̃) = f(0)·I − B R ((f(0) − f(C))/C) Rᵀ,
   * exactly, for every output vector (wholeGramian.ts). Rᵀx is one VJP, R v one JVP.
   */
  applyRt = (x: Float64Array): Float64Array => {
    const grad = this.net.vjp(this.w, this.cacheS, x);
    const s = this.sqrtOmega;
    for (let k = 0; k < grad.length; k++) grad[k] *= s[k];
    return grad;
  };

  applyR = (v: Float64Array): Float64Array => {
    const s = this.sqrtOmega;
    return this.net.jvp(
      this.w,
      this.cacheS,
      v.map((x, k) => x * s[k]),
    );
  };

  /** C v = Rᵀ B R v: one JVP and one VJP, counted as one K̃ product */
  applyC = (v: Float64Array): Float64Array => {
    this.products++;
    return this.applyRt(blockDiagonalTimes(this.B, this.applyR(v), 1));
  };

  private get sqrtOmega(): Float64Array {
    return (this.sqrtOmegaCache ??= this.omega.map(Math.sqrt));
  }

  private sqrtOmegaCache: Float64Array | null = null;

  /** J_Q v (v a parameter direction, flat layout): the first-order change of the held-out outputs */
  applyJQ = (v: FloatArray): Float64Array => this.net.jvp(this.w, this.cacheQ, v);

  /** A z = B^{1/2} K̃ B^{1/2} z, the symmetric form of B K̃ */
  applyA = (z: Float64Array): Float64Array => blockDiagonalTimes(this.Bhalf, this.applyK(blockDiagonalTimes(this.Bhalf, z, 1)), 1);

  /** B K̃ v */
  applyBK = (v: Float64Array): Float64Array => blockDiagonalTimes(this.B, this.applyK(v), 1);
}

/** B = I/n for the squared loss Φ = (1/2n)Σ‖u − y‖²: m blocks of p × p (the dense W's and the whole-set system's) */
export function squaredLossHessian(m: number, p: number, n: number): BlockDiagonal {
  const blocks = new Float64Array(m * p * p);
  for (let i = 0; i < m; i++) for (let c = 0; c < p; c++) blocks[i * p * p + c * p + c] = 1 / n;
  return { size: p, count: m, blocks };
}

/**
 * B^{1/2} and B^{+1/2} per p×p block, from each block's eigendecomposition;
 * eigenvalues below 1e-13 of the block's largest are rounding of ker B (the logit
 * shift, and classes a confident softmax has saturated to ~0) and count as 0.
 */
export function blockSquareRoots(B: BlockDiagonal): [BlockDiagonal, BlockDiagonal] {
  const { size: p, count } = B;
  const half = new Float64Array(count * p * p);
  const pinv = new Float64Array(count * p * p);
  for (let i = 0; i < count; i++) {
    const e = symmetricEigen(B.blocks.subarray(i * p * p, (i + 1) * p * p), p);
    const top = Math.max(0, e.values[0] ?? 0);
    for (let j = 0; j < p; j++) {
      const lam = e.values[j];
      if (!(lam > 1e-13 * top)) continue;
      const s = Math.sqrt(lam);
      const v = e.vectors.subarray(j * p, (j + 1) * p);
      for (let a = 0; a < p; a++)
        for (let b = 0; b < p; b++) {
          half[i * p * p + a * p + b] += s * v[a] * v[b];
          pinv[i * p * p + a * p + b] += (v[a] * v[b]) / s;
        }
    }
  }
  return [
    { size: p, count, blocks: half },
    { size: p, count, blocks: pinv },
  ];
}

/** The component of x in ker B's per-point shift direction removed (cross-entropy's centring; identity for squared loss). */
export function centrePerPoint(x: Float64Array, p: number): Float64Array {
  const out = x.slice();
  for (let i = 0; i < x.length / p; i++) {
    let s = 0;
    for (let c = 0; c < p; c++) s += x[i * p + c];
    for (let c = 0; c < p; c++) out[i * p + c] -= s / p;
  }
  return out;
}
