/**
 * The probe Jacobian J = ∂U/∂w (THEORY.md notation, full view: row (i, c) = logit c
 * of probe point i, N = m·p rows, one column per true parameter — layout padding
 * is skipped).
 *
 * An MLP's Jacobian factors per layer: ∂u_ic/∂W_l[a,b] = Δ_l[(i,c),a]·X_l[i,b],
 * ∂u_ic/∂b_l[a] = Δ_l[(i,c),a], where X_l are the layer inputs and
 * Δ_l = ∂u/∂z_l the output sensitivities. Δ comes from back-propagating the p
 * one-hot output gradients of every point at once (G = I_p per point, a batch of
 * m·p rows through the transposed layers). Kernels and J·v use the factors;
 * `probeJacobian` materialises J from them for tests and small probes.
 */
import type { ModelLayout, TensorInfo } from '../model/layout';
import { activateGrad, type FloatArray } from '../reference/kernels';
import { forward, type ForwardCache } from '../reference/mlp';
import { matMul } from './dense';
import { compactVector } from './kernels';

/** What the probe kernels are computed from: the MLP's per-layer factors, or a dense J (network.ts). */
export type Sensitivities = MlpSensitivities | DenseSensitivities;

/** The dense probe Jacobian: row (i, c) = ∂u_ic/∂w over the compact (padding-free) columns. */
export interface DenseSensitivities {
  kind: 'dense';
  m: number;
  p: number;
  /** operands, 2 per point */
  tokens: Uint32Array;
  /** (m·p) × P, row-major */
  J: Float64Array;
  P: number;
  logits: Float64Array;
}

export interface MlpSensitivities {
  kind: 'mlp';
  m: number;
  p: number;
  /** operands, 2 per point */
  tokens: Uint32Array;
  /** per layer l (hidden layers, then the head): inputs X_l, m × in_l */
  X: Float64Array[];
  /** per layer l: Δ_l = ∂u/∂z_l, (m·p) × out_l, row (i, c) */
  delta: Float64Array[];
  /** ∂u/∂x_0 for x_0 = concat(E[a], E[b]): (m·p) × 2d */
  dX0: Float64Array;
  /** U: the logits, m × p (= the full-view outputs, flattened) */
  logits: Float64Array;
}

const tensorOf = (w: FloatArray, t: TensorInfo) => Float64Array.from(w.subarray(t.offset, t.offset + t.size));

export function probeSensitivities(layout: ModelLayout, w: FloatArray, tokens: Uint32Array, m: number): MlpSensitivities {
  const { p, layers } = layout;
  const cache = forward(layout, w, tokens, m);
  const N = m * p;
  const delta: Float64Array[] = new Array(layers.length);
  // Head: z_L = u, so Δ_L[(i,c),a] = [c = a] — the one-hot output gradients, batched.
  let D: Float64Array = new Float64Array(N * p);
  for (let i = 0; i < m; i++) for (let c = 0; c < p; c++) D[(i * p + c) * p + c] = 1;
  let dX: Float64Array = new Float64Array(0);
  for (let l = layers.length - 1; l >= 0; l--) {
    const L = layers[l];
    delta[l] = D;
    const W = tensorOf(w, L.weight);
    if (l === layers.length - 1) {
      // Δ_head = I: row (i, c) of Δ_head W_head is just row c of W_head
      dX = new Float64Array(N * L.in);
      for (let r = 0; r < N; r++) dX.set(W.subarray((r % p) * L.in, ((r % p) + 1) * L.in), r * L.in);
    } else dX = matMul(D, W, N, L.out, L.in);
    if (l === 0) break;
    // Δ_{l−1} = (Δ_l W_l) ∘ act'(z_{l−1}), the activation derivative of point i on every row (i, c).
    const Z = cache.Z[l - 1];
    D = new Float64Array(N * L.in);
    for (let r = 0; r < N; r++) {
      const zi = Math.floor(r / p) * L.in;
      for (let a = 0; a < L.in; a++) D[r * L.in + a] = dX[r * L.in + a] * activateGrad(layout.act, Z[zi + a]);
    }
  }
  return { kind: 'mlp', m, p, tokens, X: cache.X, delta, dX0: dX, logits: cache.logits };
}

