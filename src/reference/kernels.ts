/**
 * Plain-TypeScript twins of the WGSL kernels in shaders/: same arguments, same
 * semantics, same layouts, computed in whatever precision the arrays carry
 * (float64 in the reference trainer). Each is the oracle for its GPU kernel.
 */
import type { Activation } from '../config/settings';

export type FloatArray = Float32Array | Float64Array;

import { MM_ACCUMULATE, MM_SQUARE, MM_TRANS_A, MM_TRANS_B, type EmbedIndex } from '../model/rules';

// the flag bits and the batch index are rules shared with the engine (src/model/rules.ts)
export { MM_ACCUMULATE, MM_SQUARE, MM_TRANS_A, MM_TRANS_B, buildEmbedIndex, type EmbedIndex } from '../model/rules';

export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  /** MM_* bits */
  flags: number;
}

/**
 * shaders/matmul.wgsl: C[M×N] (+)= op(A)·op(B), op(A) is M×K (A stored K×M when
 * transposed), op(B) is K×N (B stored N×K when transposed); with MM_SQUARE every
 * operand element is squared first — (δ∘δ)ᵀ(x∘x), the per-example Σg² of a linear layer.
 */
export function matmul(A: FloatArray, B: FloatArray, C: FloatArray, s: MatmulShape): void {
  const { M, N, K, flags } = s;
  const ta = (flags & MM_TRANS_A) !== 0;
  const tb = (flags & MM_TRANS_B) !== 0;
  const sq = (flags & MM_SQUARE) !== 0;
  const acc = (flags & MM_ACCUMULATE) !== 0;
  // The plain products in a cache-friendly loop order: the same sums as the defining loop
  // below (kept for the squared and doubly transposed forms), rounded in another order
  if (!sq && !(ta && tb)) {
    if (!acc) C.fill(0, 0, M * N);
    if (tb) {
      // C[i,j] += Σ_k A[i,k]·B[j,k]: two contiguous rows
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let sum = 0;
          for (let k = 0, ao = i * K, bo = j * K; k < K; k++) sum += A[ao + k] * B[bo + k];
          C[i * N + j] += sum;
        }
    } else if (!ta) {
      // C[i,:] += A[i,k]·B[k,:]
      for (let i = 0; i < M; i++)
        for (let k = 0, co = i * N; k < K; k++) {
          const a = A[i * K + k];
          for (let j = 0, bo = k * N; j < N; j++) C[co + j] += a * B[bo + j];
        }
    } else {
      // C[i,:] += A[k,i]·B[k,:] (A stored K×M)
      for (let k = 0; k < K; k++)
        for (let i = 0, bo = k * N; i < M; i++) {
          const a = A[k * M + i];
          for (let j = 0, co = i * N; j < N; j++) C[co + j] += a * B[bo + j];
        }
    }
    return;
  }
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        let a = ta ? A[k * M + i] : A[i * K + k];
        let b = tb ? B[j * K + k] : B[k * N + j];
        if (sq) {
          a *= a;
          b *= b;
        }
        sum += a * b;
      }
      C[i * N + j] = acc ? C[i * N + j] + sum : sum;
    }
  }
}

/** GELU, tanh form (PyTorch approximate='tanh'); WGSL has no erf. */
const GELU_C = Math.sqrt(2 / Math.PI);
export function activate(act: Activation | 'identity', z: number): number {
  switch (act) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'quadratic':
      return z * z;
    case 'gelu':
      return 0.5 * z * (1 + Math.tanh(GELU_C * (z + 0.044715 * z * z * z)));
    case 'identity':
      return z;
  }
}

export function activateGrad(act: Activation | 'identity', z: number): number {
  switch (act) {
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'quadratic':
      return 2 * z;
    case 'gelu': {
      const u = GELU_C * (z + 0.044715 * z * z * z);
      const t = Math.tanh(u);
      return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * z * z);
    }
    case 'identity':
      return 1;
  }
}

