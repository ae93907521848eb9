/**
 * Rotation metrics (src/theory/rotation.ts): centring, overlap, principal angles
 * (against constructed rotations and ml-matrix's SVD), kernel distance and
 * kernel–target alignment.
 */
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/util/rng';
import { centerNormalize, centredOneHot, heightField, kernelDistance, kernelTargetAlignment, overlapMatrix, principalAngles } from '../src/theory/rotation';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed, 'rot-test');
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = rng.normal();
  return A;
}

/** k orthonormal rows in Rⁿ from QR of a Gaussian matrix. */
function orthonormalRows(n: number, k: number, seed: number): Float64Array {
  const rng = new Rng(seed, 'rows');
  const G = new Matrix(n, k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) G.set(i, j, rng.normal());
  const Q = new QrDecomposition(G).orthogonalMatrix; // n × n; first k columns span G
  return Float64Array.from({ length: k * n }, (_, t) => Q.get(t % n, Math.floor(t / n)));
}

describe('centring', () => {
  it('HKH/‖HKH‖_F: zero row sums, unit norm, equal to the explicit product', () => {
    const n = 7;
    const K = randomSymmetric(n, 1);
    const Kc = centerNormalize(K, n);
    const H = Matrix.eye(n).sub(Matrix.ones(n, n).div(n));
    const ref = H.mmul(new Matrix(Array.from({ length: n }, (_, i) => Array.from(K.subarray(i * n, i * n + n))))).mmul(H);
    const f = ref.norm('frobenius');
    for (let i = 0; i < n; i++) {
      let row = 0;
      for (let j = 0; j < n; j++) {
        row += Kc[i * n + j];
        expect(Kc[i * n + j]).toBeCloseTo(ref.get(i, j) / f, 13); // O(n) rounded adds of O(1) terms
      }
      expect(Math.abs(row)).toBeLessThan(1e-14);
    }
    expect(Kc.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 14);
  });
});

describe('principal angles and overlap', () => {
  it('recover the angles of a constructed rotation, tiny ones included', () => {
    const n = 12;
    const k = 4;
    const basis = orthonormalRows(n, 2 * k, 5);
    const angles = [0, 1e-9, 0.3, 1.2]; // 1e-9: acos(cos θ) would return 0 or ~1.5e-8 here
    const V0 = basis.slice(0, k * n);
    const Vt = new Float64Array(k * n);
    for (let j = 0; j < k; j++) for (let r = 0; r < n; r++) Vt[j * n + r] = Math.cos(angles[j]) * basis[j * n + r] + Math.sin(angles[j]) * basis[(k + j) * n + r];
    const got = principalAngles(V0, Vt, n);
    angles.forEach((a, i) => expect(Math.abs(got[i] - a)).toBeLessThan(1e-14 + 1e-12 * a));
    const O = overlapMatrix(V0, Vt, n);
    angles.forEach((a, i) => expect(O[i * k + i]).toBeCloseTo(Math.cos(a), 14));
    expect(O[0 * k + 1]).toBeLessThan(1e-14); // rows rotate into disjoint directions
  });

  it('match acos of the singular values from ml-matrix on random subspaces', () => {
    const n = 20;
    const k = 5;
    const V0 = orthonormalRows(n, k, 1);
    const Vt = orthonormalRows(n, k, 2);
    const M = new Matrix(k, k);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++)
        M.set(
          i,
          j,
          V0.subarray(i * n, i * n + n).reduce((s, v, r) => s + v * Vt[j * n + r], 0),
        );
    const sv = new SingularValueDecomposition(M).diagonal.slice().sort((a, b) => b - a);
    const got = principalAngles(V0, Vt, n);
    // random 5-planes in R^20 sit at angles well inside (0, π/2), where acos is well conditioned
    sv.forEach((s, i) => expect(Math.abs(got[i] - Math.acos(Math.min(1, s)))).toBeLessThan(1e-10));
    for (const v of overlapMatrix(V0, Vt, n)) expect(v >= 0 && v <= 1).toBe(true);
  });
});

describe('kernel distance and alignment', () => {
  it('distance: 0 for a rescaled copy, 1 for orthogonal kernels, grows with the change', () => {
    const n = 6;
    const K = randomSymmetric(n, 3);
    expect(
      kernelDistance(
        K,
        K.map((v) => 3 * v),
      ),
    ).toBeLessThan(1e-15);
    const A = new Float64Array(n * n);
    const B = new Float64Array(n * n);
    A[0] = 1;
    B[n + 1] = 1; // disjoint supports: ⟨A, B⟩_F = 0
    expect(kernelDistance(A, B)).toBe(1);
    const E = randomSymmetric(n, 4);
    const d1 = kernelDistance(
      K,
      K.map((v, i) => v + 0.01 * E[i]),
    );
    const d2 = kernelDistance(
      K,
      K.map((v, i) => v + 0.1 * E[i]),
    );
    expect(d1).toBeGreaterThan(0);
    expect(d2).toBeGreaterThan(d1);
  });

  it('alignment is 1 for the target kernel itself, and the trace form equals the Gram form', () => {
    const labels = [0, 0, 1, 2, 2, 2];
    const p = 3;
    const m = labels.length;
    const Y = centredOneHot(labels, p, 'trace');
    const T = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let c = 0; c < p; c++) T[i * m + j] += Y[i * p + c] * Y[j * p + c];
    expect(kernelTargetAlignment(centerNormalize(T, m), m, Y, p)).toBeCloseTo(1, 14);
    // full view: y = onehot − 1/p, one column; K = y yᵀ gives A = 1, its negative −1
    const y = centredOneHot(labels, p, 'full');
    const N = m * p;
    const yy = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) yy[i * N + j] = y[i] * y[j];
    expect(kernelTargetAlignment(yy, N, y, 1)).toBeCloseTo(1, 14);
    expect(
      kernelTargetAlignment(
        yy.map((v) => -v),
        N,
        y,
        1,
      ),
    ).toBeCloseTo(-1, 14);
    // an unrelated kernel aligns less
    expect(Math.abs(kernelTargetAlignment(centerNormalize(randomSymmetric(m, 9), m), m, Y, p))).toBeLessThan(0.9);
    expect(y.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 14);
  });

  it('height field is the entrywise change', () => {
    expect(Array.from(heightField(Float64Array.from([1, 2]), Float64Array.from([1.5, 0])))).toEqual([0.5, -2]);
  });
});
