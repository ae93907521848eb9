/**
 * The dissipation Gramian (src/theory/gramian.ts). The accumulator takes K̃ and B
 * as inputs, so it is tested on a linear model u = X w with squared loss
 * Φ = ‖u − y‖²/2n, where everything has a closed form in K's eigenbasis:
 * B = I/n, K = XXᵀ constant, P_t = (I − ηK/n)^t,
 *   Euler (discrete GD):  λ_W,i = Σ_{t<T} η k_i (1 − η k_i/n)^{2t}
 *   flow (gradient flow): λ_W,i = (n/2)(1 − e^{−2 k_i ηT/n})
 * and the reservoir is exactly ker K. Cross-entropy's g and B are checked by
 * finite differences, the flow integrator against fine Euler steps.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/util/rng';
import { matMulT } from '../src/theory/dense';
import { symmetricEigen } from '../src/theory/eigen';
import { applyTransfer, countAbove, transferNorms } from '../src/theory/channel';
import { centredBasis, centredHessian, centredKernel, centredLeft, centredRight, crossEntropyGradient, crossEntropyHessian, type BlockDiagonal } from '../src/theory/crossEntropy';
import { DissipationGramian, pivotedCholesky } from '../src/theory/gramian';

const N = 12; // outputs (training points, one output each)
const P = 5; // parameters: rank K = 5, so ker K has dimension 7
const NQ = 4;
const rng = new Rng(2024, 'gramian-test');
const gauss = (len: number) => Float64Array.from({ length: len }, () => rng.normal());
const X = gauss(N * P);
const XQ = gauss(NQ * P);
const K = matMulT(X, X, N, P, N);
const KQS = matMulT(XQ, X, NQ, P, N);
const kEig = symmetricEigen(K, N); // k_1 ≥ … ≥ k_5 > 0 = k_6 … k_12 (up to rounding)
const B: BlockDiagonal = { size: 1, count: N, blocks: new Float64Array(N).fill(1 / N) };
const eta = (0.5 * N) / kEig.values[0]; // η k_max / n = 0.5: a stable, contracting step
const T = 40;

/** Discrete GD on the linear model, in parameter space: the ground truth for the outputs. */
function simulateGD(w0: Float64Array, y: Float64Array, steps: number) {
  const w = w0.slice();
  const u = () => matMulT(X, w, N, P, 1);
  const g0 = u().map((v, i) => (v - y[i]) / N);
  const uq0 = matMulT(XQ, w, NQ, P, 1);
  for (let t = 0; t < steps; t++) {
    const g = u().map((v, i) => (v - y[i]) / N);
    for (let k = 0; k < P; k++) for (let i = 0; i < N; i++) w[k] -= eta * X[i * P + k] * g[i];
  }
  return { g0, dUQ: matMulT(XQ, w, NQ, P, 1).map((v, i) => v - uq0[i]) };
}

/** T intervals of one step each (`chunk` = 1), or fewer intervals of `chunk` steps: the closed forms must agree */
function run(integrator: 'discrete' | 'flow', chunk = 1) {
  const gram = new DissipationGramian(N, NQ);
  for (let t = 0; t < T; t += chunk) gram.advance(eta, chunk, K, B, KQS, integrator);
  return gram;
}

const sortedDesc = (a: number[]) => a.slice().sort((x, y) => y - x);

