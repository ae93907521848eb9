/**
 * Probe kernels (THEORY.md "Discrete steps as actually trained", "Probe sets"):
 *   eNTK               K   = J Jᵀ
 *   effective kernel   K̃   = J D Q Jᵀ   (D: the optimizer's diagonal preconditioner, Q: the gate mask)
 *   cross kernel       K_QS = J_Q D Q J_Sᵀ  (or J_Q J_Sᵀ with ω = 1)
 * over the true parameters only. Computed from the per-layer factors
 * (`Sensitivities`) without materialising J — the structured formula
 *   K[(i,c),(j,c')] = Σ_l Σ_a Δ_l[(i,c),a] Δ_l[(j,c'),a] (Σ_b ω_W[a,b] x_i[b] x_j[b] + ω_b[a]) + embedding term
 * — and checked against the explicit dense product `denseKernel` in tests.
 */
import type { OptimizerName } from '../config/settings';
import type { NetLayout } from '../model/arch';
import type { TensorInfo } from '../model/layout';
import type { FloatArray } from '../reference/kernels';
import type { DenseSensitivities, Sensitivities } from './jacobian';

export interface PreconditionerInput {
  opt: OptimizerName;
  beta2: number;
  eps: number;
  /** optimizer steps taken (the bias correction's t) */
  t: number;
  /** Adam's second moment v (flat layout); unused for sgd */
  v: FloatArray | null;
  /** gate mask q of the last step (flat layout); null = gate off (Q = 1) */
  q: FloatArray | null;
  /**
   * The mean gradient, used before the first step (t = 0), when Adam has no second
   * moment yet: see `preconditionerWeights`.
   */
  grad?: FloatArray;
}

/**
 * ω = D·Q per parameter (flat layout): D = 1/(√(v/(1−β2ᵗ)) + ε) for the Adam
 * family (adamw, cautious, grokfast), D = 1 for sgd.
 *
 * Step 0 (t = 0, no second moment yet). Adam's first v̂ is g² itself, so the literal
 * linearisation is D = 1/(|g_k| + ε): a parameter whose mean gradient happens to
 * cancel to 5e-7 gets weight 2e6 and owns λ_max(K̃), although Adam's first step
 * moves it by at most η (the step is η·sign(g), not linear in g). That kernel says
 * nothing about the dynamics. Instead, before the first step each tensor T uses
 * its mean second moment, D_k = 1/(√(mean_{j∈T} g_j²) + ε): the scale Adam will
 * give T's parameters on average, with no single near-zero gradient in charge.
 * From t ≥ 1 the measured v̂ (an average over ~1/(1−β2) steps) is used as is.
 */
export function preconditionerWeights(layout: { tensors: readonly TensorInfo[]; totalSize: number }, o: PreconditionerInput): Float64Array {
  const omega = new Float64Array(layout.totalSize);
  const bc2 = 1 - Math.pow(o.beta2, o.t);
  for (const t of layout.tensors) {
    let tensorD = 1;
    if (o.opt !== 'sgd' && !(o.t > 0 && o.v) && o.grad) {
      let s = 0;
      for (let k = t.offset; k < t.offset + t.size; k++) s += o.grad[k] * o.grad[k];
      tensorD = 1 / (Math.sqrt(s / t.size) + o.eps);
    }
    for (let k = t.offset; k < t.offset + t.size; k++) {
      let D = 1;
      if (o.opt !== 'sgd') D = o.t > 0 && o.v ? 1 / (Math.sqrt(o.v[k] / bc2) + o.eps) : tensorD;
      omega[k] = D * (o.q ? o.q[k] : 1);
    }
  }
  return omega;
}

export type KernelView = 'full' | 'trace';

/**
 * K_AB = J_A diag(ω) J_Bᵀ (ω = null: plain eNTK). Full view: (mA·p) × (mB·p),
 * row (i, c); trace view: mA × mB, Σ_c of the diagonal logit pairs.
 */
