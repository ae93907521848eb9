/**
 * The float64 twin of the transformer (src/model/transformerLayout.ts): LayerNorm,
 * causal multi-head attention and the block's maps on a batch of n sequences of 4
 * positions (rows = 4n, row 4i + t is example i's position t), forward and backward,
 * written kernel by kernel so that each WGSL module has its oracle here. Linear maps
 * use the matmul twin (Y = X Wᵀ; dW = dYᵀX; dX = dY W).
 *
 * Per-example gradient statistics: `lossAndGrad(…, wantSq)` runs the backward one
 * example at a time and sums (g_i/n)² — explicit per-example gradients, the oracle for
 * the engine's cross-position Σg² (a weight used at 4 positions has g_i = Σ_t δ_it x_itᵀ).
 */
import { LN_EPS, SEQ, type TransformerLayout } from '../model/transformerLayout';
import type { TensorInfo } from '../model/layout';
import { matmul, MM_TRANS_A, MM_TRANS_B, softmaxCE, type FloatArray } from './kernels';

const view = (w: FloatArray, t: TensorInfo) => w.subarray(t.offset, t.offset + t.size);

/** Y = LN(X)·g + b per row; keeps x̂ and 1/σ for the backward. σ² is the biased variance (PyTorch). */
export function layerNorm(X: FloatArray, rows: number, d: number, g: FloatArray, b: FloatArray, Y: FloatArray, xhat: FloatArray, rstd: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let mu = 0;
    for (let j = 0; j < d; j++) mu += X[o + j];
    mu /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (X[o + j] - mu) ** 2;
    const rs = 1 / Math.sqrt(v / d + LN_EPS);
    rstd[r] = rs;
    for (let j = 0; j < d; j++) {
      const xh = (X[o + j] - mu) * rs;
      xhat[o + j] = xh;
      Y[o + j] = xh * g[j] + b[j];
    }
  }
}

/**
 * dX (+)= (1/σ)(ĝ − mean(ĝ) − x̂·mean(ĝ∘x̂)) with ĝ = dY∘g; dg += Σ_r dY∘x̂, db += Σ_r dY.
 * `accumulate` adds into dX (the residual stream's gradient).
 */
export function layerNormBackward(
  dY: FloatArray,
  xhat: FloatArray,
  rstd: FloatArray,
  g: FloatArray,
  rows: number,
  d: number,
  dX: FloatArray,
  dg: FloatArray,
  db: FloatArray,
  accumulate: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < d; j++) {
      const gh = dY[o + j] * g[j];
      m1 += gh;
      m2 += gh * xhat[o + j];
      dg[j] += dY[o + j] * xhat[o + j];
      db[j] += dY[o + j];
    }
    m1 /= d;
    m2 /= d;
    for (let j = 0; j < d; j++) {
      const v = rstd[r] * (dY[o + j] * g[j] - m1 - xhat[o + j] * m2);
      dX[o + j] = accumulate ? dX[o + j] + v : v;
    }
  }
}

/**
 * Causal attention of n sequences: per head h (columns h·dh … (h+1)·dh − 1 of Q, K, V),
 * s_tu = q_t·k_u/√dh for u ≤ t, A_t = softmax_u(s_t), O_t = Σ_u A_tu v_u.
 * A holds n·H·4·4 probabilities (zero above the diagonal).
 */
export function causalAttention(Q: FloatArray, K: FloatArray, Vv: FloatArray, n: number, H: number, dh: number, A: FloatArray, O: FloatArray): void {
  const d = H * dh;
  const scale = 1 / Math.sqrt(dh);
  for (let i = 0; i < n; i++)
    for (let h = 0; h < H; h++) {
      const a = (i * H + h) * SEQ * SEQ;
      for (let t = 0; t < SEQ; t++) {
        const qo = (i * SEQ + t) * d + h * dh;
        let mx = -Infinity;
        for (let u = 0; u <= t; u++) {
          const ko = (i * SEQ + u) * d + h * dh;
          let s = 0;
          for (let c = 0; c < dh; c++) s += Q[qo + c] * K[ko + c];
          A[a + t * SEQ + u] = s * scale;
          mx = Math.max(mx, s * scale);
        }
        let z = 0;
        for (let u = 0; u <= t; u++) z += A[a + t * SEQ + u] = Math.exp(A[a + t * SEQ + u] - mx);
        for (let u = 0; u < SEQ; u++) A[a + t * SEQ + u] = u <= t ? A[a + t * SEQ + u] / z : 0;
        for (let c = 0; c < dh; c++) {
          let s = 0;
          for (let u = 0; u <= t; u++) s += A[a + t * SEQ + u] * Vv[(i * SEQ + u) * d + h * dh + c];
          O[qo + c] = s;
        }
      }
    }
}