/** shaders/forward.wgsl bias_act: Z = Y + b (row-broadcast), H = act(Z). */
export function biasAct(Y: FloatArray, bias: FloatArray, Z: FloatArray, H: FloatArray, rows: number, cols: number, act: Activation | 'identity'): void {
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const z = Y[i * cols + j] + bias[j];
      Z[i * cols + j] = z;
      H[i * cols + j] = activate(act, z);
    }
}

/** shaders/backward.wgsl act_backward: dZ = dH ∘ act'(Z). */
export function actBackward(dH: FloatArray, Z: FloatArray, dZ: FloatArray, n: number, act: Activation | 'identity'): void {
  for (let i = 0; i < n; i++) dZ[i] = dH[i] * activateGrad(act, Z[i]);
}

/**
 * shaders/backward.wgsl bias_grad: db_j = Σ_i dZ_ij, and Σ_i dZ_ij² (the
 * per-example squared bias gradients, in the same 1/b scaling as dZ).
 */
export function biasGrad(dZ: FloatArray, rows: number, cols: number, grad: FloatArray, sq: FloatArray | null): void {
  for (let j = 0; j < cols; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < rows; i++) {
      const v = dZ[i * cols + j];
      s += v;
      s2 += v * v;
    }
    grad[j] = s;
    if (sq) sq[j] = s2;
  }
}

/** shaders/embed.wgsl gather: X[i] = concat(E[tok[2i]], E[tok[2i+1]]). */
export function embedGather(E: FloatArray, tokens: Uint32Array, X: FloatArray, n: number, d: number): void {
  for (let i = 0; i < n; i++)
    for (let s = 0; s < 2; s++) {
      const r = tokens[2 * i + s];
      for (let j = 0; j < d; j++) X[i * 2 * d + s * d + j] = E[r * d + j];
    }
}

/**
 * shaders/embed.wgsl scatter: dE[r,j] = Σ_i g_i(r,j), where example i's gradient
 * for row r is the sum of its slot contributions (both, when a = b), and
 * sq[r,j] = Σ_i g_i(r,j)² — squared once per example, never per slot.
 */
export function embedScatter(dX: FloatArray, index: EmbedIndex, dE: FloatArray, sq: FloatArray | null, p: number, d: number): void {
  for (let r = 0; r < p; r++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      let s2 = 0;
      for (let e = index.rowStart[r]; e < index.rowStart[r + 1]; e++) {
        const ent = index.entries[e];
        const i = ent >>> 2;
        let g = 0;
        if (ent & 1) g += dX[i * 2 * d + j];
        if (ent & 2) g += dX[i * 2 * d + d + j];
        s += g;
        s2 += g * g;
      }
      dE[r * d + j] = s;
      if (sq) sq[r * d + j] = s2;
    }
}

/**
 * shaders/activation.wgsl lookup_act: the pair MLP's first hidden layer from
 * P = E·W'ᵀ (p × 2·out, W' = W₀ read as 2·out rows of d, row 2o+s = W_s[o, :]):
 * Z[i,o] = P[a_i, 2o] + P[b_i, 2o+1] + b[o], H = act(Z).
 */
export function lookupAct(P: FloatArray, tokens: Uint32Array, bias: FloatArray, Z: FloatArray, H: FloatArray, n: number, out: number, act: Activation): void {
  for (let i = 0; i < n; i++)
    for (let o = 0; o < out; o++) {
      const z = P[tokens[2 * i] * 2 * out + 2 * o] + P[tokens[2 * i + 1] * 2 * out + 2 * o + 1] + bias[o];
      Z[i * out + o] = z;
      H[i * out + o] = activate(act, z);
    }
}

/**
 * shaders/embed.wgsl token_sum: the first layer's δ (n × out) summed by token and
 * slot, S[r, 2o+s] = Σ_{examples i with token r in slot s} δ[i, o] (an example with
 * a = b = r adds to both slots), and with `R` also R[r, 2o+s] = √(Σ the same δ²).
 */
