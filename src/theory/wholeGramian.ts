/**
 * The dissipation Gramian on the WHOLE training set, matrix-free (THEORY.md
 * instrument 2): W(s,T) = Σ_i P_iᵀ Φ_i P_i over the held intervals i since the
 * restart s, applied to a vector without forming anything of size N², for training
 * sets too large for gramian.ts's dense W (the lecture preset: N = 370·23 = 8,510
 * logits, 8,140 centred).
 *
 * Each held interval keeps its OutputSystem (the network at the interval's start, ω,
 * B) and works in parameter space: with K̃ = R Rᵀ, R = J_S diag(√ω) and
 * C = Rᵀ B R (outputSystem.ts), the interval's maps are exact for every output vector,
 *   E_i   = I − B R a(C) Rᵀ           (the propagator of g over the interval),
 *   E_iᵀ  = I − R a(C) Rᵀ B,
 *   Φ_i   = R φ(C) Rᵀ                 (the interval's term of W, before propagation),
 * with the scalar functions a, φ of gramian.ts ('flow' or 'discrete') — the same
 * closed forms the dense DissipationGramian applies with a pivoted Cholesky factor,
 * here applied by Lanczos on C (krylov.ts). W x is one sweep forward,
 * x_{i+1} = E_i x_i, w_i = Φ_i x_i, then one backward by Horner's rule,
 * u = w_{I−1}; u ← w_i + E_iᵀ u: about 2·I Lanczos runs per product.
 *
 * The reading is W̄ = 2 B_s^{1/2} W B_s^{1/2} (channel.ts), by an outer Lanczos run on
 * W̄ from two starts:
 * - a Gaussian vector on range B_s (centred per point for cross-entropy): its Ritz
 *   values bound W̄'s spectrum from inside (Cauchy interlacing: the i-th largest Ritz
 *   value is ≤ the i-th largest eigenvalue, the i-th smallest ≥ the i-th smallest),
 *   so the number of Ritz values at or above the decayed level is a proven lower bound
 *   on the decayed channel's dimension and the number below it a proven lower bound on
 *   the reservoir's; and its Gauss quadrature estimates the channel dimension itself
 *   (stochastic Lanczos quadrature, one probe: d·Σ τ_j 1[θ_j ≥ level], d = dim range B_s);
 * - each given vector x (the labels, their clean and noise parts), as z = B_s^{+1/2} x:
 *   its share in the decayed channel, estimated by the same quadrature, and its
 *   dissipated share Σ τ_j θ_j = zᵀW̄z/‖z‖², which is exact (a quadratic form, Gauss
 *   quadrature integrates the identity) and must equal the TrackedVector's.
 * Cost per measurement: steps × 2·I Lanczos runs of 20–160 C products each, growing
 * with the intervals since s; opt-in (InstrumentOptions.wholeGramianSteps).
 */
import { blockDiagonalTimes } from './crossEntropy';
import { dot } from './dense';
import { discreteFunctions, flowFunctions, type Integrator } from './gramian';
import { applyFunctions, lanczos, spectralMeasure } from './krylov';
import { centrePerPoint, type OutputSystem } from './outputSystem';
import { DECAYED_LEVEL, KERNEL_LEVEL } from './channel';
import { Rng } from '../util/rng';

interface HeldInterval {
  sys: OutputSystem;
  eta: number;
  steps: number;
}

export interface WholeGramianReadout {
  /** dimension of range B_s the reading lives on (n·(p−1) centred for cross-entropy, n·p for squared loss) */
  rows: number;
  /** outer Lanczos steps on W̄ per start */
  steps: number;
  /** held intervals W spans */
  intervals: number;
  /** the largest and the smallest Ritz values of W̄ from the Gaussian start (up to 8 each), descending */
  top: number[];
  bottom: number[];
  /** proven lower bounds (interlacing): #Ritz values ≥ the decayed level, < it, ≤ the kernel level */
  channelAtLeast: number;
  reservoirAtLeast: number;
  kernelAtLeast: number;
  /** the decayed channel's dimension estimated by one-probe Lanczos quadrature, and its sampling standard deviation */
  channelEstimate: number;
  channelSd: number;
  /**
   * Per vector x (the labels, and with label noise their clean and noise parts): its
   * share in the decayed channel (quadrature estimate) and its dissipated share
   * zᵀW̄z/‖z‖², z = B_s^{+1/2}x (exact: a quadratic form; TrackedVector's `share` by another route)
   */
  vectors: Record<string, { decayed: number; dissipated: number } | null>;
  /** C products (one JVP and one VJP each over the whole training set) and wall time of this reading */
  products: number;
  ms: number;
}

export class WholeGramian {
  private intervals: HeldInterval[] = [];
  /** the system at the restart s (its B is B_s); null until the first interval */
  private origin: OutputSystem | null = null;

  constructor(
    readonly integrator: Integrator,
    readonly tol = 1e-9,
  ) {}

  restart(): void {
    this.intervals = [];
    this.origin = null;
  }

  /** Close one held interval: `steps` optimizer steps at mean step size η with `sys` (measured at its start) held. */
  push(sys: OutputSystem, eta: number, steps: number): void {
    if (steps <= 0) return;
    this.origin ??= sys;
    this.intervals.push({ sys, eta, steps });
  }