/**
 * Backward of causalAttention: dA_tu = dO_t·v_u, dv_u = Σ_t A_tu dO_t,
 * ds_tu = A_tu(dA_tu − Σ_u′ A_tu′ dA_tu′), dq_t = Σ_u ds_tu k_u/√dh, dk_u = Σ_t ds_tu q_t/√dh.
 */
export function causalAttentionBackward(
  dO: FloatArray,
  Q: FloatArray,
  K: FloatArray,
  Vv: FloatArray,
  A: FloatArray,
  n: number,
  H: number,
  dh: number,
  dQ: FloatArray,
  dK: FloatArray,
  dV: FloatArray,
): void {
  const d = H * dh;
  const scale = 1 / Math.sqrt(dh);
  dQ.fill(0, 0, n * SEQ * d);
  dK.fill(0, 0, n * SEQ * d);
  dV.fill(0, 0, n * SEQ * d);
  const dA = new Float64Array(SEQ);
  for (let i = 0; i < n; i++)
    for (let h = 0; h < H; h++) {
      const a = (i * H + h) * SEQ * SEQ;
      for (let t = 0; t < SEQ; t++) {
        const to = (i * SEQ + t) * d + h * dh;
        let dot = 0;
        for (let u = 0; u <= t; u++) {
          const uo = (i * SEQ + u) * d + h * dh;
          let s = 0;
          for (let c = 0; c < dh; c++) {
            s += dO[to + c] * Vv[uo + c];
            dV[uo + c] += A[a + t * SEQ + u] * dO[to + c];
          }
          dA[u] = s;
          dot += A[a + t * SEQ + u] * s;
        }
        for (let u = 0; u <= t; u++) {
          const ds = A[a + t * SEQ + u] * (dA[u] - dot) * scale;
          const uo = (i * SEQ + u) * d + h * dh;
          for (let c = 0; c < dh; c++) {
            dQ[to + c] += ds * K[uo + c];
            dK[uo + c] += ds * Q[to + c];
          }
        }
      }
    }
}

/** Y[rows×out] = X Wᵀ */
const linear = (X: FloatArray, W: FloatArray, Y: FloatArray, rows: number, out: number, inp: number) => matmul(X, W, Y, { M: rows, N: out, K: inp, flags: MM_TRANS_B });
/** dW[out×in] (+)= dYᵀ X */
const linearGradW = (dY: FloatArray, X: FloatArray, dW: FloatArray, rows: number, out: number, inp: number) => matmul(dY, X, dW, { M: out, N: inp, K: rows, flags: MM_TRANS_A });
/** dX[rows×in] = dY W */
const linearGradX = (dY: FloatArray, W: FloatArray, dX: FloatArray, rows: number, out: number, inp: number) => matmul(dY, W, dX, { M: rows, N: inp, K: out, flags: 0 });

interface BlockCache {
  xhat1: Float64Array;
  rstd1: Float64Array;
  h1: Float64Array;
  Q: Float64Array;
  K: Float64Array;
  V: Float64Array;
  A: Float64Array;
  O: Float64Array;
  xhat2: Float64Array;
  rstd2: Float64Array;
  h2: Float64Array;
  U: Float64Array;
  R: Float64Array;
}

export interface TransformerCache {
  n: number;
  tokens: Uint32Array;
  blocks: BlockCache[];
  /** residual stream after the last block, rows × d */
  x: Float64Array;
  xhatF: Float64Array;
  rstdF: Float64Array;
  /** LN_f of the last position, n × d */
  z: Float64Array;
  logits: Float64Array;
}

