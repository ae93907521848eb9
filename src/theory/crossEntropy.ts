/**
 * Cross-entropy in output space (THEORY.md notation): the output gradient
 * g = ∇_u Φ, the output Hessian B = ∇²_u Φ (block-diagonal, one p×p block per
 * point), and the centred subspace {x : Σ_c x_ic = 0 for every point i} in which
 * g always lives, because softmax ignores a common shift of a point's logits.
 */
/** B: `count` diagonal blocks of size × size, row-major, one after another. */
export interface BlockDiagonal {
  size: number;
  count: number;
  blocks: Float64Array;
}

/** B = ∇²_u Φ for mean cross-entropy over n points: blockdiag((diag s_i − s_i s_iᵀ)/n), s_i = softmax(u_i). */
export function crossEntropyHessian(logits: Float64Array, m: number, p: number, n: number): BlockDiagonal {
  const blocks = new Float64Array(m * p * p);
  const s = new Float64Array(p);
  for (let i = 0; i < m; i++) {
    softmaxInto(logits, i * p, p, s);
    const o = i * p * p;
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) blocks[o + a * p + b] = ((a === b ? s[a] : 0) - s[a] * s[b]) / n;
  }
  return { size: p, count: m, blocks };
}

/** g = ∇_u Φ for mean cross-entropy over n points: (s_i − onehot(y_i))/n, flattened (i, c). */
export function crossEntropyGradient(logits: Float64Array, labels: ArrayLike<number>, m: number, p: number, n: number): Float64Array {
  const g = new Float64Array(m * p);
  const s = new Float64Array(p);
  for (let i = 0; i < m; i++) {
    softmaxInto(logits, i * p, p, s);
    for (let c = 0; c < p; c++) g[i * p + c] = (s[c] - (c === labels[i] ? 1 : 0)) / n;
  }
  return g;
}

function softmaxInto(u: Float64Array, o: number, p: number, s: Float64Array): void {
  let mx = -Infinity;
  for (let c = 0; c < p; c++) mx = Math.max(mx, u[o + c]);
  let z = 0;
  for (let c = 0; c < p; c++) z += s[c] = Math.exp(u[o + c] - mx);
  for (let c = 0; c < p; c++) s[c] /= z;
}

/** B·X for a block-diagonal B (N × N) and X (N × cols). */
export function blockDiagonalTimes(B: BlockDiagonal, X: Float64Array, cols: number): Float64Array {
  const { size, count, blocks } = B;
  const out = new Float64Array(size * count * cols);
  for (let b = 0; b < count; b++)
    for (let r = 0; r < size; r++) {
      const dst = (b * size + r) * cols;
      for (let t = 0; t < size; t++) {
        const v = blocks[b * size * size + r * size + t];
        if (v === 0) continue;
        const src = (b * size + t) * cols;
        for (let j = 0; j < cols; j++) out[dst + j] += v * X[src + j];
      }
    }
  return out;
}

/** Orthonormal basis of {x ∈ R^p : Σ x = 0} (Helmert), p × (p−1) row-major. */
export function centredBasis(p: number): Float64Array {
  const H = new Float64Array(p * (p - 1));
  for (let k = 1; k < p; k++) {
    const s = 1 / Math.sqrt(k * (k + 1));
    for (let c = 0; c < k; c++) H[c * (p - 1) + k - 1] = s;
    H[k * (p - 1) + k - 1] = -k * s;
  }
  return H;
}

/**
 * The centred coordinates: E = blockdiag(centredBasis(p)) (N × N_c, N = m·p,
 * N_c = m·(p−1)) is an isometry onto the centred subspace. Since B 1_i = 0, that
 * subspace is invariant under BK̃, and the reduced system K̃_c = EᵀK̃E,
 * B_c = EᵀBE, K̃_QS E, g_c = Eᵀg evolves exactly as the full one does on it.
 */
export function centredKernel(K: Float64Array, m: number, p: number): Float64Array {
  return centredRight(centredLeft(K, m, p, m * p), m * (p - 1), m, p);
}

/** Eᵀ X for X (m·p × cols): each point's p rows become p−1 rows. */
export function centredLeft(X: Float64Array, m: number, p: number, cols: number): Float64Array {
  const H = centredBasis(p);
  const q = p - 1;
  const out = new Float64Array(m * q * cols);
  for (let i = 0; i < m; i++)
    for (let a = 0; a < q; a++) {
      const dst = (i * q + a) * cols;
      for (let c = 0; c < p; c++) {
        const h = H[c * q + a];
        const src = (i * p + c) * cols;
        for (let j = 0; j < cols; j++) out[dst + j] += h * X[src + j];
      }
    }
  return out;
}

/** X E for X (rows × m·p). */
export function centredRight(X: Float64Array, rows: number, m: number, p: number): Float64Array {
  const H = centredBasis(p);
  const q = p - 1;
  const N = m * p;
  const out = new Float64Array(rows * m * q);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < m; i++)
      for (let c = 0; c < p; c++) {
        const x = X[r * N + i * p + c];
        if (x === 0) continue;
        for (let a = 0; a < q; a++) out[r * m * q + i * q + a] += x * H[c * q + a];
      }
  return out;
}

/** B_c = EᵀBE: each p×p block becomes (p−1)×(p−1). */
export function centredHessian(B: BlockDiagonal): BlockDiagonal {
  const p = B.size;
  const q = p - 1;
  const blocks = new Float64Array(B.count * q * q);
  for (let i = 0; i < B.count; i++) {
    const one = B.blocks.subarray(i * p * p, (i + 1) * p * p);
    blocks.set(centredKernel(one, 1, p), i * q * q);
  }
  return { size: q, count: B.count, blocks };
}
