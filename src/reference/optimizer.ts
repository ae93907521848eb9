/**
 * The optimizer step and the gate, as the WGSL in shaders/optim.wgsl computes them.
 *
 *   Δw = −η·wd·w − η·s_T·c_k·q_k·u_k
 *
 * u: the optimizer's direction (AdamW m̂/(√v̂+ε), SGD momentum buffer), computed
 * from the raw mean gradient (Grokfast first adds λ·EMA(g)). q: the gate mask
 * (1 when off). c, s_T: Cautious's sign-agreement mask and its per-tensor rescale
 * 1/max(mean c, 1e−3) (1 for the other optimizers). Weight decay is decoupled and
 * never gated; Adam's moments always see the (ungated) gradient.
 *
 * Gate statistics for a batch of b examples with per-example gradients g_ik:
 *   μ_k = (1/b)Σ_i g_ik (the mean gradient),  σ_k² = (1/b)Σ_i g_ik² − μ_k²,
 * from sq_k = Σ_i (g_ik/b)² (what the squared-operand pass produces, because the
 * backward runs on the 1/b-scaled output gradient): (1/b)Σ g² = b·sq.
 *   exact-hard  q = [μ² > σ²/(b−1)]
 *   exact-soft  q = μ² / (μ² + λσ²/(b−1))
 *   stream      s ← ρs + (1−ρ)(g − m_prev)², ŝ = s/(1−ρᵗ), q = m̂²/(m̂² + λαŝ + ε_q)
 *   stream-hard q = [m̂² > αŝ]
 */
import type { ModelLayout } from '../model/layout';
import type { FloatArray } from './kernels';
import { STREAM_RHO, type OptimParams } from '../model/rules';

// shared with the engine (src/model/rules.ts)
export { STREAM_RHO, gateUsesExactStats, type OptimParams } from '../model/rules';

export const GROKFAST_ALPHA = 0.98;
export const GROKFAST_LAMBDA = 2;
/** keeps the soft masks finite (0/0 → 0) without moving them: far below any μ² that matters in f32 */
export const Q_EPS = 1e-30;
export const CAUTIOUS_MIN_MEAN = 1e-3;

export interface OptimState {
  m: FloatArray;
  v: FloatArray;
  /** SGD momentum buffer, or Grokfast's slow gradient EMA */
  aux: FloatArray;
  /** stream gate: EMA of the centred gradient variance */
  s: FloatArray;
}

export function newOptimState(size: number, f64 = true): OptimState {
  const mk = () => (f64 ? new Float64Array(size) : new Float32Array(size));
  return { m: mk(), v: mk(), aux: mk(), s: mk() };
}

/** Per element: updates the state, returns (u, q, c) into the output arrays. */
export function optimDirection(grad: FloatArray, sq: FloatArray, st: OptimState, hp: OptimParams, u: FloatArray, q: FloatArray, c: FloatArray, n: number): void {
  const bc1 = 1 - Math.pow(hp.beta1, hp.t);
  const bc2 = 1 - Math.pow(hp.beta2, hp.t);
  const bcs = 1 - Math.pow(STREAM_RHO, Math.max(hp.tStream, 1));
  for (let k = 0; k < n; k++) {
    const mu = grad[k];
    let g = mu;
    if (hp.opt === 'grokfast') {
      st.aux[k] = GROKFAST_ALPHA * st.aux[k] + (1 - GROKFAST_ALPHA) * mu;
      g = mu + GROKFAST_LAMBDA * st.aux[k];
    }
    const mPrev = st.m[k];
    st.m[k] = hp.beta1 * st.m[k] + (1 - hp.beta1) * g;
    st.v[k] = hp.beta2 * st.v[k] + (1 - hp.beta2) * g * g;
    const mHat = st.m[k] / bc1;
    let dir: number;
    if (hp.opt === 'sgd') {
      st.aux[k] = hp.momentum * st.aux[k] + g;
      dir = st.aux[k];
    } else {
      dir = mHat / (Math.sqrt(st.v[k] / bc2) + hp.eps);
    }
    let gate = 1;
    switch (hp.gate) {
      case 'exact-hard':
      case 'exact-soft': {
        const mu2 = mu * mu;
        const varMean = Math.max(hp.b * sq[k] - mu2, 0) / (hp.b - 1);
        gate = hp.gate === 'exact-hard' ? (mu2 > varMean ? 1 : 0) : mu2 / (mu2 + hp.softness * varMean + Q_EPS);
        break;
      }
      case 'stream':
      case 'stream-hard': {
        const dev = g - mPrev;
        st.s[k] = STREAM_RHO * st.s[k] + (1 - STREAM_RHO) * dev * dev;
        const sHat = st.s[k] / bcs;
        const m2 = mHat * mHat;
        gate = hp.gate === 'stream-hard' ? (m2 > hp.streamAlpha * sHat ? 1 : 0) : m2 / (m2 + hp.softness * hp.streamAlpha * sHat + Q_EPS);
        break;
      }
      case 'off':
        break;
    }
    u[k] = dir;
    q[k] = gate;
    c[k] = hp.opt === 'cautious' ? (dir * mu > 0 ? 1 : 0) : 1;
  }
}

/** Per tensor: (Σq, Σc) over its true elements. */
export function tensorMaskSums(layout: Pick<ModelLayout, 'tensors'>, q: FloatArray, c: FloatArray): Float64Array {
  const out = new Float64Array(2 * layout.tensors.length);
  layout.tensors.forEach((t, i) => {
    for (let k = t.offset; k < t.offset + t.size; k++) {
      out[2 * i] += q[k];
      out[2 * i + 1] += c[k];
    }
  });
  return out;
}

export function optimApply(layout: Pick<ModelLayout, 'tensors'>, w: FloatArray, u: FloatArray, q: FloatArray, c: FloatArray, sums: Float64Array, hp: OptimParams): void {
  layout.tensors.forEach((t, i) => {
    const scale = hp.opt === 'cautious' ? 1 / Math.max(sums[2 * i + 1] / t.size, CAUTIOUS_MIN_MEAN) : 1;
    for (let k = t.offset; k < t.offset + t.size; k++) w[k] = w[k] - hp.lr * hp.wd * w[k] - hp.lr * scale * c[k] * q[k] * u[k];
  });
}