/** Forward of n sequences (`tokens`: 4 per example, [a, op, b, =]). */
export function transformerForward(lay: TransformerLayout, w: FloatArray, tokens: Uint32Array, n: number): TransformerCache {
  const { d, ffn: F, heads: H, dh, p } = lay;
  const rows = SEQ * n;
  const x = new Float64Array(rows * d);
  const E = view(w, lay.tokEmbed);
  const Pe = view(w, lay.posEmbed);
  for (let r = 0; r < rows; r++) {
    const tok = tokens[r];
    if (tok >= lay.V) throw new Error(`token ${tok} out of range (V=${lay.V})`);
    for (let j = 0; j < d; j++) x[r * d + j] = E[tok * d + j] + Pe[(r % SEQ) * d + j];
  }
  const blocks: BlockCache[] = [];
  const tmp = new Float64Array(rows * Math.max(d, F));
  for (const B of lay.blocks) {
    const c: BlockCache = {
      xhat1: new Float64Array(rows * d),
      rstd1: new Float64Array(rows),
      h1: new Float64Array(rows * d),
      Q: new Float64Array(rows * d),
      K: new Float64Array(rows * d),
      V: new Float64Array(rows * d),
      A: new Float64Array(n * H * SEQ * SEQ),
      O: new Float64Array(rows * d),
      xhat2: new Float64Array(rows * d),
      rstd2: new Float64Array(rows),
      h2: new Float64Array(rows * d),
      U: new Float64Array(rows * F),
      R: new Float64Array(rows * F),
    };
    layerNorm(x, rows, d, view(w, B.ln1w), view(w, B.ln1b), c.h1, c.xhat1, c.rstd1);
    linear(c.h1, view(w, B.q), c.Q, rows, d, d);
    linear(c.h1, view(w, B.k), c.K, rows, d, d);
    linear(c.h1, view(w, B.v), c.V, rows, d, d);
    causalAttention(c.Q, c.K, c.V, n, H, dh, c.A, c.O);
    linear(c.O, view(w, B.o), tmp, rows, d, d);
    for (let k = 0; k < rows * d; k++) x[k] += tmp[k];
    layerNorm(x, rows, d, view(w, B.ln2w), view(w, B.ln2b), c.h2, c.xhat2, c.rstd2);
    linear(c.h2, view(w, B.fc1), c.U, rows, F, d);
    for (let k = 0; k < rows * F; k++) c.R[k] = c.U[k] > 0 ? c.U[k] : 0;
    linear(c.R, view(w, B.fc2), tmp, rows, d, F);
    for (let k = 0; k < rows * d; k++) x[k] += tmp[k];
    blocks.push(c);
  }
  const last = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) last[i * d + j] = x[(i * SEQ + SEQ - 1) * d + j];
  const xhatF = new Float64Array(n * d);
  const rstdF = new Float64Array(n);
  const z = new Float64Array(n * d);
  layerNorm(last, n, d, view(w, lay.lnfW), view(w, lay.lnfB), z, xhatF, rstdF);
  const logits = new Float64Array(n * p);
  linear(z, view(w, lay.unembed), logits, n, p, d);
  return { n, tokens, blocks, x, xhatF, rstdF, z, logits };
}

