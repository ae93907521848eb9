/**
 * Lanczos for functions of a symmetric positive semidefinite operator A applied to
 * one vector, without forming A: the matrix-free half of instrument 2.
 *
 * m steps of Lanczos from z₀ (full reorthogonalisation: m ≤ a few hundred, so the
 * O(m²N) cost is small beside m products with A) give A Q_m ≈ Q_m T_m with T_m
 * tridiagonal; then f(A) z₀ ≈ ‖z₀‖ Q_m f(T_m) e₁, which converges for the smooth,
 * decaying functions used here (e^{−hA}, its integral, 1 − e^{−2hA}) in about
 * √(h·λ_max) steps. The run stops when the coefficients of every requested function
 * have settled, or the Krylov space is exhausted (exact).
 */
import { dot } from './dense';
import { symmetricEigen } from './eigen';

export type VectorOperator = (x: Float64Array) => Float64Array;

export interface LanczosBasis {
  /** orthonormal Krylov vectors q_1..q_m */
  Q: Float64Array[];
  /** T_m: diagonal α, off-diagonal β (β[j] couples j and j+1) */
  alpha: number[];
  beta: number[];
  /** ‖z₀‖ */
  norm: number;
}

/** The eigenpairs (θ_j, first components s_j) of T_m: f(T)e₁ = Σ_j s_j f(θ_j) y_j. */
interface Ritz {
  theta: Float64Array;
  /** y_j (row j, length m) */
  Y: Float64Array;
  m: number;
}

function ritz(b: LanczosBasis): Ritz {
  const m = b.alpha.length;
  const T = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    T[j * m + j] = b.alpha[j];
    if (j + 1 < m) T[j * m + j + 1] = T[(j + 1) * m + j] = b.beta[j];
  }
  const e = symmetricEigen(T, m);
  return { theta: e.values, Y: e.vectors, m };
}

/** c = f(T_m) e₁ (length m) for a scalar function f of the Ritz values. */
function coefficients(r: Ritz, f: (theta: number) => number): Float64Array {
  const { m, theta, Y } = r;
  const c = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const w = Y[j * m] * f(Math.max(0, theta[j])); // A is PSD: negative Ritz values are rounding
    for (let i = 0; i < m; i++) c[i] += w * Y[j * m + i];
  }
  return c;
}

/**
 * Lanczos from z₀, grown until every f in `fns` has converged: the change of f(T)e₁
 * between m and m − 8 falls below `tol` (relative), or the space is invariant.
 */
export function lanczos(A: VectorOperator, z0: Float64Array, fns: ((t: number) => number)[], opts: { maxSteps?: number; tol?: number; fixedSteps?: boolean } = {}): LanczosBasis {
  const maxSteps = Math.min(opts.maxSteps ?? 160, z0.length);
  const tol = opts.tol ?? 1e-11;
  const norm = Math.sqrt(dot(z0, z0));
  const basis: LanczosBasis = { Q: [], alpha: [], beta: [], norm };
  if (norm === 0) return basis;
  let q = z0.map((v) => v / norm);
  let prev: Float64Array[] | null = null;
  let scaleA = 0;
  for (let j = 0; j < maxSteps; j++) {
    basis.Q.push(q);
    const w = A(q);
    const a = dot(q, w);
    basis.alpha.push(a);
    scaleA = Math.max(scaleA, Math.abs(a));
    // full reorthogonalisation, twice ("twice is enough")
    for (let pass = 0; pass < 2; pass++)
      for (const v of basis.Q) {
        const c = dot(v, w);
        for (let i = 0; i < w.length; i++) w[i] -= c * v[i];
      }
    const b = Math.sqrt(dot(w, w));
    const m = j + 1;
    if (b <= 1e-13 * Math.max(scaleA, b)) break; // invariant subspace: f(T)e₁ is exact
    if (!opts.fixedSteps && m >= 8 && m % 4 === 0) {
      const r = ritz(basis);
      const now = fns.map((f) => coefficients(r, f));
      if (prev) {
        const settled = now.every((c, k) => {
          let diff = 0;
          let size = 0;
          for (let i = 0; i < c.length; i++) {
            const old = i < prev![k].length ? prev![k][i] : 0;
            diff += (c[i] - old) ** 2;
            size += c[i] ** 2;
          }
          return diff <= tol * tol * Math.max(size, 1e-300);
        });
        if (settled) break;
      }
      prev = now;
    }
    basis.beta.push(b);
    q = w.map((v) => v / b);
  }
  basis.beta.length = basis.alpha.length - 1;
  return basis;
}

/** ‖z₀‖ Q_m f(T_m) e₁ for each f. */
export function applyFunctions(b: LanczosBasis, fns: ((t: number) => number)[]): Float64Array[] {
  const N = b.Q[0]?.length ?? 0;
  if (b.Q.length === 0) return fns.map(() => new Float64Array(N));
  const r = ritz(b);
  return fns.map((f) => {
    const c = coefficients(r, f);
    const out = new Float64Array(N);
    b.Q.forEach((q, i) => {
      const s = b.norm * c[i];
      for (let k = 0; k < N; k++) out[k] += s * q[k];
    });
    return out;
  });
}

/** ‖z₀‖² e₁ᵀ f(T_m) e₁: the quadratic form z₀ᵀ f(A) z₀. */
export function quadraticForm(b: LanczosBasis, f: (t: number) => number): number {
  if (b.Q.length === 0) return 0;
  const r = ritz(b);
  let s = 0;
  for (let j = 0; j < r.m; j++) s += r.Y[j * r.m] ** 2 * f(Math.max(0, r.theta[j]));
  return b.norm * b.norm * s;
}

/**
 * The Gauss quadrature of z₀'s spectral measure: nodes θ_j (the Ritz values,
 * descending) and weights τ_j = (first component of y_j)², Σ τ_j = 1, so that
 * z₀ᵀ f(A) z₀ ≈ ‖z₀‖² Σ_j τ_j f(θ_j) — exact for polynomials of degree < 2m, and for
 * every f once the Krylov space is invariant.
 */
export function spectralMeasure(b: LanczosBasis): { theta: Float64Array; weight: Float64Array } {
  if (b.Q.length === 0) return { theta: new Float64Array(0), weight: new Float64Array(0) };
  const r = ritz(b);
  const order = Array.from({ length: r.m }, (_, j) => j).sort((i, j) => r.theta[j] - r.theta[i]);
  return { theta: Float64Array.from(order, (j) => r.theta[j]), weight: Float64Array.from(order, (j) => r.Y[j * r.m] ** 2) };
}

/** λ_max(A) by Lanczos from z₀ (the largest Ritz value; converges from below, fast for the top of the spectrum). */
export function largestEigenvalue(A: VectorOperator, z0: Float64Array, steps = 40): number {
  const b = lanczos(A, z0, [], { maxSteps: steps, fixedSteps: true });
  if (b.Q.length === 0) return 0;
  return Math.max(0, ritz(b).theta[0]);
}