describe('dissipation Gramian on a linear model', () => {
  for (const integrator of ['discrete', 'flow'] as const)
    it(`${integrator}: W's spectrum has the closed form, reservoir = ker K, ker W ⊆ ker G_Q`, () => {
      const gram = run(integrator);
      const eig = gram.eigen();
      const closed = sortedDesc(
        Array.from(kEig.values, (k) => {
          k = Math.max(0, k);
          if (integrator === 'flow') return k === 0 ? 0 : (N / 2) * -Math.expm1((-2 * k * eta * T) / N);
          let s = 0;
          for (let t = 0; t < T; t++) s += eta * k * (1 - (eta * k) / N) ** (2 * t);
          return s;
        }),
      );
      // rounding: T steps of N×N products, each ~N·ε relative → ~40·12·2.2e-16 ≈ 1e-13 of λ_max
      closed.forEach((v, i) => expect(Math.abs(eig.values[i] - v)).toBeLessThan(1e-10 * closed[0]));

      const dim = countAbove(eig.values, 1e-9 * eig.values[0], true);
      expect(dim).toBe(P); // the 5 nonzero modes of K; ker K's are rounding
      // reservoir vectors lie in ker K = ker Xᵀ: ‖Xᵀψ‖ at rounding level (‖X‖ ~ 5)
      for (let j = dim; j < N; j++) {
        const psi = eig.vectors.subarray(j * N, (j + 1) * N);
        const xt = matMulT(
          psi,
          Float64Array.from({ length: P * N }, (_, t) => X[(t % N) * P + Math.floor(t / N)]),
          1,
          N,
          P,
        );
        expect(Math.hypot(...xt)).toBeLessThan(1e-10);
      }
      const norms = transferNorms(gram.GQ, NQ, eig.vectors, N);
      const channelMax = Math.max(...norms.subarray(0, dim));
      expect(channelMax).toBeGreaterThan(1e-2); // the channel does transfer
      expect(Math.max(...norms.subarray(dim)) / channelMax).toBeLessThan(1e-10);
    });

  it('discrete: one interval of T steps in closed form equals T one-step intervals', () => {
    const a = run('discrete');
    const b = run('discrete', T);
    const c = run('discrete', 8);
    for (const g of [b, c]) {
      const scale = Math.max(...a.W.map(Math.abs));
      a.W.forEach((v, i) => expect(Math.abs(v - g.W[i])).toBeLessThan(1e-10 * scale));
      a.GQ.forEach((v, i) => expect(Math.abs(v - g.GQ[i])).toBeLessThan(1e-10 * Math.max(...a.GQ.map(Math.abs))));
      a.P.forEach((v, i) => expect(Math.abs(v - g.P[i])).toBeLessThan(1e-10));
    }
    // and the per-step stiffness is η·λ_max(BK) = η·k_max/n = 0.5 whatever the chunking
    expect(b.stiffnessPerStep).toBeCloseTo(0.5, 10);
    expect(a.stiffnessPerStep).toBeCloseTo(0.5, 10);
  });

  it('discrete: −G_Q g(0) is exactly the held-out change of discrete GD', () => {
    const gram = run('discrete', 10);
    const { g0, dUQ } = simulateGD(gauss(P), gauss(N), T);
    const pred = applyTransfer(gram.GQ, NQ, N, g0).map((v) => -v);
    pred.forEach((v, i) => expect(Math.abs(v - dUQ[i])).toBeLessThan(1e-10 * Math.max(...dUQ.map(Math.abs))));
  });

  it('flow: −G_Q g(0) is the held-out change of gradient flow (closed form in K’s eigenbasis)', () => {
    const gram = run('flow');
    const g0 = gauss(N);
    // U_Q(T) − U_Q(0) = −K_QS ∫₀^{ηT} e^{−τK/n} dτ g0, with ∫ = Σ_i v_i v_iᵀ (n/k_i)(1 − e^{−k_i ηT/n}) (→ ηT at k = 0)
    const integral = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      const k = Math.max(0, kEig.values[j]);
      const f = k * eta * T < 1e-12 ? eta * T : (N / k) * -Math.expm1((-k * eta * T) / N);
      const v = kEig.vectors.subarray(j * N, (j + 1) * N);
      const c = v.reduce((s, x, i) => s + x * g0[i], 0) * f;
      for (let i = 0; i < N; i++) integral[i] += c * v[i];
    }
    const want = matMulT(KQS, integral, NQ, N, 1).map((v) => -v);
    const got = applyTransfer(gram.GQ, NQ, N, g0).map((v) => -v);
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-9 * Math.max(...want.map(Math.abs))));
    // and g itself: the propagator maps g0 to e^{−ηT K/n} g0, so ker K components are untouched
    const kerDir = kEig.vectors.subarray((N - 1) * N, N * N);
    const Pk = matMulT(gram.P, kerDir, N, N, 1);
    Pk.forEach((v, i) => expect(v).toBeCloseTo(kerDir[i], 10));
  });

  it('restart clears W, G_Q and P', () => {
    const gram = run('flow');
    gram.restart();
    expect(gram.W.every((v) => v === 0) && gram.GQ.every((v) => v === 0)).toBe(true);
    expect(gram.P[0]).toBe(1);
    expect(gram.intervals).toBe(0);
    expect(countAbove(gram.eigen().values, 0, true)).toBe(0);
  });
});

