/**
 * Symmetric eigen-solvers (src/theory/eigen.ts) on matrices with known spectra —
 * spread, clustered, repeated — and cross-checked against ml-matrix's
 * EigenvalueDecomposition. Repeated eigenvalues have no unique vectors, so there
 * the test compares eigenspaces (projectors), not vectors.
 */
import { EigenvalueDecomposition, Matrix, QrDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/util/rng';
import { symmetricEigen, symmetricEigenvalues, topEigen, type Eigen } from '../src/theory/eigen';

/** Q diag(λ) Qᵀ with Q a random orthogonal matrix (QR of a Gaussian matrix). */
function withSpectrum(values: number[], seed: number): { A: Float64Array; Q: Matrix } {
  const n = values.length;
  const rng = new Rng(seed, 'eig-test');
  const G = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G.set(i, j, rng.normal());
  const Q = new QrDecomposition(G).orthogonalMatrix;
  const A = Q.mmul(Matrix.diag(values)).mmul(Q.transpose());
  const flat = Float64Array.from(A.to1DArray());
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) flat[i * n + j] = flat[j * n + i] = 0.5 * (flat[i * n + j] + flat[j * n + i]);
  return { A: flat, Q };
}

/** ‖A v − λ v‖ for every returned pair, and ‖VVᵀ − I‖ (max entry). */
function residuals(A: Float64Array, e: Eigen): { res: number; orth: number } {
  const n = e.n;
  const k = e.values.length;
  let res = 0;
  let orth = 0;
  for (let j = 0; j < k; j++) {
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += A[r * n + c] * e.vectors[j * n + c];
      res = Math.max(res, Math.abs(s - e.values[j] * e.vectors[j * n + r]));
    }
    for (let i = 0; i < k; i++) {
      let d = 0;
      for (let r = 0; r < n; r++) d += e.vectors[i * n + r] * e.vectors[j * n + r];
      orth = Math.max(orth, Math.abs(d - (i === j ? 1 : 0)));
    }
  }
  return { res, orth };
}

/** max entry of P_a − P_b for the projectors onto two row-sets of vectors. */
function projectorGap(Va: Float64Array, Vb: Float64Array, n: number): number {
  const proj = (V: Float64Array) => {
    const P = new Float64Array(n * n);
    for (let j = 0; j < V.length / n; j++) for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) P[r * n + c] += V[j * n + r] * V[j * n + c];
    return P;
  };
  const Pa = proj(Va);
  const Pb = proj(Vb);
  return Pa.reduce((m, v, i) => Math.max(m, Math.abs(v - Pb[i])), 0);
}

// Backward-stable symmetric solvers: eigenvalue errors ≤ c·n·ε·‖A‖ (Weyl), residuals likewise.
// n ≤ 60, ε = 2.2e-16, c ~ 10 gives ~1e-13·‖A‖; the tests allow 1e-11·‖A‖.
const TOL = 1e-11;

