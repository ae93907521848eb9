/**
 * shaders/ceiling.wgsl (the benchmark's adapter ceilings) against its float32 twins
 * (src/reference/ceiling.ts), and the bound the benchmark derives from the two ceilings.
 */
import { describe, expect, it } from 'vitest';
import { boundGflops, ceilingKernels, runCeilingKernel } from '../src/bench/ceiling';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { mulAddChains, rowLoads } from '../src/reference/ceiling';
import { Rng } from '../src/util/rng';
import { gpu } from './gpu';

async function read(device: GPUDevice, b: GPUBuffer, floats: number): Promise<Float32Array> {
  const s = device.createBuffer({ size: floats * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const e = device.createCommandEncoder();
  e.copyBufferToBuffer(b, 0, s, 0, floats * 4);
  device.queue.submit([e.finish()]);
  await s.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(s.getMappedRange().slice(0));
  s.destroy();
  return out;
}

describe('ceiling.wgsl', () => {
  it('mul_add_chains: sixteen chains a ← 0.999·a + 0.001, summed, as the twin', async () => {
    const { ctx } = await gpu();
    const d = ctx.device;
    const k = ceilingKernels(d, nodeShaderSources());
    const n = 200; // not a multiple of 64: the last workgroup's extra lanes write past n, into the padding
    const out = d.createBuffer({ size: 256 * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    for (const iters of [0, 1, 37]) {
      await runCeilingKernel(k, 'mulAdd', { iters, rows: 1, K4: 4 }, out, out, n);
      const got = await read(d, out, 4 * n);
      const want = mulAddChains(n, iters);
      // Each step is a·m + c in float32; a driver may contract it to one fused FMA, which
      // changes each step's rounding by ≤ 1 ulp of a (|a| ≤ 16). The map contracts errors by
      // 0.999 a step, so 37 steps add ≤ 37 ulp per chain, 16 chains ≤ 600 ulp of 16 plus the
      // sum's own roundings: |Δ| ≤ 600 · 2⁻²³ · 16 ≈ 1.2e-3 absolute on sums near 100.
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1.2e-3);
      // and the iteration count matters: one step more or less moves every sum by ≥ 0.01
      if (iters > 0) {
        const off = mulAddChains(n, iters - 1);
        expect(Math.abs(got[4 * (n - 1)] - off[4 * (n - 1)])).toBeGreaterThan(0.01);
      }
    }
    out.destroy();
  });

  it('row_loads: each invocation sums its own row (g mod rows), four partial sums, as the twin', async () => {
    const { ctx } = await gpu();
    const d = ctx.device;
    const k = ceilingKernels(d, nodeShaderSources());
    const rng = new Rng(11, 'ceiling');
    const rows = 13;
    const K4 = 8;
    const n = 100;
    const data = Float32Array.from({ length: rows * K4 * 4 }, () => rng.uniform() * 2 - 1);
    const src = d.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    d.queue.writeBuffer(src, 0, data);
    const out = d.createBuffer({ size: 128 * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    await runCeilingKernel(k, 'rowLoads', { iters: 0, rows, K4 }, src, out, n);
    const got = await read(d, out, 4 * n);
    const want = rowLoads(data, rows, K4, n);
    // the same float32 additions in the same order (WGSL does not reassociate): equal up to 8 roundings of sums ≤ 8
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(8 * 8 * 2 ** -23);
    // rows differ, so a wrong row index shows
    expect(Math.abs(want[0] - want[4])).toBeGreaterThan(1e-3);
    src.destroy();
    out.destroy();
  });
});

describe('boundGflops', () => {
  it('is the smaller of the arithmetic ceiling and what the loads allow, and names it', () => {
    const c = { arithmeticGflops: 6, rowLoadsG: 0.1 };
    // kvec8: 16 vec4 loads and 256 multiply-adds per lane and k step → 0.1e9 · 512 / 16 = 3.2 GFLOP/s
    expect(boundGflops(c, 16, 256)).toEqual({ arithmetic: 6, loads: 3.2, binding: 'loads' });
    // a kernel with 4× fewer loads per FMA is arithmetic-bound
    expect(boundGflops(c, 4, 256).binding).toBe('arithmetic');
    expect(boundGflops(c, 4, 256).loads).toBeCloseTo(12.8, 12);
  });
});