/** Backward from G = ∂loss/∂logits (n × p) into grad (overwritten, flat layout). */
export function transformerBackward(lay: TransformerLayout, w: FloatArray, cache: TransformerCache, G: FloatArray, grad: Float64Array): void {
  const { d, ffn: F, heads: H, dh, p } = lay;
  const { n } = cache;
  const rows = SEQ * n;
  grad.fill(0);
  const gv = (t: TensorInfo) => grad.subarray(t.offset, t.offset + t.size);
  linearGradW(G, cache.z, gv(lay.unembed), n, p, d);
  const dz = new Float64Array(n * d);
  linearGradX(G, view(w, lay.unembed), dz, n, p, d);
  const dLast = new Float64Array(n * d);
  layerNormBackward(dz, cache.xhatF, cache.rstdF, view(w, lay.lnfW), n, d, dLast, gv(lay.lnfW), gv(lay.lnfB), false);
  const dx = new Float64Array(rows * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) dx[(i * SEQ + SEQ - 1) * d + j] = dLast[i * d + j];
  const dR = new Float64Array(rows * F);
  const dh2 = new Float64Array(rows * d);
  const dO = new Float64Array(rows * d);
  const dQ = new Float64Array(rows * d);
  const dK = new Float64Array(rows * d);
  const dV = new Float64Array(rows * d);
  const dh1 = new Float64Array(rows * d);
  const tmp = new Float64Array(rows * d);
  for (let l = lay.blocks.length - 1; l >= 0; l--) {
    const B = lay.blocks[l];
    const c = cache.blocks[l];
    // x ← x + W₂ relu(W₁ LN₂(x)): dx passes through; the MLP branch adds its part
    linearGradW(dx, c.R, gv(B.fc2), rows, d, F);
    linearGradX(dx, view(w, B.fc2), dR, rows, d, F);
    for (let k = 0; k < rows * F; k++) if (c.U[k] <= 0) dR[k] = 0;
    linearGradW(dR, c.h2, gv(B.fc1), rows, F, d);
    linearGradX(dR, view(w, B.fc1), dh2, rows, F, d);
    layerNormBackward(dh2, c.xhat2, c.rstd2, view(w, B.ln2w), rows, d, dx, gv(B.ln2w), gv(B.ln2b), true);
    // x ← x + O·MHA(LN₁(x))
    linearGradW(dx, c.O, gv(B.o), rows, d, d);
    linearGradX(dx, view(w, B.o), dO, rows, d, d);
    causalAttentionBackward(dO, c.Q, c.K, c.V, c.A, n, H, dh, dQ, dK, dV);
    linearGradW(dQ, c.h1, gv(B.q), rows, d, d);
    linearGradW(dK, c.h1, gv(B.k), rows, d, d);
    linearGradW(dV, c.h1, gv(B.v), rows, d, d);
    linearGradX(dQ, view(w, B.q), dh1, rows, d, d);
    linearGradX(dK, view(w, B.k), tmp, rows, d, d);
    for (let k = 0; k < rows * d; k++) dh1[k] += tmp[k];
    linearGradX(dV, view(w, B.v), tmp, rows, d, d);
    for (let k = 0; k < rows * d; k++) dh1[k] += tmp[k];
    layerNormBackward(dh1, c.xhat1, c.rstd1, view(w, B.ln1w), rows, d, dx, gv(B.ln1w), gv(B.ln1b), true);
  }
  const dE = gv(lay.tokEmbed);
  const dP = gv(lay.posEmbed);
  for (let r = 0; r < rows; r++) {
    const tok = cache.tokens[r];
    const t = r % SEQ;
    for (let j = 0; j < d; j++) {
      dE[tok * d + j] += dx[r * d + j];
      dP[t * d + j] += dx[r * d + j];
    }
  }
}

export interface TransformerLossGrad {
  loss: number;
  acc: number;
  grad: Float64Array;
  /** Σ_i (g_i/n)² per parameter, from explicit per-example gradients (when asked for) */
  sq: Float64Array | null;
  perExample: Float64Array;
}

/** Mean cross-entropy over n sequences, its gradient, optionally Σ(g_i/n)². */
export function transformerLossAndGrad(lay: TransformerLayout, w: FloatArray, tokens: Uint32Array, labels: Uint32Array, n: number, wantSq = false): TransformerLossGrad {
  const perExample = new Float64Array(2 * n);
  const grad = new Float64Array(lay.totalSize);
  let sq: Float64Array | null = null;
  if (!wantSq) {
    const cache = transformerForward(lay, w, tokens, n);
    const G = new Float64Array(n * lay.p);
    softmaxCE(cache.logits, labels, n, lay.p, 1 / n, perExample, G);
    transformerBackward(lay, w, cache, G, grad);
  } else {
    sq = new Float64Array(lay.totalSize);
    const gi = new Float64Array(lay.totalSize);
    const G = new Float64Array(lay.p);
    const pe = new Float64Array(2);
    for (let i = 0; i < n; i++) {
      const cache = transformerForward(lay, w, tokens.subarray(SEQ * i, SEQ * (i + 1)), 1);
      softmaxCE(cache.logits, labels.subarray(i, i + 1), 1, lay.p, 1 / n, pe, G);
      perExample[2 * i] = pe[0];
      perExample[2 * i + 1] = pe[1];
      transformerBackward(lay, w, cache, G, gi);
      for (let k = 0; k < gi.length; k++) {
        grad[k] += gi[k];
        sq[k] += gi[k] * gi[k];
      }
    }
  }
  let loss = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    loss += perExample[2 * i];
    acc += perExample[2 * i + 1];
  }
  return { loss: loss / n, acc: acc / n, grad, sq, perExample };
}

