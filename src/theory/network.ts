/**
 * The network as the theory instruments see it: u = f(w; x), the p logits of each
 * point, and its two derivatives — the vector-Jacobian product Jᵀg (reverse mode,
 * back-propagating g as the output gradient) and the Jacobian-vector product Jv
 * (forward mode, the first-order change of the outputs when w moves by v). The
 * instruments need nothing else: every kernel (K = JJᵀ, K̃ = JDQJᵀ, K̃_QS), the
 * whole-set output system and the per-parameter share of λ_max(K̃) are built from
 * these, so the same instruments serve both architectures.
 *
 * Points are given as operand pairs (a, b), 2 tokens per point, as the datasets
 * store them; the transformer builds its [a, op, b, =] sequences itself.
 *
 * - MLP: the float64 twin (src/reference/mlp.ts) and its forward-mode tangent
 *   (jacobian.ts `tangentForward`); probe sensitivities are the per-layer factors
 *   that the structured kernel formula (and its GPU twin) use.
 * - Transformer: the float64 twin (src/reference/transformer.ts) and the forward-mode
 *   tangent below (LayerNorm, causal attention, the block's maps); probe
 *   sensitivities are the dense Jacobian, one row per probe logit, from one
 *   single-example back-propagation per (point, class).
 */
import { DENSE_JACOBIAN_MAX_BYTES } from '../config/settings';
import type { NetLayout } from '../model/arch';
import type { TensorInfo } from '../model/layout';
import { SEQ, sequenceTokens, type TransformerLayout } from '../model/transformerLayout';
import { matmul, MM_ACCUMULATE, MM_TRANS_B, softmaxCE, type FloatArray } from '../reference/kernels';
import { backward, forward, lossAndGrad, type Targets } from '../reference/mlp';
import { transformerBackward, transformerForward, type TransformerCache } from '../reference/transformer';
import { compactOffsets, probeSensitivities, tangentForward, type Sensitivities } from './jacobian';

/** A forward pass kept for the derivatives at the same weights and points. */
export interface NetCache {
  readonly n: number;
  /** n × p */
  readonly logits: Float64Array;
}

export interface TheoryNet {
  readonly layout: NetLayout;
  readonly p: number;
  readonly totalSize: number;
  readonly tensors: readonly TensorInfo[];
  /** the logits of m points (pairs: 2 tokens per point) */
  forward(w: FloatArray, pairs: Uint32Array, m: number): NetCache;
  /** Jᵀ G (flat layout, fresh): G is an output gradient, one value per logit (m × p) */
  vjp(w: FloatArray, cache: NetCache, G: Float64Array): Float64Array;
  /** J v (m × p): v a direction in the flat parameter layout */
  jvp(w: FloatArray, cache: NetCache, v: FloatArray): Float64Array;
  /** the training loss's gradient ∇_w Φ (mean over m points) */
  gradient(w: FloatArray, pairs: Uint32Array, targets: Targets, m: number): Float64Array;
  /** what the probe kernels are computed from */
  sensitivities(w: FloatArray, pairs: Uint32Array, m: number): Sensitivities;
}

export function theoryNet(layout: NetLayout): TheoryNet {
  return layout.arch === 'transformer' ? new TransformerNet(layout) : new MlpNet(layout);
}

interface MlpCache extends NetCache {
  readonly inner: ReturnType<typeof forward>;
  readonly pairs: Uint32Array;
}

class MlpNet implements TheoryNet {
  readonly p: number;
  readonly totalSize: number;
  readonly tensors: readonly TensorInfo[];
  constructor(readonly layout: Extract<NetLayout, { arch: 'mlp' }>) {
    this.p = layout.p;
    this.totalSize = layout.totalSize;
    this.tensors = layout.tensors;
  }
  forward(w: FloatArray, pairs: Uint32Array, m: number): MlpCache {
    const inner = forward(this.layout, w, pairs, m);
    return { n: m, logits: inner.logits, inner, pairs };
  }
  vjp(w: FloatArray, cache: NetCache, G: Float64Array): Float64Array {
    const c = cache as MlpCache;
    const grad = new Float64Array(this.totalSize);
    backward(this.layout, w, c.pairs, c.inner, G, grad, null);
    return grad;
  }
  jvp(w: FloatArray, cache: NetCache, v: FloatArray): Float64Array {
    const c = cache as MlpCache;
    return tangentForward(this.layout, w, c.inner, c.pairs, v);
  }
  gradient(w: FloatArray, pairs: Uint32Array, targets: Targets, m: number): Float64Array {
    return lossAndGrad(this.layout, w, pairs, targets, m).grad;
  }
  sensitivities(w: FloatArray, pairs: Uint32Array, m: number): Sensitivities {
    return probeSensitivities(this.layout, w, pairs, m);
  }
}

