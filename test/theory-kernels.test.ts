/**
 * The structured probe kernels (src/theory/kernels.ts) against explicit dense
 * products of the materialised Jacobian: K = J Jᵀ, K̃ = J diag(ω) Jᵀ,
 * K_QS = J_Q diag(ω) J_Sᵀ, in the full and the trace view; and ω = D·Q itself.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/config/settings';
import { initParams, modelLayout } from '../src/model/layout';
import { Rng } from '../src/util/rng';
import { compactOffsets, probeJacobian, probeSensitivities, traceView } from '../src/theory/jacobian';
import { compactVector, denseKernel, kernelBlock, preconditionerWeights } from '../src/theory/kernels';

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

function setup(depth: number, act: (typeof ACTIVATIONS)[number]) {
  const p = 5;
  const layout = modelLayout({ p, embed: 3, width: 4, depth, act });
  const w = Float64Array.from(initParams(layout, 7 + depth));
  const rng = new Rng(depth, 'kernel-test');
  // S shares rows with Q (token 1 appears on both sides, and twice in S's first point)
  const tokS = Uint32Array.from([1, 1, 0, 3, 4, 2]);
  const tokQ = Uint32Array.from([1, 4, 2, 2]);
  const S = probeSensitivities(layout, w, tokS, 3);
  const Q = probeSensitivities(layout, w, tokQ, 2);
  // ω: positive preconditioner values over three decades, with a gate closing ~30% of entries
  const omega = Float64Array.from({ length: layout.totalSize }, () => (rng.uniform() < 0.3 ? 0 : Math.exp(7 * rng.uniform() - 3.5)));
  return { layout, p, S, Q, omega };
}

describe('probe kernels', () => {
  for (const depth of [1, 2])
    for (const act of ACTIVATIONS)
      it(`structured = dense products (depth ${depth}, ${act})`, () => {
        const { layout, p, S, Q, omega } = setup(depth, act);
        const { P } = compactOffsets(layout);
        const JS = probeJacobian(layout, S);
        const JQ = probeJacobian(layout, Q);
        const oc = compactVector(layout, omega);
        const NS = S.m * p;
        const NQ = Q.m * p;
        const cases: [string, Float64Array, Float64Array][] = [
          ['K', kernelBlock(layout, S, S, null), denseKernel(JS, JS, NS, NS, P, null)],
          ['K̃', kernelBlock(layout, S, S, omega), denseKernel(JS, JS, NS, NS, P, oc)],
          ['K_QS', kernelBlock(layout, Q, S, null), denseKernel(JQ, JS, NQ, NS, P, null)],
          ['K̃_QS', kernelBlock(layout, Q, S, omega), denseKernel(JQ, JS, NQ, NS, P, oc)],
          ['K̃ trace', kernelBlock(layout, S, S, omega, 'trace'), traceView(denseKernel(JS, JS, NS, NS, P, oc), S.m, S.m, p)],
          ['K̃_QS trace', kernelBlock(layout, Q, S, omega, 'trace'), traceView(denseKernel(JQ, JS, NQ, NS, P, oc), Q.m, S.m, p)],
        ];
        for (const [name, structured, dense] of cases) {
          expect(maxAbs(dense), name).toBeGreaterThan(1e-3);
          // sums of ≤ P ≈ 150 products in a different order: rounding ~P·ε·Σ|terms| ≈ 3e-14 relative
          expect(maxDiff(structured, dense), name).toBeLessThan(1e-12 * maxAbs(dense));
        }
      });

  it('ω = D·Q: Adam preconditioner, gate mask, sgd and the first step', () => {
    const layout = modelLayout({ p: 5, embed: 3, width: 4, depth: 1, act: 'relu' });
    const n = layout.totalSize;
    const v = Float64Array.from({ length: n }, (_, k) => 1e-4 * (1 + (k % 7)));
    const q = Float64Array.from({ length: n }, (_, k) => (k % 3 === 0 ? 0 : 0.5));
    const grad = Float64Array.from({ length: n }, (_, k) => (k % 2 ? -1 : 1) * 1e-3);
    const base = { beta2: 0.98, eps: 1e-8 };
    const t = 10;
    const adam = preconditionerWeights(layout, { ...base, opt: 'adamw', t, v, q, grad });
    const sgd = preconditionerWeights(layout, { ...base, opt: 'sgd', t, v, q: null });
    const first = preconditionerWeights(layout, { ...base, opt: 'adamw', t: 0, v: null, q: null, grad });
    const bc2 = 1 - 0.98 ** t;
    for (const tensor of layout.tensors)
      for (let k = tensor.offset; k < tensor.offset + tensor.size; k++) {
        expect(adam[k]).toBeCloseTo(q[k] / (Math.sqrt(v[k] / bc2) + 1e-8), 6);
        expect(sgd[k]).toBe(1);
        // before the first step: the tensor's mean second moment, not the single |g_k|
        let s2 = 0;
        for (let j = tensor.offset; j < tensor.offset + tensor.size; j++) s2 += grad[j] ** 2;
        expect(first[k]).toBeCloseTo(1 / (Math.sqrt(s2 / tensor.size) + 1e-8), 6);
      }
    // one near-zero gradient no longer owns the step-0 kernel: its weight is its tensor's
    const tiny = grad.slice();
    tiny[layout.tensors[1].offset] = 5e-7;
    const w0 = preconditionerWeights(layout, { ...base, opt: 'adamw', t: 0, v: null, q: null, grad: tiny });
    expect(w0[layout.tensors[1].offset] / w0[layout.tensors[1].offset + 1]).toBeCloseTo(1, 12);
    // padding stays 0, so a padded entry can never leak into a kernel
    const last = layout.tensors[0];
    expect(adam[last.offset + last.size]).toBe(0);
  });
});