describe('cross-entropy output derivatives', () => {
  const m = 3;
  const p = 4;
  const n = 10; // scale 1/n: Φ = (1/n)Σ_i CE_i over the m probe points
  const u = gauss(m * p).map((v) => 2 * v);
  const labels = [1, 3, 0];
  const phi = (x: Float64Array) => {
    let s = 0;
    for (let i = 0; i < m; i++) {
      const row = Array.from(x.subarray(i * p, i * p + p));
      const mx = Math.max(...row);
      s += mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0)) - row[labels[i]];
    }
    return s / n;
  };
  it('g = ∇Φ and B = ∇²Φ match central differences', () => {
    const g = crossEntropyGradient(u, labels, m, p, n);
    const B = crossEntropyHessian(u, m, p, n);
    const h = 1e-5; // error h²/6·|Φ'''| + ε|Φ|/h ≈ 1e-11; tolerance 1e-8 is three orders above
    for (let r = 0; r < m * p; r++) {
      const up = u.slice();
      const dn = u.slice();
      up[r] += h;
      dn[r] -= h;
      expect(Math.abs((phi(up) - phi(dn)) / (2 * h) - g[r])).toBeLessThan(1e-8);
      const gu = crossEntropyGradient(up, labels, m, p, n);
      const gd = crossEntropyGradient(dn, labels, m, p, n);
      for (let c = 0; c < m * p; c++) {
        const same = Math.floor(r / p) === Math.floor(c / p);
        const Bij = same ? B.blocks[Math.floor(r / p) * p * p + (r % p) * p + (c % p)] : 0;
        expect(Math.abs((gu[c] - gd[c]) / (2 * h) - Bij)).toBeLessThan(1e-8);
      }
    }
  });

  it('centred coordinates: lossless for g, blind to a logit shift, and an exact reduction of the Gramian', () => {
    const H = centredBasis(p);
    for (let a = 0; a < p - 1; a++) expect(Math.abs(Array.from({ length: p }, (_, c) => H[c * (p - 1) + a]).reduce((s, v) => s + v, 0))).toBeLessThan(1e-15);
    const g = crossEntropyGradient(u, labels, m, p, n);
    const gc = centredLeft(g, m, p, 1);
    expect(Math.hypot(...gc)).toBeCloseTo(Math.hypot(...g), 14); // g sums to 0 per point: E is an isometry on it
    expect(Math.hypot(...centredLeft(new Float64Array(m * p).fill(1), m, p, 1))).toBeLessThan(1e-14);
    // full system vs reduced system (K̃_c, B_c, K̃_QS E): W_c = EᵀWE and G_Q,c = G_Q E, up to rounding
    const N = m * p;
    const Kr = gauss(N * N);
    const Kt = matMulT(Kr, Kr, N, N, N);
    const B = crossEntropyHessian(u, m, p, n);
    const KQ = gauss(2 * N);
    const full = new DissipationGramian(N, 2);
    const red = new DissipationGramian(m * (p - 1), 2);
    for (const h of [0.5, 2, 8]) {
      full.advance(h, 1, Kt, B, KQ);
      red.advance(h, 1, centredKernel(Kt, m, p), centredHessian(B), centredRight(KQ, 2, m, p));
    }
    const Wc = centredKernel(full.W, m, p);
    const scale = Math.max(...Wc.map(Math.abs));
    red.W.forEach((v, i) => expect(Math.abs(v - Wc[i])).toBeLessThan(1e-10 * scale));
    const GQc = centredRight(full.GQ, 2, m, p);
    red.GQ.forEach((v, i) => expect(Math.abs(v - GQc[i])).toBeLessThan(1e-10 * Math.max(...GQc.map(Math.abs))));
    // and the full W does grow along the shift directions 1_i, which is why the lab reduces
    const ones = new Float64Array(N).fill(1 / Math.sqrt(N));
    const along = matMulT(matMulT(ones, full.W, 1, N, N), ones, 1, N, 1)[0];
    expect(along).toBeGreaterThan(1e-3 * scale);
  });
});