/** Mean loss only (finite differences). */
export function transformerLoss(lay: TransformerLayout, w: FloatArray, tokens: Uint32Array, labels: Uint32Array, n: number): number {
  const cache = transformerForward(lay, w, tokens, n);
  const pe = new Float64Array(2 * n);
  softmaxCE(cache.logits, labels, n, lay.p, 1, pe, null);
  let s = 0;
  for (let i = 0; i < n; i++) s += pe[2 * i];
  return s / n;
}

// ---------- twins of the engine's sequence kernels (shaders/transformer.wgsl) ----------

/** seq_gather: X[r] = E[tok[r]] + P[r mod S] */
export function seqEmbedGather(E: FloatArray, P: FloatArray, tokens: Uint32Array, X: FloatArray, rows: number, d: number, S = SEQ): void {
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) X[r * d + j] = E[tokens[r] * d + j] + P[(r % S) * d + j];
}

/** tok_scatter: dE[v] = Σ_i g_i(v), sq[v] = Σ_i g_i(v)², g_i(v) = Σ_{t in the entry's mask} dX_it */
export function tokScatter(dX: FloatArray, index: { rowStart: Uint32Array; entries: Uint32Array }, dE: FloatArray, sq: FloatArray | null, V: number, d: number, S = SEQ): void {
  for (let v = 0; v < V; v++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      let s2 = 0;
      for (let e = index.rowStart[v]; e < index.rowStart[v + 1]; e++) {
        const ent = index.entries[e];
        const i = ent >>> 4;
        let g = 0;
        for (let t = 0; t < S; t++) if (ent & (1 << t)) g += dX[(i * S + t) * d + j];
        s += g;
        s2 += g * g;
      }
      dE[v * d + j] = s;
      if (sq) sq[v * d + j] = s2;
    }
}

/** ln_param_grad: per-example sums over the S positions, then Σ_i and Σ_i (·)² */
export function lnParamGrad(dY: FloatArray, xhat: FloatArray, n: number, d: number, S: number, dg: FloatArray, db: FloatArray, sqg: FloatArray | null, sqb: FloatArray | null): void {
  for (let j = 0; j < d; j++) {
    let sg = 0;
    let sb = 0;
    let qg = 0;
    let qb = 0;
    for (let i = 0; i < n; i++) {
      let gi = 0;
      let bi = 0;
      for (let t = 0; t < S; t++) {
        const o = (i * S + t) * d + j;
        gi += dY[o] * xhat[o];
        bi += dY[o];
      }
      sg += gi;
      sb += bi;
      qg += gi * gi;
      qb += bi * bi;
    }
    dg[j] = sg;
    db[j] = sb;
    if (sqg) sqg[j] = qg;
    if (sqb) sqb[j] = qb;
  }
}

/** seq_weight_grad: dW[o,k] = Σ_i g_i[o,k], sq = Σ_i g_i[o,k]², g_i = Σ_t δ_it[o] x_it[k] */
export function seqWeightGrad(dY: FloatArray, X: FloatArray, M: number, N: number, n: number, S: number, G: FloatArray, SQ: FloatArray): void {
  for (let o = 0; o < M; o++)
    for (let k = 0; k < N; k++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        let g = 0;
        for (let t = 0; t < S; t++) g += dY[(i * S + t) * M + o] * X[(i * S + t) * N + k];
        s += g;
        s2 += g * g;
      }
      G[o * N + k] = s;
      SQ[o * N + k] = s2;
    }
}