/** Column offset of each tensor in the compact (padding-free) parameter vector, and P. */
export function compactOffsets(layout: { tensors: readonly TensorInfo[] }): { offsets: number[]; P: number } {
  let P = 0;
  const offsets = layout.tensors.map((t) => {
    const o = P;
    P += t.size;
    return o;
  });
  return { offsets, P };
}

/** J (N × P, row-major, compact columns) from the factors. */
export function probeJacobian(layout: ModelLayout, s: Sensitivities): Float64Array {
  if (s.kind === 'dense') return s.J;
  const { offsets, P } = compactOffsets(layout);
  const col = new Map(layout.tensors.map((t, k) => [t, offsets[k]]));
  const { m, p } = s;
  const d = layout.d;
  const J = new Float64Array(m * p * P);
  for (let i = 0; i < m; i++)
    for (let c = 0; c < p; c++) {
      const r = i * p + c;
      const row = r * P;
      layout.layers.forEach((L, l) => {
        const cw = col.get(L.weight)!;
        const cb = col.get(L.bias)!;
        for (let a = 0; a < L.out; a++) {
          const da = s.delta[l][r * L.out + a];
          J[row + cb + a] = da;
          for (let b = 0; b < L.in; b++) J[row + cw + a * L.in + b] = da * s.X[l][i * L.in + b];
        }
      });
      const ce = col.get(layout.embed)!;
      for (let slot = 0; slot < 2; slot++) {
        const tok = s.tokens[2 * i + slot];
        // a = b: both slots land on one row, and its derivative is their sum
        for (let k = 0; k < d; k++) J[row + ce + tok * d + k] += s.dX0[r * 2 * d + slot * d + k];
      }
    }
  return J;
}

/**
 * Central differences, float64: J[:, k] ≈ (U(w + h e_k) − U(w − h e_k)) / 2h.
 * Truncation error h²/6·|∂³u|, rounding ~ε·|u|/h; h = 1e-5 balances them near 1e-10.
 */
export function finiteDifferenceJacobian(layout: ModelLayout, w: FloatArray, tokens: Uint32Array, m: number, h = 1e-5): Float64Array {
  const { P } = compactOffsets(layout);
  const N = m * layout.p;
  const J = new Float64Array(N * P);
  const x = Float64Array.from(w);
  let q = 0;
  for (const t of layout.tensors)
    for (let e = 0; e < t.size; e++, q++) {
      const k = t.offset + e;
      const w0 = x[k];
      x[k] = w0 + h;
      const up = forward(layout, x, tokens, m).logits;
      x[k] = w0 - h;
      const dn = forward(layout, x, tokens, m).logits;
      x[k] = w0;
      for (let r = 0; r < N; r++) J[r * P + q] = (up[r] - dn[r]) / (2 * h);
    }
  return J;
}

/**
 * J·v for a direction v in the flat (padded) layout: the first-order change of
 * the probe outputs when w moves by v (N values, row (i, c)).
 */
export function jacobianVectorProduct(layout: { tensors: readonly TensorInfo[]; paramCount: number }, s: Sensitivities, v: FloatArray): Float64Array {
  const { m, p } = s;
  if (s.kind === 'dense') {
    const vc = compactVector(layout, v);
    const out = new Float64Array(m * p);
    for (let r = 0; r < m * p; r++) {
      let acc = 0;
      const row = r * s.P;
      for (let q = 0; q < s.P; q++) acc += s.J[row + q] * vc[q];
      out[r] = acc;
    }
    return out;
  }
  return mlpJacobianVectorProduct(layout as ModelLayout, s, v);
}

function mlpJacobianVectorProduct(layout: ModelLayout, s: MlpSensitivities, v: FloatArray): Float64Array {
  const { m, p } = s;
  const d = layout.d;
  const out = new Float64Array(m * p);
  layout.layers.forEach((L, l) => {
    // y_i = V_W x_i + v_b: how layer l's pre-activations of point i move
    const y = new Float64Array(L.out);
    for (let i = 0; i < m; i++) {
      for (let a = 0; a < L.out; a++) {
        let acc = v[L.bias.offset + a];
        const wo = L.weight.offset + a * L.in;
        for (let b = 0; b < L.in; b++) acc += v[wo + b] * s.X[l][i * L.in + b];
        y[a] = acc;
      }
      for (let c = 0; c < p; c++) {
        const r = i * p + c;
        let acc = 0;
        for (let a = 0; a < L.out; a++) acc += s.delta[l][r * L.out + a] * y[a];
        out[r] += acc;
      }
    }
  });
  const E = layout.embed.offset;
  for (let i = 0; i < m; i++)
    for (let c = 0; c < p; c++) {
      const r = i * p + c;
      let acc = 0;
      for (let slot = 0; slot < 2; slot++) {
        const tok = s.tokens[2 * i + slot];
        for (let k = 0; k < d; k++) acc += s.dX0[r * 2 * d + slot * d + k] * v[E + tok * d + k];
      }
      out[r] += acc;
    }
  return out;
}