describe('flow integrator', () => {
  it('equals the limit of fine discrete steps (first-order convergence) and reports the stiffness', () => {
    const m = 3;
    const p = 3;
    const n = m * p;
    const Kr = gauss(n * n);
    const Kt = matMulT(Kr, Kr, n, n, n);
    const B = crossEntropyHessian(gauss(n), m, p, 1);
    const KQ = gauss(2 * n);
    const h = 0.3;
    const flow = new DissipationGramian(n, 2);
    flow.advance(h, 1, Kt, B, KQ, 'flow');
    const euler = (M: number) => {
      const g = new DissipationGramian(n, 2);
      g.advance(h / M, M, Kt, B, KQ, 'discrete'); // M steps of η = h/M, in one closed-form interval
      return g;
    };
    const gap = (g: DissipationGramian) => Math.max(...g.W.map((v, i) => Math.abs(v - flow.W[i])), ...g.P.map((v, i) => Math.abs(v - flow.P[i])), ...g.GQ.map((v, i) => Math.abs(v - flow.GQ[i])));
    const coarse = gap(euler(400));
    const fine = gap(euler(4000));
    // left Riemann sums converge at O(h/M): ten times the steps, about a tenth of the gap
    expect(fine).toBeLessThan(0.2 * coarse);
    expect(fine).toBeLessThan(1e-2 * Math.max(...flow.W.map(Math.abs)));
    // stiffness h·λ_max(BK̃) against a general (nonsymmetric) eigen-solver
    const BK = new Matrix(n, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const b = Math.floor(i / p);
        let s = 0;
        for (let t = 0; t < p; t++) s += B.blocks[b * p * p + (i % p) * p + t] * Kt[(b * p + t) * n + j];
        BK.set(i, j, s);
      }
    const lmax = Math.max(...new EigenvalueDecomposition(BK).realEigenvalues);
    expect(Math.abs(flow.stiffnessPerStep - h * lmax)).toBeLessThan(1e-9 * h * lmax); // one step of η = h
  });

  it('pivoted Cholesky reproduces a rank-deficient PSD matrix with its rank', () => {
    const n = 10;
    const r = 4;
    const F = gauss(n * r);
    const A = matMulT(F, F, n, r, n);
    const R = pivotedCholesky(A, n);
    expect(R.length / n).toBe(r);
    const RtR = matMulT(
      Float64Array.from({ length: n * r }, (_, t) => R[(t % r) * n + Math.floor(t / r)]),
      Float64Array.from({ length: n * r }, (_, t) => R[(t % r) * n + Math.floor(t / r)]),
      n,
      r,
      n,
    );
    RtR.forEach((v, i) => expect(Math.abs(v - A[i])).toBeLessThan(1e-12 * Math.max(...A.map(Math.abs))));
  });
});