  private functions(iv: HeldInterval) {
    return this.integrator === 'flow' ? flowFunctions(iv.eta * iv.steps) : discreteFunctions(iv.eta, iv.steps);
  }

  /** f(C) applied to v, for each f (by one Lanczos run on C from v). */
  private inParameterSpace(sys: OutputSystem, v: Float64Array, fns: ((c: number) => number)[]): Float64Array[] {
    const basis = lanczos(sys.applyC, v, fns, { tol: this.tol });
    return applyFunctions(basis, fns);
  }

  /** W x (x on the training outputs, N = n·p) */
  applyW(x: Float64Array): Float64Array {
    const w: Float64Array[] = [];
    let xi = x;
    this.intervals.forEach((iv, i) => {
      const { sys } = iv;
      const f = this.functions(iv);
      const y = sys.applyRt(xi);
      if (i === this.intervals.length - 1) {
        const [phiY] = this.inParameterSpace(sys, y, [f.phi]); // the last interval's propagator is not needed
        w.push(sys.applyR(phiY));
        return;
      }
      const [aY, phiY] = this.inParameterSpace(sys, y, [f.a, f.phi]);
      w.push(sys.applyR(phiY));
      const BRa = blockDiagonalTimes(sys.B, sys.applyR(aY), 1);
      xi = xi.map((v, k) => v - BRa[k]);
    });
    if (w.length === 0) return new Float64Array(x.length);
    let u = w[w.length - 1];
    for (let i = this.intervals.length - 2; i >= 0; i--) {
      const iv = this.intervals[i];
      const { sys } = iv;
      const [aY] = this.inParameterSpace(sys, sys.applyRt(blockDiagonalTimes(sys.B, u, 1)), [this.functions(iv).a]);
      const Ra = sys.applyR(aY);
      u = u.map((v, k) => v - Ra[k] + w[i][k]);
    }
    return u;
  }

  /** W̄ z = 2 B_s^{1/2} W B_s^{1/2} z */
  applyNormalised = (z: Float64Array): Float64Array => {
    const Bh = this.origin!.Bhalf;
    const out = blockDiagonalTimes(Bh, this.applyW(blockDiagonalTimes(Bh, z, 1)), 1);
    for (let i = 0; i < out.length; i++) out[i] *= 2;
    return out;
  };

  /**
   * The reading (header): `steps` outer Lanczos steps from a seeded Gaussian on range
   * B_s, and from each of `vectors` (output vectors on the training set, centred per
   * point for cross-entropy; null ones are skipped).
   */
  read(steps: number, vectors: Record<string, Float64Array | null>, centred: boolean, seed = 1): WholeGramianReadout | null {
    const origin = this.origin;
    if (!origin || this.intervals.length === 0) return null;
    const t0 = performance.now();
    const before = this.intervals.reduce((s, iv) => s + iv.sys.products, 0);
    const p = origin.p;
    const rows = centred ? origin.n * (p - 1) : origin.N;
    const rng = new Rng(seed, 'whole-gramian');
    const gauss = Float64Array.from({ length: origin.N }, () => rng.normal());
    const start = centred ? centrePerPoint(gauss, p) : gauss;
    const m = Math.min(steps, rows);
    const probe = spectralMeasure(lanczos(this.applyNormalised, start, [], { maxSteps: m, fixedSteps: true }));
    const { theta, weight } = probe;
    const count = (pred: (t: number) => boolean) => theta.reduce((s, t) => s + (pred(t) ? 1 : 0), 0);
    let share = 0;
    theta.forEach((t, j) => {
      if (t >= DECAYED_LEVEL) share += weight[j];
    });
    const shares: WholeGramianReadout['vectors'] = {};
    for (const [name, x] of Object.entries(vectors)) {
      const z = x ? blockDiagonalTimes(origin.BhalfPinv, x, 1) : null;
      if (!z || !(dot(z, z) > 0)) {
        shares[name] = null;
        continue;
      }
      const q = spectralMeasure(lanczos(this.applyNormalised, z, [], { maxSteps: m, fixedSteps: true }));
      let decayed = 0;
      let dissipated = 0;
      q.theta.forEach((t, j) => {
        if (t >= DECAYED_LEVEL) decayed += q.weight[j];
        dissipated += q.weight[j] * t;
      });
      shares[name] = { decayed, dissipated };
    }
    const clampedShare = Math.min(1, Math.max(0, share));
    return {
      rows,
      steps: theta.length,
      intervals: this.intervals.length,
      top: Array.from(theta.subarray(0, Math.min(8, theta.length))),
      bottom: Array.from(theta.subarray(Math.max(0, theta.length - 8))),
      channelAtLeast: count((t) => t >= DECAYED_LEVEL),
      reservoirAtLeast: count((t) => t < DECAYED_LEVEL),
      kernelAtLeast: count((t) => t <= KERNEL_LEVEL),
      channelEstimate: rows * clampedShare,
      // one probe, uniform on the sphere of a d-dimensional space: the weight of a c-dimensional subspace is Beta(c/2, (d−c)/2)
      channelSd: rows * Math.sqrt((2 * clampedShare * (1 - clampedShare)) / (rows + 2)),
      vectors: shares,
      products: this.intervals.reduce((s, iv) => s + iv.sys.products, 0) - before,
      ms: performance.now() - t0,
    };
  }
}