/**
 * Trace view of a full-view kernel block (mA·p × mB·p):
 * K_tr[i,j] = Σ_c K[(i,c),(j,c)] = Σ_c ⟨∂u_ic/∂w, ∂u_jc/∂w⟩ (mA × mB).
 */
export function traceView(K: Float64Array, mA: number, mB: number, p: number): Float64Array {
  const out = new Float64Array(mA * mB);
  const NB = mB * p;
  for (let i = 0; i < mA; i++)
    for (let j = 0; j < mB; j++) {
      let s = 0;
      for (let c = 0; c < p; c++) s += K[(i * p + c) * NB + j * p + c];
      out[i * mB + j] = s;
    }
  return out;
}

/** The factors of a subset of the probe points (`positions` into s's points). */
export function subSensitivities(s: Sensitivities, positions: ArrayLike<number>): Sensitivities {
  // every factor is point-major: point i owns a contiguous run of A.length/m entries
  const rows = (A: Float64Array) => {
    const perPoint = A.length / s.m;
    const out = new Float64Array(positions.length * perPoint);
    for (let i = 0; i < positions.length; i++) out.set(A.subarray(positions[i] * perPoint, (positions[i] + 1) * perPoint), i * perPoint);
    return out;
  };
  const tokens = new Uint32Array(2 * positions.length);
  for (let i = 0; i < positions.length; i++) tokens.set(s.tokens.subarray(2 * positions[i], 2 * positions[i] + 2), 2 * i);
  if (s.kind === 'dense') return { kind: 'dense', m: positions.length, p: s.p, tokens, J: rows(s.J), P: s.P, logits: rows(s.logits) };
  return { kind: 'mlp', m: positions.length, p: s.p, tokens, X: s.X.map(rows), delta: s.delta.map(rows), dX0: rows(s.dX0), logits: rows(s.logits) };
}

/**
 * J·v by forward-mode differentiation through a forward cache (n points, all p
 * logits each): the tangent of x₀ = concat(E[a], E[b]) is concat(v_E[a], v_E[b]),
 * then ż_l = W_l ẋ_l + V_l x_l + v_b, ẋ_{l+1} = act′(z_l) ∘ ż_l. O(n·P) time and
 * O(n·width) memory, so it serves the whole training set where the per-output
 * `Sensitivities` (n·p rows per layer) would not fit.
 */
export function tangentForward(layout: ModelLayout, w: FloatArray, cache: ForwardCache, tokens: Uint32Array, v: FloatArray): Float64Array {
  const { d, layers } = layout;
  const n = cache.n;
  let dx: Float64Array = new Float64Array(n * 2 * d);
  const E = layout.embed.offset;
  for (let i = 0; i < n; i++)
    for (let slot = 0; slot < 2; slot++) {
      const tok = tokens[2 * i + slot];
      for (let k = 0; k < d; k++) dx[i * 2 * d + slot * d + k] = v[E + tok * d + k];
    }
  for (let l = 0; l < layers.length; l++) {
    const L = layers[l];
    const x = cache.X[l];
    const dz = new Float64Array(n * L.out);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < L.out; a++) {
        const wo = L.weight.offset + a * L.in;
        let acc = v[L.bias.offset + a];
        for (let b = 0; b < L.in; b++) acc += w[wo + b] * dx[i * L.in + b] + v[wo + b] * x[i * L.in + b];
        dz[i * L.out + a] = acc;
      }
    if (l === layers.length - 1) return dz;
    const z = cache.Z[l];
    for (let k = 0; k < dz.length; k++) dz[k] *= activateGrad(layout.act, z[k]);
    dx = dz;
  }
  return dx;
}
