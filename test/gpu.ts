/**
 * GPU test support: one Dawn device for the whole test file, and a runner for a
 * single kernel. No adapter is a failure, never a skip: a GPU suite that ran on
 * nothing must not pass.
 */
import { nodeGpuContext } from '../src/engine/node';
import type { GpuContext } from '../src/engine/device';
import { getPipelines, type KernelName, type Pipelines } from '../src/engine/pipelines';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import type { RunConfig } from '../src/config/settings';
import { GpuTrainer } from '../src/engine/trainer';
import { ReferenceTrainer } from '../src/reference/trainer';
import { relativeError } from '../src/theory/dense';

let ctxPromise: Promise<{ ctx: GpuContext; pl: Pipelines }> | null = null;

export function gpu(): Promise<{ ctx: GpuContext; pl: Pipelines }> {
  ctxPromise ??= (async () => {
    const ctx = await nodeGpuContext();
    const pl = await getPipelines(ctx.device, nodeShaderSources());
    return { ctx, pl };
  })();
  return ctxPromise;
}

export type Binding = { data: ArrayBufferView; uniform?: boolean } | { size: number };

/**
 * Runs one kernel once. `bindings` maps binding number → initial contents (or a
 * size in floats for an output); returns the final contents of every storage binding.
 */
export async function runKernel(kernel: KernelName, bindings: Record<number, Binding>, x: number, y = 1): Promise<Record<number, Float32Array>> {
  const { ctx, pl } = await gpu();
  const device = ctx.device;
  const bufs: Record<number, GPUBuffer> = {};
  for (const [k, b] of Object.entries(bindings)) {
    const isUniform = 'data' in b && b.uniform === true;
    const size = 'data' in b ? b.data.byteLength : 4 * b.size;
    const buf = device.createBuffer({
      size: Math.max(16, Math.ceil(size / 16) * 16),
      usage: isUniform ? GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST : GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    if ('data' in b) device.queue.writeBuffer(buf, 0, b.data as ArrayBufferView<ArrayBuffer>);
    bufs[Number(k)] = buf;
  }
  const pipeline = pl[kernel];
  device.pushErrorScope('validation');
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: Object.entries(bufs).map(([k, buffer]) => ({ binding: Number(k), resource: { buffer } })) });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(x, y);
  pass.end();
  const reads: [number, GPUBuffer][] = [];
  for (const [k, buf] of Object.entries(bufs)) {
    if (bindings[Number(k)] && 'data' in bindings[Number(k)] && (bindings[Number(k)] as { uniform?: boolean }).uniform) continue;
    const rb = device.createBuffer({ size: buf.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    enc.copyBufferToBuffer(buf, 0, rb, 0, buf.size);
    reads.push([Number(k), rb]);
  }
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`${kernel}: ${err.message}`);
  const out: Record<number, Float32Array> = {};
  for (const [k, rb] of reads) {
    await rb.mapAsync(GPUMapMode.READ);
    out[k] = new Float32Array(rb.getMappedRange().slice(0));
    rb.destroy();
  }
  for (const b of Object.values(bufs)) b.destroy();
  return out;
}

/** a uniform block of four u32 (and optionally f32 at given word positions) */
export function u32s(values: number[], floats: Record<number, number> = {}): { data: ArrayBufferView; uniform: true } {
  const words = Math.max(values.length, ...Object.keys(floats).map((k) => Number(k) + 1));
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((4 * words) / 16) * 16));
  new Uint32Array(buf).set(values);
  const f = new Float32Array(buf);
  for (const [i, v] of Object.entries(floats)) f[Number(i)] = v;
  return { data: new Uint32Array(buf), uniform: true };
}

/** Largest |a − b| / (atol + rtol·|b|) ≤ 1 check with a readable failure. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  if (actual.length < expected.length) throw new Error(`${what}: got ${actual.length} values, expected ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const r = Math.abs(a - e) / (atol + rtol * Math.abs(e));
    if (!(r <= worst) || Number.isNaN(a)) {
      worst = Number.isNaN(a) ? Infinity : r;
      at = i;
    }
  }
  if (worst > 1) throw new Error(`${what}: index ${at}: got ${actual[at]}, expected ${expected[at]} (error ${worst.toFixed(2)}× the tolerance atol=${atol}, rtol=${rtol})`);
}

/**
 * The whole GPU step against the whole float64 reference step: `steps` steps from the
 * same initial weights and batches; the metric rows of both and the final relative
 * weight difference ‖w_gpu − w_ref‖/‖w_ref‖.
 */
export async function raceGpuVsReference(cfg: RunConfig, steps = 50) {
  const { ctx } = await gpu();
  const g = await GpuTrainer.create(cfg, ctx, nodeShaderSources());
  const r = new ReferenceTrainer(cfg);
  g.train(steps);
  r.train(steps);
  await g.flush();
  const gRows = g.drainMetrics();
  const rRows = r.drainMetrics();
  const st = await g.readState();
  g.destroy();
  return { gRows, rRows, relW: relativeError(st.params, r.w) };
}