interface SeqCache extends NetCache {
  readonly inner: TransformerCache;
}

class TransformerNet implements TheoryNet {
  readonly p: number;
  readonly totalSize: number;
  readonly tensors: readonly TensorInfo[];
  constructor(readonly layout: TransformerLayout) {
    this.p = layout.p;
    this.totalSize = layout.totalSize;
    this.tensors = layout.tensors;
  }
  forward(w: FloatArray, pairs: Uint32Array, m: number): SeqCache {
    const inner = transformerForward(this.layout, w, sequenceTokens(pairs, m, this.p), m);
    return { n: m, logits: inner.logits, inner };
  }
  vjp(w: FloatArray, cache: NetCache, G: Float64Array): Float64Array {
    const grad = new Float64Array(this.totalSize);
    transformerBackward(this.layout, w, (cache as SeqCache).inner, G, grad);
    return grad;
  }
  jvp(w: FloatArray, cache: NetCache, v: FloatArray): Float64Array {
    return transformerTangent(this.layout, w, (cache as SeqCache).inner, v);
  }
  gradient(w: FloatArray, pairs: Uint32Array, targets: Targets, m: number): Float64Array {
    if (!(targets instanceof Uint32Array)) throw new Error('the transformer trains on labels (cross-entropy) only');
    const cache = this.forward(w, pairs, m);
    const G = new Float64Array(m * this.p);
    softmaxCE(cache.logits, targets, m, this.p, 1 / m, new Float64Array(2 * m), G);
    return this.vjp(w, cache, G);
  }
  /**
   * The dense probe Jacobian (m·p × P, compact columns): row (i, c) = ∂u_ic/∂w from
   * back-propagating the one-hot output gradient e_c through point i alone.
   */
  sensitivities(w: FloatArray, pairs: Uint32Array, m: number): Sensitivities {
    const { p } = this;
    const { offsets, P } = compactOffsets(this.layout);
    const N = m * p;
    const bytes = N * P * 8;
    if (bytes > DENSE_JACOBIAN_MAX_BYTES)
      throw new Error(
        `the transformer's probe Jacobian would take ${Math.ceil(bytes / 2 ** 20)} MiB (${m} points × ${p} logits × ${P} parameters), over ${DENSE_JACOBIAN_MAX_BYTES / 2 ** 20} MiB: use a smaller probe (probeTrain, probeTest) or a smaller model`,
      );
    const J = new Float64Array(N * P);
    const logits = new Float64Array(N);
    const grad = new Float64Array(this.totalSize);
    const G = new Float64Array(p);
    for (let i = 0; i < m; i++) {
      const cache = transformerForward(this.layout, w, sequenceTokens(pairs.subarray(2 * i, 2 * i + 2), 1, p), 1);
      logits.set(cache.logits, i * p);
      for (let c = 0; c < p; c++) {
        G.fill(0);
        G[c] = 1;
        transformerBackward(this.layout, w, cache, G, grad);
        const row = (i * p + c) * P;
        this.layout.tensors.forEach((t, k) => J.set(grad.subarray(t.offset, t.offset + t.size), row + offsets[k]));
      }
    }
    return { kind: 'dense', m, p, tokens: pairs.slice(0, 2 * m), J, P, logits };
  }
}

const view = (w: FloatArray, t: TensorInfo) => w.subarray(t.offset, t.offset + t.size);

/**
 * Forward-mode tangent of `transformerForward` at the cached point: with ẇ = v,
 *   embeddings   ẋ_r = v_E[tok_r] + v_P[r mod 4]
 *   LayerNorm    ẏ = g∘x̂̇ + ġ∘x̂ + ḃ,  x̂̇ = (1/σ)(ẋ − mean ẋ − x̂·mean(x̂∘ẋ))
 *   linear       Ẏ = Ẋ Wᵀ + X Ẇᵀ
 *   attention    ṡ_tu = (q̇_t·k_u + q_t·k̇_u)/√dh,  Ȧ_tu = A_tu(ṡ_tu − Σ_u′ A_tu′ ṡ_tu′),
 *                Ȯ_t = Σ_u Ȧ_tu v_u + A_tu v̇_u
 *   relu         Ṙ = U̇ ∘ [U > 0]
 * and the logits' tangent at the last position. O(n·P) time, like one forward pass.
 */
