/**
 * The probe Jacobian J (src/theory/jacobian.ts) on tiny nets (p = 5, d = 3,
 * width 4, depth 1 and 2, every activation) against two independent routes: the
 * repository's own backward pass driven by one one-hot output gradient per row,
 * and float64 central differences of the forward pass.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/config/settings';
import { initParams, modelLayout, type ModelLayout } from '../src/model/layout';
import { backward, forward } from '../src/reference/mlp';
import { Rng } from '../src/util/rng';
import { compactOffsets, finiteDifferenceJacobian, jacobianVectorProduct, probeJacobian, probeSensitivities, subSensitivities, traceView } from '../src/theory/jacobian';
import { compactVector, denseKernel } from '../src/theory/kernels';

const P_MOD = 5;

function tinyNet(depth: number, act: (typeof ACTIVATIONS)[number], seed: number) {
  const layout = modelLayout({ p: P_MOD, embed: 3, width: 4, depth, act });
  const w = Float64Array.from(initParams(layout, seed));
  const rng = new Rng(seed, 'test-tokens');
  const m = 4;
  // point 0 uses the same row twice (a = b): its embedding derivative is the sum of both slots
  const tokens = Uint32Array.from([2, 2, ...Array.from({ length: 2 * (m - 1) }, () => rng.int(P_MOD))]);
  return { layout, w, tokens, m };
}

/** J row by row through mlp.backward with G = e_c for one point: the repository's own gradient code. */
function jacobianByBackward(layout: ModelLayout, w: Float64Array, tokens: Uint32Array, m: number): Float64Array {
  const { P } = compactOffsets(layout);
  const p = layout.p;
  const J = new Float64Array(m * p * P);
  const grad = new Float64Array(layout.totalSize);
  for (let i = 0; i < m; i++) {
    const tok = tokens.slice(2 * i, 2 * i + 2);
    const cache = forward(layout, w, tok, 1);
    for (let c = 0; c < p; c++) {
      const G = new Float64Array(p);
      G[c] = 1;
      backward(layout, w, tok, cache, G, grad, null);
      J.set(compactVector(layout, grad), (i * p + c) * P);
    }
  }
  return J;
}

const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('probe Jacobian', () => {
  for (const depth of [1, 2])
    for (const act of ACTIVATIONS)
      it(`matches backward and central differences (depth ${depth}, ${act})`, () => {
        const { layout, w, tokens, m } = tinyNet(depth, act, 11 + depth);
        const s = probeSensitivities(layout, w, tokens, m);
        const J = probeJacobian(layout, s);
        const scale = maxAbs(J);
        expect(scale).toBeGreaterThan(0.1); // a vanishing J would make both checks vacuous

        // Same derivatives, different summation order: entries are sums of ≤ 2d·width = 24
        // products of O(1) factors, so rounding is ≤ ~24·2.2e-16·|terms| ≈ 1e-14; 1e-12 leaves room.
        expect(maxDiff(J, jacobianByBackward(layout, w, tokens, m))).toBeLessThan(1e-12 * Math.max(1, scale));

        // Central differences with h = 1e-5: truncation h²/6·|u'''| ≈ 2e-11·|u'''| and rounding
        // ε·|u|/h ≈ 2e-11·|u|; |u|, |u'''| are O(1–10) for these weights (quadratic at depth 2 reaches
        // ~10²), so 1e-7 is three orders above the estimate and still far below any real error
        // (a wrong row or a missed a = b slot is O(0.1)).
        const Jfd = finiteDifferenceJacobian(layout, w, tokens, m, 1e-5);
        expect(maxDiff(J, Jfd)).toBeLessThan(1e-7 * Math.max(1, scale));
      });

  it('J·v from the factors equals the materialised product', () => {
    const { layout, w, tokens, m } = tinyNet(2, 'gelu', 3);
    const s = probeSensitivities(layout, w, tokens, m);
    const J = probeJacobian(layout, s);
    const rng = new Rng(5, 'v');
    const v = Float64Array.from({ length: layout.totalSize }, () => rng.normal());
    const vc = compactVector(layout, v);
    const { P } = compactOffsets(layout);
    const dense = Float64Array.from({ length: m * layout.p }, (_, r) => vc.reduce((acc, x, k) => acc + J[r * P + k] * x, 0));
    expect(maxDiff(jacobianVectorProduct(layout, s, v), dense)).toBeLessThan(1e-12 * maxAbs(dense));
  });

  it('padding is skipped: P is the true parameter count', () => {
    const { layout } = tinyNet(1, 'relu', 1);
    expect(compactOffsets(layout).P).toBe(layout.paramCount);
    expect(layout.totalSize).toBeGreaterThan(layout.paramCount); // the layout really pads here
  });

  it('trace view sums the diagonal logit pairs and sub-probes keep their rows', () => {
    const { layout, w, tokens, m } = tinyNet(1, 'quadratic', 9);
    const s = probeSensitivities(layout, w, tokens, m);
    const J = probeJacobian(layout, s);
    const { P } = compactOffsets(layout);
    const p = layout.p;
    const K = denseKernel(J, J, m * p, m * p, P, null);
    const Ktr = traceView(K, m, m, p);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        let want = 0;
        for (let c = 0; c < p; c++) for (let k = 0; k < P; k++) want += J[(i * p + c) * P + k] * J[(j * p + c) * P + k];
        expect(Ktr[i * m + j]).toBeCloseTo(want, 10);
      }
    const sub = subSensitivities(s, [3, 1]);
    const Jsub = probeJacobian(layout, sub);
    expect(Array.from(Jsub.subarray(0, p * P))).toEqual(Array.from(J.subarray(3 * p * P, 4 * p * P)));
    expect(Array.from(Jsub.subarray(p * P))).toEqual(Array.from(J.subarray(p * P, 2 * p * P)));
  });
});
