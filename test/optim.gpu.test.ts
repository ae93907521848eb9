/**
 * shaders/optim.wgsl against src/reference/optimizer.ts, for every optimizer ×
 * gate variant, on statistics made from real per-example gradients.
 */
import { describe, expect, it } from 'vitest';
import { GATES, OPTIMIZERS } from '../src/config/settings';
import { modelLayout } from '../src/model/layout';
import { optimApply, optimDirection, tensorMaskSums, type OptimParams } from '../src/reference/optimizer';
import { Rng } from '../src/util/rng';
import { expectClose, runKernel, u32s } from './gpu';

const OPT = { sgd: 0, adamw: 1, cautious: 2, grokfast: 3 } as const;
const GATE = { off: 0, 'exact-hard': 1, 'exact-soft': 2, stream: 3, 'stream-hard': 4 } as const;

describe('optim.wgsl', () => {
  const layout = modelLayout({ p: 7, embed: 3, width: 8, depth: 1, act: 'relu' });
  const P = layout.totalSize;
  const T = layout.tensors.length;
  const b = 6;
  const rng = new Rng(11, 'opt');
  // per-example gradients → μ and sq = Σ(g_i/b)², exactly what the backward produces
  const mu = new Float32Array(P);
  const sq = new Float32Array(P);
  for (const t of layout.tensors)
    for (let k = t.offset; k < t.offset + t.size; k++) {
      const bias = (rng.uniform() - 0.5) * 0.2;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < b; i++) {
        const g = bias + (rng.uniform() - 0.5) * 0.3;
        s += g / b;
        s2 += (g / b) ** 2;
      }
      mu[k] = s;
      sq[k] = s2;
    }
  const w0 = Float32Array.from({ length: P }, (_, k) => (layout.tensors.some((t) => k >= t.offset && k < t.offset + t.size) ? rng.uniform() - 0.5 : 0));
  const st0 = {
    m: Float32Array.from({ length: P }, () => (rng.uniform() - 0.5) * 0.05),
    v: Float32Array.from({ length: P }, () => rng.uniform() * 0.01),
    aux: Float32Array.from({ length: P }, () => (rng.uniform() - 0.5) * 0.05),
    s: Float32Array.from({ length: P }, () => rng.uniform() * 0.01),
  };
  const tensorTable = Uint32Array.from(layout.tensors.flatMap((t) => [t.offset, t.size]));

  for (const opt of OPTIMIZERS)
    for (const gate of GATES)
      it(`${opt} with gate ${gate}`, async () => {
        const t = 7;
        const hp: OptimParams = { opt, gate, lr: 0.01, wd: 0.5, beta1: 0.9, beta2: 0.98, eps: 1e-8, momentum: 0.9, softness: 1, t, b, streamAlpha: 0.5, tStream: 5 };
        const st = { m: Float64Array.from(st0.m), v: Float64Array.from(st0.v), aux: Float64Array.from(st0.aux), s: Float64Array.from(st0.s) };
        const u = new Float64Array(P);
        const q = new Float64Array(P);
        const c = new Float64Array(P);
        optimDirection(mu, sq, st, hp, u, q, c, P);
        const sums = tensorMaskSums(layout, q, c);
        const w = Float64Array.from(w0);
        optimApply(layout, w, u, q, c, sums, hp);

        const params = u32s([P, OPT[opt], GATE[gate], T], {
          4: hp.lr,
          5: hp.wd,
          6: hp.beta1,
          7: hp.beta2,
          8: hp.eps,
          9: hp.momentum,
          10: hp.softness,
          11: b,
          12: 1 - hp.beta1 ** t,
          13: 1 - hp.beta2 ** t,
          14: 1 - 0.99 ** hp.tStream,
          15: hp.streamAlpha,
        });
        const state = new Float32Array(4 * P);
        state.set(st0.m, 0);
        state.set(st0.v, P);
        state.set(st0.aux, 2 * P);
        state.set(st0.s, 3 * P);
        const d = await runKernel('optDirection', { 0: params, 1: { data: mu }, 2: { data: sq }, 3: { data: state }, 4: { size: 3 * P } }, Math.ceil(P / 256));
        const out = d[4];
        // state: one fused EMA per element (a few roundings of O(0.1) values)
        expectClose(d[3].subarray(0, 4 * P), [...st.m, ...st.v, ...st.aux, ...st.s], 1e-8, 1e-5, 'state');
        // u = m̂/(√v̂+ε): ~6 roundings, relative 1e-5 is ~150 ulps of headroom
        expectClose(out.subarray(0, P), u, 1e-7, 1e-5, 'u');
        // hard masks may flip only where μ² and the noise floor agree to f32 precision
        let flips = 0;
        for (let k = 0; k < P; k++) {
          const dq = Math.abs(out[P + k] - q[k]);
          if (dq > 1e-4) flips++;
        }
        expect(flips).toBeLessThanOrEqual(gate.endsWith('hard') ? 1 : 0);
        expectClose(out.subarray(2 * P, 3 * P), c, 0, 0, 'c');

        const mp = await runKernel('maskPartial', { 5: params, 6: { data: tensorTable }, 7: { data: out }, 8: { size: 2 * T * 64 } }, T);
        const mf = await runKernel('maskFinish', { 9: params, 10: { data: mp[8] }, 11: { size: 2 * T } }, 1);
        if (flips === 0) expectClose(mf[11].subarray(0, 2 * T), sums, 1e-4, 1e-5, 'mask sums');
        const ap = await runKernel('optApply', { 12: params, 13: { data: tensorTable }, 14: { data: out }, 15: { data: mf[11] }, 16: { data: w0 } }, Math.ceil(P / 256));
        if (flips === 0) expectClose(ap[16].subarray(0, P), w, 1e-7, 1e-5, 'w');
        // the fused pass (every optimizer but Cautious): the same state, out and w as direction → apply
        if (opt !== 'cautious') {
          const f = await runKernel(
            'optDirectionApply',
            { 0: params, 1: { data: mu }, 2: { data: sq }, 3: { data: state }, 4: { size: 3 * P }, 17: { data: w0 }, 18: { data: tensorTable } },
            Math.ceil(P / 256),
          );
          expectClose(f[3].subarray(0, 4 * P), d[3].subarray(0, 4 * P), 0, 0, 'fused state = direction state');
          expectClose(f[4].subarray(0, 3 * P), out.subarray(0, 3 * P), 0, 0, 'fused out = direction out');
          expectClose(f[17].subarray(0, P), ap[16].subarray(0, P), 0, 0, 'fused w = apply w');
          if (flips === 0) expectClose(f[17].subarray(0, P), w, 1e-7, 1e-5, 'fused w vs twin');
        }
      });
});
