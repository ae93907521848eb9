/**
 * The float64 reference model against finite differences, and its Σg² against
 * per-example gradients computed one example at a time (the gate's statistics).
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/config/settings';
import { initParams, modelLayout } from '../src/model/layout';
import { lossAndGrad, lossOnly } from '../src/reference/mlp';
import { Rng } from '../src/util/rng';

describe('reference gradients', () => {
  for (const act of ACTIVATIONS)
    for (const depth of [1, 2, 3])
      it(`match central finite differences (${act}, depth ${depth})`, () => {
        const layout = modelLayout({ p: 5, embed: 3, width: 4, depth, act });
        const w = Float64Array.from(initParams(layout, depth));
        const rng = new Rng(depth, act);
        const n = 9;
        const tokens = Uint32Array.from({ length: 2 * n }, () => rng.int(5));
        tokens[1] = tokens[0]; // an a = b example
        const labels = Uint32Array.from({ length: n }, () => rng.int(5));
        const { grad } = lossAndGrad(layout, w, tokens, labels, n);
        // central differences: truncation error h²·|f'''|/6 and rounding error ~u·|f|/h;
        // h = 1e-5 balances them near 1e-10 for f = O(1); relu kinks are avoided by
        // checking that the two one-sided slopes agree before comparing.
        const h = 1e-5;
        let checked = 0;
        for (const t of layout.tensors)
          for (let k = t.offset; k < t.offset + t.size; k++) {
            const w0 = w[k];
            w[k] = w0 + h;
            const fp = lossOnly(layout, w, tokens, labels, n);
            w[k] = w0 - h;
            const fm = lossOnly(layout, w, tokens, labels, n);
            w[k] = w0;
            const f0 = lossOnly(layout, w, tokens, labels, n);
            if (Math.abs((fp - f0) / h - (f0 - fm) / h) > 1e-3) continue; // on a kink
            const fd = (fp - fm) / (2 * h);
            expect(Math.abs(grad[k] - fd)).toBeLessThan(1e-7 + 1e-6 * Math.abs(fd));
            checked++;
          }
        expect(checked).toBeGreaterThan(layout.paramCount * 0.8);
      });

  it('Σ(g_i/b)² equals the sum over explicit per-example gradients, a = b included', () => {
    const layout = modelLayout({ p: 7, embed: 4, width: 6, depth: 2, act: 'gelu' });
    const w = Float64Array.from(initParams(layout, 3));
    const rng = new Rng(3, 'persample');
    const n = 12;
    const tokens = Uint32Array.from({ length: 2 * n }, () => rng.int(7));
    for (let i = 0; i < 4; i++) tokens[2 * i + 1] = tokens[2 * i];
    const labels = Uint32Array.from({ length: n }, () => rng.int(7));
    const { grad, sq } = lossAndGrad(layout, w, tokens, labels, n, true);
    const sumSq = new Float64Array(layout.totalSize);
    const mean = new Float64Array(layout.totalSize);
    for (let i = 0; i < n; i++) {
      const gi = lossAndGrad(layout, w, tokens.subarray(2 * i, 2 * i + 2), labels.subarray(i, i + 1), 1).grad;
      for (let k = 0; k < gi.length; k++) {
        sumSq[k] += (gi[k] / n) ** 2;
        mean[k] += gi[k] / n;
      }
    }
    for (let k = 0; k < layout.totalSize; k++) {
      expect(Math.abs(sq![k] - sumSq[k])).toBeLessThan(1e-14 + 1e-10 * sumSq[k]);
      expect(Math.abs(grad[k] - mean[k])).toBeLessThan(1e-14 + 1e-10 * Math.abs(mean[k]));
    }
  });
});