export function tokenSum(dZ: FloatArray, index: EmbedIndex, S: FloatArray, p: number, out: number, R: FloatArray | null = null): void {
  for (let r = 0; r < p; r++)
    for (let o = 0; o < out; o++) {
      const [s, q] = [
        [0, 0],
        [0, 0],
      ];
      for (let e = index.rowStart[r]; e < index.rowStart[r + 1]; e++) {
        const ent = index.entries[e];
        const v = dZ[(ent >>> 2) * out + o];
        for (const slot of [0, 1])
          if (ent & (1 << slot)) {
            s[slot] += v;
            q[slot] += v * v;
          }
      }
      for (const slot of [0, 1]) {
        S[r * 2 * out + 2 * o + slot] = s[slot];
        if (R) R[r * 2 * out + 2 * o + slot] = Math.sqrt(q[slot]);
      }
    }
}

/**
 * shaders/loss.wgsl softmax_ce: per row i, loss_i = logsumexp(z_i) − z_{i,y_i},
 * correct_i = [argmax z_i = y_i] (first index wins ties), and the output gradient
 * g = scale·(softmax(z_i) − onehot(y_i)). perExample holds (loss_i, correct_i).
 */
export function softmaxCE(logits: FloatArray, labels: Uint32Array, n: number, p: number, scale: number, perExample: FloatArray, dlogits: FloatArray | null): void {
  for (let i = 0; i < n; i++) {
    const o = i * p;
    let mx = -Infinity;
    let arg = 0;
    for (let c = 0; c < p; c++)
      if (logits[o + c] > mx) {
        mx = logits[o + c];
        arg = c;
      }
    let se = 0;
    for (let c = 0; c < p; c++) se += Math.exp(logits[o + c] - mx);
    const lse = mx + Math.log(se);
    const y = labels[i];
    perExample[2 * i] = lse - logits[o + y];
    perExample[2 * i + 1] = arg === y ? 1 : 0;
    if (dlogits) for (let c = 0; c < p; c++) dlogits[o + c] = scale * (Math.exp(logits[o + c] - lse) - (c === y ? 1 : 0));
  }
}

/**
 * shaders/loss.wgsl squared: per row i, loss_i = ½‖u_i − y_i‖², sqerr_i = ‖u_i − y_i‖²/k,
 * and the output gradient g_i = scale·(u_i − y_i) (scale = 1/n: Φ = (1/(2n)) Σ‖u_i − y_i‖²).
 * targets is n × k row-major; perExample holds (loss_i, sqerr_i).
 */
export function squaredLoss(outputs: FloatArray, targets: FloatArray, n: number, k: number, scale: number, perExample: FloatArray, doutputs: FloatArray | null): void {
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let c = 0; c < k; c++) {
      const r = outputs[i * k + c] - targets[i * k + c];
      ss += r * r;
      if (doutputs) doutputs[i * k + c] = scale * r;
    }
    perExample[2 * i] = 0.5 * ss;
    perExample[2 * i + 1] = ss / k;
  }
}

/**
 * shaders/metrics.wgsl: per category k, (Σ loss, Σ correct, count) over the
 * examples with category[i] = k.
 */
/**
 * The divergence flag of shaders/metrics.wgsl: how many per-example losses
 * (perExample[2i]) and weights are not finite. Zero means the run is sound.
 */
export function nonFiniteCount(perExample: FloatArray, n: number, weights: FloatArray, nParams: number): number {
  let bad = 0;
  for (let i = 0; i < n; i++) if (!Number.isFinite(perExample[2 * i])) bad++;
  for (let i = 0; i < nParams; i++) if (!Number.isFinite(weights[i])) bad++;
  return bad;
}

export function categorySums(perExample: FloatArray, category: Uint32Array, n: number, nCat: number): Float64Array {
  const out = new Float64Array(3 * nCat);
  for (let i = 0; i < n; i++) {
    const k = category[i];
    out[3 * k] += perExample[2 * i];
    out[3 * k + 1] += perExample[2 * i + 1];
    out[3 * k + 2] += 1;
  }
  return out;
}
