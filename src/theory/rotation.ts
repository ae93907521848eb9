/**
 * Instrument 1, the rotating kernel eigenstructure (THEORY.md): centring, the
 * overlap of top-k eigenvectors with those at initialisation, principal angles,
 * kernel distance, kernel–target alignment and the deformed-surface height field.
 * All matrices row-major; eigenvectors as rows (see eigen.ts).
 */
import { dot, frobeniusDot, frobeniusNorm } from './dense';

/** K_c = HKH / ‖HKH‖_F with H = I − 11ᵀ/n (the zero matrix stays zero). */
export function centerNormalize(K: Float64Array, n: number): Float64Array {
  const rowMean = new Float64Array(n);
  let all = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += K[i * n + j];
    rowMean[i] = s / n;
    all += s;
  }
  all /= n * n;
  // (HKH)_ij = K_ij − r_i − r_j + mean (K symmetric, so column means = row means)
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j] = K[i * n + j] - rowMean[i] - rowMean[j] + all;
  const f = frobeniusNorm(C);
  if (f > 0) for (let i = 0; i < C.length; i++) C[i] /= f;
  return C;
}

/** O = |V₀ V_tᵀ| (k₀ × k_t): |cos| between eigenvector i at the start and j now. */
export function overlapMatrix(V0: Float64Array, Vt: Float64Array, n: number): Float64Array {
  const k0 = V0.length / n;
  const kt = Vt.length / n;
  const O = new Float64Array(k0 * kt);
  for (let i = 0; i < k0; i++) for (let j = 0; j < kt; j++) O[i * kt + j] = Math.min(1, Math.abs(dot(V0, Vt, n, i * n, j * n)));
  return O;
}

/**
 * Principal angles (radians, ascending) between span(V₀) and span(V_t), k vectors
 * each: θ_i = acos σ_i(V₀ V_tᵀ). Small angles come from the sines instead — the
 * singular values of R = V_t − (V_t V₀ᵀ) V₀, the part of V_t outside span V₀ —
 * because cos θ ≈ 1 − θ²/2 hides θ below ~1e-8.
 */
export function principalAngles(V0: Float64Array, Vt: Float64Array, n: number): Float64Array {
  const k = V0.length / n;
  const M = new Float64Array(k * k); // M[i,j] = ⟨V₀_i, V_t_j⟩
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) M[i * k + j] = dot(V0, Vt, n, i * n, j * n);
  const R = Vt.slice(0, k * n);
  for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) for (let r = 0; r < n; r++) R[j * n + r] -= M[i * k + j] * V0[i * n + r];
  const cos = rowSingularValues(M, k, k).sort((a, b) => b - a); // smallest angle first
  const sin = rowSingularValues(R, k, n).sort((a, b) => a - b); // smallest angle first
  return Float64Array.from({ length: k }, (_, i) => (cos[i] >= Math.SQRT1_2 ? Math.asin(Math.min(1, sin[i])) : Math.acos(Math.min(1, cos[i]))));
}

/**
 * Singular values of a rows × cols matrix by one-sided Jacobi (rotate pairs of
 * rows until all are orthogonal; the row norms are then the σ). Accurate to
 * ε·‖A‖ absolute even for tiny σ, unlike the square roots of eig(AAᵀ).
 */
function rowSingularValues(A: Float64Array, rows: number, cols: number): Float64Array {
  const X = A.slice();
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let i = 0; i < rows; i++)
      for (let j = i + 1; j < rows; j++) {
        const a = dot(X, X, cols, i * cols, i * cols);
        const b = dot(X, X, cols, j * cols, j * cols);
        const g = dot(X, X, cols, i * cols, j * cols);
        if (Math.abs(g) <= 1e-15 * Math.sqrt(a * b) || g === 0) continue;
        rotated = true;
        const zeta = (b - a) / (2 * g);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let r = 0; r < cols; r++) {
          const xi = X[i * cols + r];
          const xj = X[j * cols + r];
          X[i * cols + r] = c * xi - s * xj;
          X[j * cols + r] = s * xi + c * xj;
        }
      }
    if (!rotated) break;
  }
  return Float64Array.from({ length: rows }, (_, i) => Math.sqrt(dot(X, X, cols, i * cols, i * cols)));
}

/** 1 − ⟨K₀, K_t⟩_F / (‖K₀‖_F ‖K_t‖_F), in [0, 2]; 0 = same shape. */
export function kernelDistance(K0: Float64Array, Kt: Float64Array): number {
  const den = frobeniusNorm(K0) * frobeniusNorm(Kt);
  if (den === 0) return 0;
  return Math.min(2, Math.max(0, 1 - frobeniusDot(K0, Kt) / den));
}

/**
 * Kernel–target alignment A = ⟨K_c, Y Yᵀ⟩_F / (‖K_c‖_F ‖Y Yᵀ‖_F) for a target Y
 * (n × cols). Full view: Y = y, one column, and this is yᵀK_c y / (‖K_c‖_F ‖y‖²);
 * trace view: Y = the probe's one-hot label matrix (m × p), centred.
 */
export function kernelTargetAlignment(Kc: Float64Array, n: number, Y: Float64Array, cols: number): number {
  let num = 0;
  const KY = new Float64Array(n);
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Kc[i * n + j] * Y[j * cols + c];
      KY[i] = s;
    }
    for (let i = 0; i < n; i++) num += Y[i * cols + c] * KY[i];
  }
  // ‖YYᵀ‖_F = ‖YᵀY‖_F, the cheaper cols × cols form
  let yy = 0;
  for (let a = 0; a < cols; a++)
    for (let b = 0; b < cols; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Y[i * cols + a] * Y[i * cols + b];
      yy += s * s;
    }
  const den = frobeniusNorm(Kc) * Math.sqrt(yy);
  return den === 0 ? 0 : num / den;
}

/**
 * Centred one-hot targets. 'full': y (m·p × 1), onehot − 1/p (H y over all m·p
 * entries). 'trace': Y_c = H Y (m × p), each class column minus its mean.
 */
export function centredOneHot(labels: ArrayLike<number>, p: number, view: 'full' | 'trace'): Float64Array {
  const m = labels.length;
  const Y = new Float64Array(m * p);
  for (let i = 0; i < m; i++) Y[i * p + labels[i]] = 1;
  if (view === 'full') return Y.map((v) => v - 1 / p);
  for (let c = 0; c < p; c++) {
    let mean = 0;
    for (let i = 0; i < m; i++) mean += Y[i * p + c];
    mean /= m;
    for (let i = 0; i < m; i++) Y[i * p + c] -= mean;
  }
  return Y;
}

/** The deformed surface: K_c(t) − K_c(0) over the probe-pair grid. */
export function heightField(Kc0: Float64Array, Kct: Float64Array): Float64Array {
  return Kct.map((v, i) => v - Kc0[i]);
}
