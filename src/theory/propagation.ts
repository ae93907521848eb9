/**
 * Matrix-free propagation of output-space vectors over the whole training set
 * (THEORY.md instrument 2): a vector x(s) follows the linearised gradient dynamics
 * ∂τ x = −B K̃ x with K̃ and B held over each interval of r optimizer steps, and we
 * accumulate along the way
 *   ∫ x(τ)ᵀ K̃ x(τ) dτ        = x(s)ᵀ W(s,T) x(s), the energy training dissipated along x,
 *   K̃_QS ∫ x(τ) dτ           = G_Q(T,s) x(s), the held-out displacement it drives,
 * so −G_Q g(s), and the share of any vector's energy that was dissipated, need no
 * N × N matrix. Integrators as in gramian.ts: 'flow' by Lanczos on A = B^{1/2}K̃B^{1/2}
 * (x = B^{1/2} z on range B), 'discrete' by r exact applications of I − ηBK̃.
 */
import type { Integrator } from './gramian';
import { blockDiagonalTimes } from './crossEntropy';
import { dot } from './dense';
import { applyFunctions, lanczos, largestEigenvalue, quadraticForm } from './krylov';
import type { OutputSystem } from './outputSystem';
import { Rng } from '../util/rng';

export class TrackedVector {
  /** x(τ) now */
  x: Float64Array;
  /** ∫ x ᵀK̃ x dτ since s */
  dissipated = 0;
  /** ½ x(s)ᵀ B_s⁺ x(s): what `dissipated` tends to when B is held and x decays fully */
  readonly ceiling: number;
  /** G_Q x(s) = K̃_QS ∫ x dτ (held-out rows), when asked for */
  transfer: Float64Array | null;

  constructor(x: Float64Array, sys: OutputSystem, wantTransfer: boolean) {
    this.x = x.slice();
    const z = blockDiagonalTimes(sys.BhalfPinv, x, 1);
    this.ceiling = 0.5 * dot(z, z);
    this.transfer = wantTransfer ? new Float64Array(sys.NQ) : null;
  }

  /** dissipated / ceiling: the share of x's energy training has dissipated (null for x = 0) */
  get share(): number | null {
    return this.ceiling > 0 ? this.dissipated / this.ceiling : null;
  }

  /** One held interval: `steps` steps at learning rate η with `sys` (measured at the interval's start) held. */
  advance(sys: OutputSystem, eta: number, steps: number, integrator: Integrator, tol = 1e-10): void {
    if (steps <= 0) return;
    const wantTransfer = this.transfer !== null;
    let integral: Float64Array;
    if (integrator === 'discrete') {
      integral = new Float64Array(this.x.length);
      let x = this.x;
      for (let k = 0; k < steps; k++) {
        const Kx = sys.applyK(x);
        this.dissipated += eta * dot(x, Kx);
        for (let i = 0; i < x.length; i++) integral[i] += eta * x[i];
        const BKx = blockDiagonalTimes(sys.B, Kx, 1);
        x = x.map((v, i) => v - eta * BKx[i]);
      }
      this.x = x;
    } else {
      const h = eta * steps;
      const z0 = blockDiagonalTimes(sys.BhalfPinv, this.x, 1);
      const inRange = blockDiagonalTimes(sys.Bhalf, z0, 1); // the part of x in range B; the rest (ker B) does not move
      const decay = (t: number) => Math.exp(-h * t);
      const phi1 = (t: number) => (t * h < 1e-12 ? h : -Math.expm1(-h * t) / t); // ∫₀ʰ e^{−τt} dτ
      const basis = lanczos(sys.applyA, z0, [decay, phi1], { tol });
      const [zEnd, zInt] = applyFunctions(basis, [decay, phi1]);
      // ∫ zᵀ A z dτ = ½ z₀ᵀ (I − e^{−2hA}) z₀
      this.dissipated += 0.5 * quadraticForm(basis, (t) => -Math.expm1(-2 * h * t));
      const xEnd = blockDiagonalTimes(sys.Bhalf, zEnd, 1);
      const xInt = blockDiagonalTimes(sys.Bhalf, zInt, 1);
      for (let i = 0; i < xEnd.length; i++) {
        const still = this.x[i] - inRange[i];
        xEnd[i] += still;
        xInt[i] += h * still;
      }
      this.x = xEnd;
      integral = xInt;
    }
    if (wantTransfer) {
      const t = sys.applyKQS(integral);
      for (let i = 0; i < t.length; i++) this.transfer![i] += t[i];
    }
  }
}

/** A seeded start vector in range B (per-point centred for cross-entropy), for λ_max estimates. */
function startVector(sys: OutputSystem, seed: number): Float64Array {
  const rng = new Rng(seed, 'stiffness');
  const x = Float64Array.from({ length: sys.N }, () => rng.normal());
  return blockDiagonalTimes(sys.Bhalf, x, 1);
}

/** λ_max(B K̃) = λ_max(A) on the whole training set, by Lanczos. */
export function stiffness(sys: OutputSystem, steps = 40, seed = 1): number {
  return largestEigenvalue(sys.applyA, startVector(sys, seed), steps);
}

/** λ_max(K̃_QQ) on the held-out set, by Lanczos (for the Cauchy–Schwarz bound of G_Q). */
export function heldOutKernelMax(sys: OutputSystem, steps = 30, seed = 2): number {
  const rng = new Rng(seed, 'kqq');
  const x = Float64Array.from({ length: sys.NQ }, () => rng.normal());
  return largestEigenvalue(sys.applyKQQ, x, steps);
}