export function kernelBlock(layout: NetLayout, A: Sensitivities, B: Sensitivities, omega: Float64Array | null, view: KernelView = 'full'): Float64Array {
  if (A.kind === 'dense' || B.kind === 'dense') {
    if (A.kind !== 'dense' || B.kind !== 'dense') throw new Error('kernelBlock: both sides must be dense, or both MLP factors');
    return denseKernelBlock(layout, A, B, omega, view);
  }
  if (layout.arch !== 'mlp') throw new Error("kernelBlock: the structured formula is the MLP's");
  const { p, d, layers } = layout;
  const sym = A === B;
  const full = view === 'full';
  const cols = full ? B.m * p : B.m;
  const K = new Float64Array((full ? A.m * p : A.m) * cols);
  const block = new Float64Array(p * p);
  const maxOut = Math.max(...layers.map((L) => L.out));
  const M = new Float64Array(maxOut);
  const T = new Float64Array(p * maxOut);
  const head = layers.length - 1;
  for (let i = 0; i < A.m; i++)
    for (let j = sym ? i : 0; j < B.m; j++) {
      block.fill(0);
      layers.forEach((L, l) => {
        const xi = A.X[l].subarray(i * L.in, (i + 1) * L.in);
        const xj = B.X[l].subarray(j * L.in, (j + 1) * L.in);
        // M[a] = Σ_b ω_W[a,b] x_i[b] x_j[b] + ω_b[a]: the layer's kernel between the two inputs, per output unit
        for (let a = 0; a < L.out; a++) {
          const wo = L.weight.offset + a * L.in;
          let s = omega ? omega[L.bias.offset + a] : 1;
          if (omega) for (let b = 0; b < L.in; b++) s += omega[wo + b] * xi[b] * xj[b];
          else for (let b = 0; b < L.in; b++) s += xi[b] * xj[b];
          M[a] = s;
        }
        if (l === head) {
          for (let c = 0; c < p; c++) block[c * p + c] += M[c]; // Δ_head = I
          return;
        }
        const dA = A.delta[l];
        const dB = B.delta[l];
        for (let c = 0; c < p; c++) {
          const ra = (i * p + c) * L.out;
          for (let a = 0; a < L.out; a++) T[c * L.out + a] = dA[ra + a] * M[a];
        }
        for (let c = 0; c < p; c++)
          for (let c2 = full ? 0 : c; c2 < (full ? p : c + 1); c2++) {
            const rb = (j * p + c2) * L.out;
            let s = 0;
            for (let a = 0; a < L.out; a++) s += T[c * L.out + a] * dB[rb + a];
            block[c * p + c2] += s;
          }
      });
      // embedding rows shared by the two points: every (slot, slot') pair naming the same row r
      for (let s1 = 0; s1 < 2; s1++)
        for (let s2 = 0; s2 < 2; s2++) {
          const r = A.tokens[2 * i + s1];
          if (r !== B.tokens[2 * j + s2]) continue;
          const eo = layout.embed.offset + r * d;
          for (let c = 0; c < p; c++)
            for (let c2 = full ? 0 : c; c2 < (full ? p : c + 1); c2++) {
              const ga = (i * p + c) * 2 * d + s1 * d;
              const gb = (j * p + c2) * 2 * d + s2 * d;
              let s = 0;
              for (let k = 0; k < d; k++) s += (omega ? omega[eo + k] : 1) * A.dX0[ga + k] * B.dX0[gb + k];
              block[c * p + c2] += s;
            }
        }
      if (full) {
        for (let c = 0; c < p; c++)
          for (let c2 = 0; c2 < p; c2++) {
            K[(i * p + c) * cols + j * p + c2] = block[c * p + c2];
            if (sym) K[(j * p + c2) * cols + i * p + c] = block[c * p + c2];
          }
      } else {
        let s = 0;
        for (let c = 0; c < p; c++) s += block[c * p + c];
        K[i * cols + j] = s;
        if (sym) K[j * cols + i] = s;
      }
    }
  return K;
}

/** The true-parameter entries of a flat-layout vector, in tensor order (J's column order). */
export function compactVector(layout: { tensors: readonly TensorInfo[]; paramCount: number }, flat: FloatArray): Float64Array {
  const out = new Float64Array(layout.paramCount);
  let q = 0;
  for (const t of layout.tensors) for (let e = 0; e < t.size; e++) out[q++] = flat[t.offset + e];
  return out;
}

/**
 * K_AB from dense Jacobians (the transformer's probe): full view J_A diag(ω) J_Bᵀ;
 * trace view Σ_c ⟨J_A[(i,c)], ω∘J_B[(j,c)]⟩ without forming the full block.
 */
function denseKernelBlock(layout: NetLayout, A: DenseSensitivities, B: DenseSensitivities, omega: Float64Array | null, view: KernelView): Float64Array {
  const { p } = A;
  const P = A.P;
  const w = omega ? compactVector(layout, omega) : null;
  const sym = A === B;
  const dot = (ra: number, rb: number) => {
    const a = A.J.subarray(ra * P, (ra + 1) * P);
    const b = B.J.subarray(rb * P, (rb + 1) * P);
    let s = 0;
    if (w) for (let k = 0; k < P; k++) s += a[k] * w[k] * b[k];
    else for (let k = 0; k < P; k++) s += a[k] * b[k];
    return s;
  };
  if (view === 'trace') {
    const K = new Float64Array(A.m * B.m);
    for (let i = 0; i < A.m; i++)
      for (let j = sym ? i : 0; j < B.m; j++) {
        let s = 0;
        for (let c = 0; c < p; c++) s += dot(i * p + c, j * p + c);
        K[i * B.m + j] = s;
        if (sym) K[j * B.m + i] = s;
      }
    return K;
  }
  const NA = A.m * p;
  const NB = B.m * p;
  const K = new Float64Array(NA * NB);
  for (let r = 0; r < NA; r++)
    for (let s = sym ? r : 0; s < NB; s++) {
      const v = dot(r, s);
      K[r * NB + s] = v;
      if (sym) K[s * NB + r] = v;
    }
  return K;
}

/** Explicit J_A diag(ω) J_Bᵀ from materialised Jacobians (NA × P, NB × P): the dense oracle. */
export function denseKernel(JA: Float64Array, JB: Float64Array, NA: number, NB: number, P: number, omega: Float64Array | null): Float64Array {
  const K = new Float64Array(NA * NB);
  for (let r = 0; r < NA; r++)
    for (let s = 0; s < NB; s++) {
      let acc = 0;
      for (let k = 0; k < P; k++) acc += JA[r * P + k] * (omega ? omega[k] : 1) * JB[s * P + k];
      K[r * NB + s] = acc;
    }
  return K;
}
