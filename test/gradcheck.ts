/**
 * Shared float64 gradient checks of the reference model, for any loss (labels:
 * cross-entropy; real targets n × p: squared loss): central finite differences, and
 * Σ(g_i/b)² against explicit per-example gradients (the gate's statistics).
 */
import { expect } from 'vitest';
import type { ModelLayout, TensorInfo } from '../src/model/layout';
import { lossAndGrad, lossOnly, type Targets } from '../src/reference/mlp';

/** One example's targets: its label, or its p real targets. */
export const exampleTargets = (targets: Targets, i: number, p: number): Targets => (targets instanceof Uint32Array ? targets.subarray(i, i + 1) : targets.subarray(i * p, (i + 1) * p));

export function expectFiniteDifferences(layout: ModelLayout, w: Float64Array, tokens: Uint32Array, targets: Targets, n: number): void {
  const { grad } = lossAndGrad(layout, w, tokens, targets, n);
  expectCentralDifferences(layout, w, grad, () => lossOnly(layout, w, tokens, targets, n), 0.8);
}

/**
 * Every parameter's gradient entry against central differences of `loss` (which reads w,
 * perturbed in place and restored): truncation error h²·|f'''|/6 and rounding error
 * ~u·|f|/h; h = 1e-5 balances them near 1e-10 for f = O(1); relu kinks are skipped by
 * checking that the two one-sided slopes agree, and at least `minShare` of the
 * parameters must be checked.
 */
export function expectCentralDifferences(layout: { tensors: readonly TensorInfo[]; paramCount: number }, w: Float64Array, grad: ArrayLike<number>, loss: () => number, minShare: number): void {
  const h = 1e-5;
  let checked = 0;
  for (const t of layout.tensors)
    for (let k = t.offset; k < t.offset + t.size; k++) {
      const w0 = w[k];
      w[k] = w0 + h;
      const fp = loss();
      w[k] = w0 - h;
      const fm = loss();
      w[k] = w0;
      const f0 = loss();
      if (Math.abs((fp - f0) / h - (f0 - fm) / h) > 1e-3) continue; // on a kink
      const fd = (fp - fm) / (2 * h);
      expect(Math.abs(grad[k] - fd), `${t.name}[${k - t.offset}]`).toBeLessThan(1e-7 + 1e-6 * Math.abs(fd));
      checked++;
    }
  expect(checked).toBeGreaterThan(layout.paramCount * minShare);
}

export function expectSquaredGradientsPerExample(layout: ModelLayout, w: Float64Array, tokens: Uint32Array, targets: Targets, n: number): void {
  const { grad, sq } = lossAndGrad(layout, w, tokens, targets, n, true);
  const sumSq = new Float64Array(layout.totalSize);
  const mean = new Float64Array(layout.totalSize);
  for (let i = 0; i < n; i++) {
    const gi = lossAndGrad(layout, w, tokens.subarray(2 * i, 2 * i + 2), exampleTargets(targets, i, layout.p), 1).grad;
    for (let k = 0; k < gi.length; k++) {
      sumSq[k] += (gi[k] / n) ** 2;
      mean[k] += gi[k] / n;
    }
  }
  let nonzero = 0;
  for (let k = 0; k < layout.totalSize; k++) {
    expect(Math.abs(sq![k] - sumSq[k])).toBeLessThan(1e-14 + 1e-10 * sumSq[k]);
    expect(Math.abs(grad[k] - mean[k])).toBeLessThan(1e-14 + 1e-10 * Math.abs(mean[k]));
    if (sumSq[k] > 1e-12) nonzero++;
  }
  expect(nonzero).toBeGreaterThan(layout.paramCount / 2); // not vacuous
}
