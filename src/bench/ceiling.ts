/**
 * The adapter's own ceilings (shaders/ceiling.wgsl), measured beside the matmuls so a
 * benchmark can say what limits them:
 * - arithmetic: FP32 multiply-adds in registers, no memory traffic (GFLOP/s);
 * - row loads: vec4 loads per second when every lane reads its own row, the access the
 *   matmul kernels make (a lane's vec4 counts as one load).
 * A matmul kernel with L vec4 loads and F multiply-adds per lane and k step can run no
 * faster than either ceiling allows; `boundGflops` says which binds.
 */
import type { GpuContext } from '../engine/device';
import type { ShaderSources } from '../engine/shaders';

export const CEILING_INVOCATIONS = 64 * 256;
export const CEILING_ITERS = 256;
/** the row-load source: the large size's activations, 3,764 rows of 256 floats */
export const CEILING_ROWS = 3764;
export const CEILING_K4 = 64;

export interface AdapterCeiling {
  /** FP32 GFLOP/s, 2 per multiply-add */
  arithmeticGflops: number;
  /** one lane's vec4 loads per second, ×1e9 */
  rowLoadsG: number;
}

export interface CeilingKernels {
  device: GPUDevice;
  mulAdd: GPUComputePipeline;
  rowLoads: GPUComputePipeline;
}

export function ceilingKernels(device: GPUDevice, src: ShaderSources): CeilingKernels {
  const module = device.createShaderModule({ label: 'ceiling.wgsl', code: src.ceiling });
  const pipe = (entryPoint: string) => device.createComputePipeline({ label: entryPoint, layout: 'auto', compute: { module, entryPoint } });
  return { device, mulAdd: pipe('mul_add_chains'), rowLoads: pipe('row_loads') };
}

/** runs one ceiling kernel `reps` times in one submit on n invocations; ms per dispatch */
export async function runCeilingKernel(
  k: CeilingKernels,
  which: 'mulAdd' | 'rowLoads',
  params: { iters: number; rows: number; K4: number },
  source: GPUBuffer,
  out: GPUBuffer,
  n: number,
  reps = 1,
): Promise<number> {
  const { device } = k;
  const uni = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(uni, 0, Uint32Array.from([params.iters, params.rows, params.K4, 0]));
  const p = k[which];
  // the layout is 'auto': a binding the entry point never touches is not in it
  const entries: GPUBindGroupEntry[] = [
    { binding: 0, resource: { buffer: uni } },
    ...(which === 'rowLoads' ? [{ binding: 1, resource: { buffer: source } }] : []),
    { binding: 2, resource: { buffer: out } },
  ];
  const bg = device.createBindGroup({ layout: p.getBindGroupLayout(0), entries });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(p);
  pass.setBindGroup(0, bg);
  for (let i = 0; i < reps; i++) pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  const t0 = performance.now();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  const ms = (performance.now() - t0) / reps;
  uni.destroy();
  return ms;
}

/** both ceilings, best of `rounds` timings each (the first round warms up) */
export async function adapterCeiling(ctx: GpuContext, src: ShaderSources, rounds = 3): Promise<AdapterCeiling> {
  const device = ctx.device;
  const k = ceilingKernels(device, src);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const source = device.createBuffer({ size: CEILING_ROWS * CEILING_K4 * 16, usage });
  const out = device.createBuffer({ size: CEILING_INVOCATIONS * 16, usage });
  const n = CEILING_INVOCATIONS;
  const params = { iters: CEILING_ITERS, rows: CEILING_ROWS, K4: CEILING_K4 };
  let mul = Infinity;
  let load = Infinity;
  for (let r = 0; r <= rounds; r++) {
    const a = await runCeilingKernel(k, 'mulAdd', params, source, out, n, 2);
    const b = await runCeilingKernel(k, 'rowLoads', params, source, out, n, 2);
    if (r === 0) continue;
    mul = Math.min(mul, a);
    load = Math.min(load, b);
  }
  source.destroy();
  out.destroy();
  return { arithmeticGflops: (n * CEILING_ITERS * 16 * 4 * 2) / mul / 1e6, rowLoadsG: (n * CEILING_K4) / load / 1e6 };
}

/**
 * The fastest a kernel with `loads` vec4 loads and `fmas` scalar multiply-adds per lane
 * and k step can run on this adapter, GFLOP/s: each ceiling alone, and which binds.
 */
export function boundGflops(c: AdapterCeiling, loads: number, fmas: number): { arithmetic: number; loads: number; binding: 'arithmetic' | 'loads' } {
  const byLoads = (c.rowLoadsG * 2 * fmas) / loads;
  return { arithmetic: c.arithmeticGflops, loads: byLoads, binding: byLoads < c.arithmeticGflops ? 'loads' : 'arithmetic' };
}
