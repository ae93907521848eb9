/**
 * Dense float64 helpers for the theory instruments: row-major matrices in flat
 * Float64Arrays. Written for the sizes the probe produces (N ≤ ~1000), with loops
 * ordered so the innermost one walks contiguous memory.
 */

/**
 * C (m×n) = A (m×k) · Bᵀ with B stored n×k — the one product kernel: every entry
 * is a contiguous dot product, computed 2×2 at a time so each load feeds two
 * multiply–adds (about 2.5× the plain triple loop in V8).
 */
export function matMulT(A: Float64Array, B: Float64Array, m: number, k: number, n: number, C: Float64Array = new Float64Array(m * n)): Float64Array {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    let j = 0;
    for (; j + 1 < n; j += 2) {
      const b0 = j * k;
      const b1 = b0 + k;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let t = 0; t < k; t++) {
        const x0 = A[a0 + t];
        const x1 = A[a1 + t];
        const y0 = B[b0 + t];
        const y1 = B[b1 + t];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      C[i * n + j] = s00;
      C[i * n + j + 1] = s01;
      C[(i + 1) * n + j] = s10;
      C[(i + 1) * n + j + 1] = s11;
    }
    if (j < n) {
      C[i * n + j] = dot(A, B, k, a0, j * k);
      C[(i + 1) * n + j] = dot(A, B, k, a1, j * k);
    }
  }
  if (i < m) for (let j = 0; j < n; j++) C[i * n + j] = dot(A, B, k, i * k, j * k);
  return C;
}

/** C (m×n) = A (m×k) · B (k×n). */
export function matMul(A: Float64Array, B: Float64Array, m: number, k: number, n: number, C?: Float64Array): Float64Array {
  return matMulT(A, transpose(B, k, n), m, k, n, C);
}

/** C (m×n) = Aᵀ · B with A stored k×m and B k×n. */
export function matTMul(A: Float64Array, B: Float64Array, k: number, m: number, n: number, C?: Float64Array): Float64Array {
  return matMulT(transpose(A, k, m), transpose(B, k, n), m, k, n, C);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length, ao = 0, bo = 0): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
  return s;
}

/** ⟨A, B⟩_F over the first n entries. */
export const frobeniusDot = (A: ArrayLike<number>, B: ArrayLike<number>) => dot(A, B);
export const frobeniusNorm = (A: ArrayLike<number>) => Math.sqrt(dot(A, A));

export function transpose(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/** A ← (A + Aᵀ)/2: removes the rounding asymmetry accumulated by products. */
export function symmetrize(A: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const s = 0.5 * (A[i * n + j] + A[j * n + i]);
      A[i * n + j] = s;
      A[j * n + i] = s;
    }
  return A;
}

/** ‖a − b‖ / ‖b‖ (Infinity when b = 0 and a ≠ b). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return Math.sqrt(num / den);
}

/** cos ∠(a, b); 0 when either is the zero vector. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = Math.sqrt(dot(a, a));
  const nb = Math.sqrt(dot(b, b));
  return na === 0 || nb === 0 ? 0 : dot(a, b) / (na * nb);
}
