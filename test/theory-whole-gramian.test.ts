/**
 * The matrix-free whole-set W̄ (src/theory/wholeGramian.ts) against the dense one
 * (gramian.ts) on a training set small enough for both: the same trajectory measured
 * by two Instruments, one with the dense W on the whole set (set = 'train'), one with
 * the dense W on a sub-probe and the matrix-free reading on the whole set. With as
 * many outer Lanczos steps as W̄ has rows the Krylov space is the whole space, so
 * the Ritz values are W̄'s eigenvalues and the quadratures are exact: the two routes
 * — pivoted Cholesky and closed-form interval maps on the centred K̃ from the
 * structured kernel formula, against VJP/JVP products in parameter space and Lanczos
 * for the interval functions — must agree to the inner Lanczos tolerance (1e-9,
 * relative) times the few hundred products that make one W̄ product: 1e-6 is wide.
 * Mistakes this catches: a dropped propagator in the backward sweep (E_iᵀ), w_i
 * added before instead of after it, φ in place of a, B missing from Eᵀ's Rᵀ B, the
 * wrong B_s in W̄, a label vector not mapped to z = B_s^{+1/2}x.
 */
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/config/presets';
import { ReferenceTrainer } from '../src/reference/trainer';
import { Instruments, type GramianReadout } from '../src/theory/instruments';
import type { Integrator } from '../src/theory/gramian';

// the definition's level, written out so a mutated constant in channel.ts cannot move the test with it
const DECAYED_LEVEL = 1 - Math.exp(-2);

const base = { ...presetConfig('tiny')!, p: 7, train: 0.6, embed: 4, width: 8, noise: 0.2, seed: 3 };

function pair(integrator: Integrator, every: number, measurements: number): { dense: GramianReadout; whole: GramianReadout }[] {
  const cfg = { ...base, integrator };
  const tr = new ReferenceTrainer(cfg);
  const rows = tr.dataset.trainIdx.length * (cfg.p - 1);
  const dense = new Instruments(cfg, tr.dataset, tr.paramLayout, { gramianMaxRows: 10_000 });
  const free = new Instruments(cfg, tr.dataset, tr.paramLayout, { gramianMaxRows: 12, gramianProbeRows: 12, wholeGramianSteps: rows });
  expect(dense.gramianSet).toBe('train');
  expect(free.gramianSet).toBe('probe');
  const out: { dense: GramianReadout; whole: GramianReadout }[] = [];
  for (let k = 0; k < measurements; k++) {
    const input = { step: tr.step, state: { params: Float64Array.from(tr.w), v: tr.state.v.slice(), step: tr.step }, gateMask: null, config: tr.config };
    const a = dense.measure(input).gramian;
    const b = free.measure(input).gramian;
    if (a && b) out.push({ dense: a, whole: b });
    for (let s = 0; s < every; s++) tr.stepOnce();
  }
  return out;
}

describe('the matrix-free whole-set W̄ against the dense W̄ on the same training set', () => {
  for (const integrator of ['flow', 'discrete'] as const) {
    it(`${integrator}: spectrum ends, channel and kernel counts, and the labels' shares, over two or three intervals`, () => {
      const measurements = 4;
      const readings = pair(integrator, integrator === 'flow' ? 10 : 4, measurements);
      expect(readings).toHaveLength(measurements - 1);
      for (const { dense, whole } of readings) {
        const w = whole.whole!;
        expect(w).not.toBeNull();
        expect(w.rows).toBe(dense.rows);
        // the Krylov space closes once it holds one vector per distinct eigenvalue (ker W is a multiple one)
        expect(w.steps).toBeLessThanOrEqual(dense.rows);
        const mu = dense.normalisedSpectrum;
        const tol = 1e-6 * Math.max(1, mu[0]);
        const near = (x: number, set: ArrayLike<number>) => Array.from(set).some((y) => Math.abs(x - y) < tol);
        // invariant Krylov space: every Ritz value is an eigenvalue, and every eigenvalue is a Ritz value
        for (const t of [...w.top, ...w.bottom]) expect(near(t, mu)).toBe(true);
        if (w.steps === dense.rows) {
          // a simple spectrum: the Ritz values are all of W̄'s eigenvalues, in place
          w.top.forEach((t, j) => expect(Math.abs(t - mu[j])).toBeLessThan(tol));
          w.bottom.forEach((t, j) => expect(Math.abs(t - mu[mu.length - w.bottom.length + j])).toBeLessThan(tol));
        }
        expect(Math.abs(w.top[0] - mu[0])).toBeLessThan(tol);
        expect(Math.abs(w.bottom[w.bottom.length - 1] - mu[mu.length - 1])).toBeLessThan(tol);
        // the bounds are bounds: at most the true counts, and reached where the spectrum is simple
        expect(mu.every((m) => Math.abs(m - DECAYED_LEVEL) > 1e-6)).toBe(true);
        expect(w.channelAtLeast).toBeLessThanOrEqual(dense.channel.decayed);
        expect(w.reservoirAtLeast).toBeLessThanOrEqual(dense.rows - dense.channel.decayed);
        expect(w.kernelAtLeast).toBeLessThanOrEqual(dense.kernelDim);
        expect(w.kernelAtLeast).toBe(dense.kernelDim > 0 ? 1 : 0); // ker W: one eigenvalue, seen once
        // one-probe quadrature: within four standard deviations of the true dimension
        expect(Math.abs(w.channelEstimate - dense.channel.decayed)).toBeLessThan(4 * w.channelSd + 1);
        for (const name of ['labels', 'clean', 'noise'] as const) {
          const v = w.vectors[name]!;
          expect(v).not.toBeNull();
          expect(Math.abs(v.decayed - dense.energy.decayed[name]!)).toBeLessThan(1e-6);
          expect(Math.abs(v.dissipated - dense.denseDissipated[name]!)).toBeLessThan(1e-6);
          // and the TrackedVector's whole-set share, a third route (output-space Lanczos on A = B^{1/2}K̃B^{1/2})
          expect(Math.abs(v.dissipated - whole.dissipated[name]!)).toBeLessThan(1e-6);
        }
        expect(w.products).toBeGreaterThan(0);
      }
      // the test is not vacuous: the channel grows over the intervals and the reservoir is not empty at the first
      expect(readings[0].dense.channel.decayed).toBeLessThan(readings[0].dense.rows);
      expect(readings[0].dense.kernelDim).toBeGreaterThan(0);
      expect(readings[readings.length - 1].dense.channel.decayed).toBeGreaterThan(readings[0].dense.channel.decayed);
      expect(readings.some((r) => r.whole.whole!.steps === r.dense.rows)).toBe(true);
    });
  }

  it('is off by default, and off where the dense W already covers the whole training set', () => {
    const tr = new ReferenceTrainer(base);
    for (const opts of [{}, { wholeGramianSteps: 50 }]) {
      const inst = new Instruments(base, tr.dataset, tr.paramLayout, opts);
      const input = (step: number) => ({ step, state: { params: Float64Array.from(tr.w), v: tr.state.v.slice(), step }, gateMask: null, config: tr.config });
      inst.measure(input(0));
      for (let s = 0; s < 5; s++) tr.stepOnce();
      expect(inst.measure(input(5)).gramian!.whole).toBeNull();
    }
  });
});