export function transformerTangent(lay: TransformerLayout, w: FloatArray, cache: TransformerCache, v: FloatArray): Float64Array {
  const { d, ffn: F, heads: H, dh, p } = lay;
  const n = cache.n;
  const rows = SEQ * n;
  const dx = new Float64Array(rows * d);
  const vE = view(v, lay.tokEmbed);
  const vP = view(v, lay.posEmbed);
  for (let r = 0; r < rows; r++) {
    const tok = cache.tokens[r];
    for (let j = 0; j < d; j++) dx[r * d + j] = vE[tok * d + j] + vP[(r % SEQ) * d + j];
  }
  // Ẏ = Ẋ Wᵀ + X Ẇᵀ
  const linearTangent = (dX: Float64Array, X: FloatArray, t: TensorInfo, dY: Float64Array, rowsN: number, out: number, inp: number) => {
    matmul(dX, view(w, t), dY, { M: rowsN, N: out, K: inp, flags: MM_TRANS_B });
    matmul(X, view(v, t), dY, { M: rowsN, N: out, K: inp, flags: MM_TRANS_B | MM_ACCUMULATE });
  };
  const dh1 = new Float64Array(rows * d);
  const dQ = new Float64Array(rows * d);
  const dK = new Float64Array(rows * d);
  const dV = new Float64Array(rows * d);
  const dO = new Float64Array(rows * d);
  const tmp = new Float64Array(rows * Math.max(d, F));
  const dU = new Float64Array(rows * F);
  const dh2 = new Float64Array(rows * d);
  const scale = 1 / Math.sqrt(dh);
  const ds = new Float64Array(SEQ);
  lay.blocks.forEach((B, l) => {
    const c = cache.blocks[l];
    layerNormTangent(dx, c.xhat1, c.rstd1, view(w, B.ln1w), view(v, B.ln1w), view(v, B.ln1b), rows, d, dh1);
    linearTangent(dh1, c.h1, B.q, dQ, rows, d, d);
    linearTangent(dh1, c.h1, B.k, dK, rows, d, d);
    linearTangent(dh1, c.h1, B.v, dV, rows, d, d);
    for (let i = 0; i < n; i++)
      for (let h = 0; h < H; h++) {
        const a = (i * H + h) * SEQ * SEQ;
        for (let t = 0; t < SEQ; t++) {
          const to = (i * SEQ + t) * d + h * dh;
          let mean = 0;
          for (let u = 0; u <= t; u++) {
            const uo = (i * SEQ + u) * d + h * dh;
            let s = 0;
            for (let k = 0; k < dh; k++) s += dQ[to + k] * c.K[uo + k] + c.Q[to + k] * dK[uo + k];
            ds[u] = s * scale;
            mean += c.A[a + t * SEQ + u] * ds[u];
          }
          for (let k = 0; k < dh; k++) {
            let o = 0;
            for (let u = 0; u <= t; u++) {
              const uo = (i * SEQ + u) * d + h * dh;
              const A = c.A[a + t * SEQ + u];
              o += A * (ds[u] - mean) * c.V[uo + k] + A * dV[uo + k];
            }
            dO[to + k] = o;
          }
        }
      }
    linearTangent(dO, c.O, B.o, tmp, rows, d, d);
    for (let k = 0; k < rows * d; k++) dx[k] += tmp[k];
    layerNormTangent(dx, c.xhat2, c.rstd2, view(w, B.ln2w), view(v, B.ln2w), view(v, B.ln2b), rows, d, dh2);
    linearTangent(dh2, c.h2, B.fc1, dU, rows, F, d);
    for (let k = 0; k < rows * F; k++) if (c.U[k] <= 0) dU[k] = 0;
    linearTangent(dU, c.R, B.fc2, tmp, rows, d, F);
    for (let k = 0; k < rows * d; k++) dx[k] += tmp[k];
  });
  const dLast = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) dLast[i * d + j] = dx[(i * SEQ + SEQ - 1) * d + j];
  const dz = new Float64Array(n * d);
  layerNormTangent(dLast, cache.xhatF, cache.rstdF, view(w, lay.lnfW), view(v, lay.lnfW), view(v, lay.lnfB), n, d, dz);
  const out = new Float64Array(n * p);
  linearTangent(dz, cache.z, lay.unembed, out, n, p, d);
  return out;
}

/** ẏ = g∘x̂̇ + ġ∘x̂ + ḃ per row, x̂̇ = (1/σ)(ẋ − mean ẋ − x̂·mean(x̂∘ẋ)) */
function layerNormTangent(dX: Float64Array, xhat: Float64Array, rstd: Float64Array, g: FloatArray, dg: FloatArray, db: FloatArray, rows: number, d: number, dY: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < d; j++) {
      m1 += dX[o + j];
      m2 += dX[o + j] * xhat[o + j];
    }
    m1 /= d;
    m2 /= d;
    for (let j = 0; j < d; j++) {
      const dxh = rstd[r] * (dX[o + j] - m1 - xhat[o + j] * m2);
      dY[o + j] = g[j] * dxh + dg[j] * xhat[o + j] + db[j];
    }
  }
}