describe('symmetricEigen', () => {
  const spectra: [string, number[]][] = [
    ['spread', Array.from({ length: 40 }, (_, i) => 10 * 0.8 ** i)],
    ['clustered', Array.from({ length: 30 }, (_, i) => 1 + 1e-9 * i).concat([5, 5 + 1e-12, -2])],
    ['repeated', [7, 7, 7, 3, 3, 0, 0, 0, 0, -1]],
    ['indefinite', Array.from({ length: 25 }, (_, i) => Math.sin(3 * i) * 4)],
  ];
  for (const [name, values] of spectra)
    it(`recovers a ${name} spectrum`, () => {
      const { A } = withSpectrum(values, values.length);
      const n = values.length;
      const e = symmetricEigen(A, n);
      const want = values.slice().sort((a, b) => b - a);
      const norm = Math.max(...values.map(Math.abs));
      want.forEach((v, i) => expect(Math.abs(e.values[i] - v)).toBeLessThan(TOL * norm));
      const { res, orth } = residuals(A, e);
      expect(res).toBeLessThan(TOL * norm);
      expect(orth).toBeLessThan(TOL);
      const onlyValues = symmetricEigenvalues(A, n);
      onlyValues.forEach((v, i) => expect(Math.abs(v - e.values[i])).toBeLessThan(TOL * norm));
    });

  it('repeated eigenvalues: eigenspaces match the constructed ones', () => {
    const values = [7, 7, 7, 3, 3, 0, 0, 0, 0, -1];
    const { A, Q } = withSpectrum(values, 3);
    const n = values.length;
    const e = symmetricEigen(A, n);
    const cols = (from: number, to: number) => Float64Array.from({ length: (to - from) * n }, (_, t) => Q.get(t % n, from + Math.floor(t / n)));
    // descending order: λ = 7 is vectors 0..2, λ = 3 is 3..4, λ = 0 is 5..8
    expect(projectorGap(e.vectors.slice(0, 3 * n), cols(0, 3), n)).toBeLessThan(1e-10);
    expect(projectorGap(e.vectors.slice(3 * n, 5 * n), cols(3, 5), n)).toBeLessThan(1e-10);
    expect(projectorGap(e.vectors.slice(5 * n, 9 * n), cols(5, 9), n)).toBeLessThan(1e-10);
  });

  it('agrees with ml-matrix on random symmetric matrices', () => {
    const rng = new Rng(42, 'eig-random');
    for (const n of [1, 2, 5, 33]) {
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = rng.normal();
      const ours = symmetricEigen(A, n);
      const theirs = new EigenvalueDecomposition(new Matrix(Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, i * n + n)))), { assumeSymmetric: true });
      const ref = theirs.realEigenvalues.slice().sort((a, b) => b - a);
      ref.forEach((v, i) => expect(Math.abs(ours.values[i] - v)).toBeLessThan(TOL * (1 + Math.abs(ref[0]))));
    }
  });

  it('handles the zero matrix and a diagonal one', () => {
    const z = symmetricEigen(new Float64Array(9), 3);
    expect(Array.from(z.values)).toEqual([0, 0, 0]);
    expect(residuals(new Float64Array(9), z).orth).toBeLessThan(1e-15);
    const d = symmetricEigen(Float64Array.from([1, 0, 0, 0, 3, 0, 0, 0, 2]), 3);
    expect(Array.from(d.values)).toEqual([3, 2, 1]);
  });
});

describe('topEigen (block Krylov)', () => {
  // A decaying NTK-like spectrum with a repeated pair and a repeated triple at the top
  const n = 300;
  const values = Array.from({ length: n }, (_, i) => (i < 2 ? 50 : i < 5 ? 20 : 10 / (1 + i) ** 1.2));
  const { A, Q } = withSpectrum(values, 8);

  it('finds the top k with subspaces right across the repeated values', () => {
    const k = 8;
    const top = topEigen(A, n, k, { method: 'krylov', tol: 1e-10 });
    const want = values.slice().sort((a, b) => b - a);
    for (let j = 0; j < k; j++) expect(Math.abs(top.values[j] - want[j])).toBeLessThan(1e-9 * want[0]);
    const cols = (from: number, to: number) => Float64Array.from({ length: (to - from) * n }, (_, t) => Q.get(t % n, from + Math.floor(t / n)));
    expect(projectorGap(top.vectors.slice(0, 2 * n), cols(0, 2), n)).toBeLessThan(1e-8);
    expect(projectorGap(top.vectors.slice(2 * n, 5 * n), cols(2, 5), n)).toBeLessThan(1e-8);
    expect(residuals(A, top).res).toBeLessThan(1e-9 * want[0]);
  });

  it('a warm start from the previous vectors needs no more restarts than a cold one', () => {
    const cold = topEigen(A, n, 8, { method: 'krylov', tol: 1e-10 });
    const warm = topEigen(A, n, 8, { method: 'krylov', tol: 1e-10, start: cold.vectors });
    expect(warm.restarts).toBeLessThanOrEqual(cold.restarts);
    expect(warm.restarts).toBe(0); // already converged vectors pass the residual test on the first Rayleigh–Ritz
  });

  it('the dense path and the Krylov path agree', () => {
    const small = withSpectrum(
      Array.from({ length: 60 }, (_, i) => 1 / (1 + i)),
      2,
    ).A;
    const d = topEigen(small, 60, 5, { method: 'dense' });
    const k = topEigen(small, 60, 5, { method: 'krylov', tol: 1e-11 });
    d.values.forEach((v, i) => expect(Math.abs(v - k.values[i])).toBeLessThan(1e-10));
  });
});
