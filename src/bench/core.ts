/**
 * The benchmark, host-neutral: the browser page (src/bench/page.ts, /bench.html) and
 * `grokscope bench` (src/cli/bench.ts) both run these, on their own WebGPU device and
 * shader sources, and write the same record (src/bench/record.ts).
 *
 * Every timing is a wall-clock span that ends on the GPU's own completion (flush,
 * onSubmittedWorkDone), after warm-up; candidates are interleaved and repeated in
 * rounds and the best round of each is kept, so load drift on a shared machine hits
 * all of them and the ratios measured in one run are the numbers to trust.
 */
import { defaultConfig, type GateVariant, type RunConfig } from '../config/settings';
import { presetConfig } from '../config/presets';
import { MATMUL_VARIANTS, type MatmulShape, type MatmulVariant, shapeKey, stepShapes } from '../engine/autotune';
import { matmulEntries, variantApplies } from '../engine/modules/matmul';
import type { GpuContext } from '../engine/device';
import { getPipelines } from '../engine/pipelines';
import { GpuKernelBlocks } from '../engine/probeKernel';
import type { ShaderSources } from '../engine/shaders';
import { GpuTrainer } from '../engine/trainer';
import { stepFlops, modelLayout } from '../model/layout';
import { readInstrumentState } from '../model/trainer';
import { MM_TRANS_A, MM_TRANS_B } from '../reference/kernels';
import { makeDataset } from '../tasks/modular';

/** the three sizes (p, embed, width, n): a+b mod p, 40% train, full batch, AdamW */
export const BENCH_SIZES: Record<string, Partial<RunConfig>> = {
  small: { task: 'add', p: 23, train: 0.4, embed: 32, width: 64 },
  mid: { task: 'add', p: 47, train: 0.4, embed: 64, width: 128 },
  large: { task: 'add', p: 97, train: 0.4, embed: 128, width: 256 },
};

/** full batch, AdamW, evaluation rare and outside the timing, instruments off (the setting) */
export function benchConfig(size: string, gate: GateVariant = 'off'): RunConfig {
  return { ...defaultConfig(), ...BENCH_SIZES[size], opt: 'adamw', batch: 0, gate, evalEvery: 100_000, instrumentEvery: 0 };
}

export function trainCount(cfg: RunConfig): number {
  return makeDataset(cfg).trainIdx.length;
}

/** times n steps of something that ends on the device: ms per step */
export interface Stepper {
  name: string;
  run(steps: number): Promise<void>;
  destroy(): void;
}

/**
 * Steps per second of each stepper, interleaved over `rounds`, each timing at least
 * `minMs` (and at least 2 steps) after one warm-up step; the best round counts.
 */
export async function raceSteppers(steppers: Stepper[], rounds: number, minMs: number, log: (s: string) => void = () => undefined): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (const s of steppers) {
    await s.run(1); // warm-up: pipelines, shader compilation, first-use allocations
    best[s.name] = 0;
  }
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 === 0 ? steppers : [...steppers].reverse()) {
      let steps = 2;
      let ms: number;
      // grow the count until one timing is long enough to trust
      for (;;) {
        const t0 = performance.now();
        await s.run(steps);
        ms = performance.now() - t0;
        if (ms >= minMs || steps >= 4096) break;
        steps = Math.min(4096, Math.max(steps * 2, Math.ceil((steps * minMs) / Math.max(ms, 1))));
      }
      const rate = (steps * 1000) / ms;
      best[s.name] = Math.max(best[s.name], rate);
      log(`  round ${r + 1} ${s.name}: ${rate.toPrecision(3)} steps/s (${steps} steps)`);
    }
  }
  return best;
}

export async function ourStepper(ctx: GpuContext, src: ShaderSources, cfg: RunConfig, name: string): Promise<Stepper & { trainer: GpuTrainer }> {
  const trainer = await GpuTrainer.create(cfg, ctx, src);
  return {
    name,
    trainer,
    run: async (steps) => {
      trainer.train(steps);
      await trainer.flush();
    },
    destroy: () => trainer.destroy(),
  };
}

/** the products that carry a size: forward X·Wᵀ, weight gradient δᵀX and input gradient δ·W of its widest layer, full batch */
export function ceilingShapes(cfg: RunConfig): MatmulShape[] {
  const n = trainCount(cfg);
  const L = modelLayout(cfg).layers[0];
  return [
    { M: n, N: L.out, K: L.in, flags: MM_TRANS_B },
    { M: L.out, N: L.in, K: n, flags: MM_TRANS_A },
    { M: n, N: L.in, K: L.out, flags: 0 },
  ];
}

export interface MatmulCeilingRow {
  shape: string;
  /** per variant that applies to the product (kvec: A·Bᵀ only) */
  gflops: Partial<Record<MatmulVariant, number>>;
}

/** GFLOP/s of every matmul variant at full size (interleaved, best of `rounds`) */
export async function matmulCeiling(ctx: GpuContext, src: ShaderSources, shapes: MatmulShape[], rounds: number): Promise<MatmulCeilingRow[]> {
  const device = ctx.device;
  const pl = await getPipelines(device, src);
  const out: MatmulCeilingRow[] = [];
  for (const s of shapes) {
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const bufs = [s.M * s.K, s.K * s.N, s.M * s.N].map((n) => device.createBuffer({ size: 4 * n, usage }));
    const uni = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uni, 0, Uint32Array.from([s.M, s.N, s.K, s.flags]));
    const variants = (Object.keys(MATMUL_VARIANTS) as MatmulVariant[])
      .filter((v) => variantApplies(v, s))
      .map((v) => {
        const pipeline = pl[MATMUL_VARIANTS[v].plain];
        const bg = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: matmulEntries(MATMUL_VARIANTS[v].plain, uni, bufs[0], bufs[1], bufs[2]) });
        return { v, pipeline, bg };
      });
    const run = async (c: (typeof variants)[number], reps: number) => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(c.pipeline);
      pass.setBindGroup(0, c.bg);
      for (let r = 0; r < reps; r++) pass.dispatchWorkgroups(Math.ceil(s.N / 32), Math.ceil(s.M / 32));
      pass.end();
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      return (performance.now() - t0) / reps;
    };
    let reps = 1;
    for (const c of variants) {
      const ms = await run(c, 1);
      while (ms * reps < 20 && reps < 256) reps *= 2;
    }
    const best: Partial<Record<MatmulVariant, number>> = {};
    for (let r = 0; r < rounds; r++) for (const c of r % 2 ? [...variants].reverse() : variants) best[c.v] = Math.min(best[c.v] ?? Infinity, await run(c, reps));
    const flops = 2 * s.M * s.N * s.K;
    out.push({ shape: shapeKey(s), gflops: Object.fromEntries(variants.map((c) => [c.v, flops / best[c.v]! / 1e6])) });
    for (const b of [...bufs, uni]) b.destroy();
  }
  return out;
}

/** device-local copy bandwidth, GB/s (read + write counted once each: bytes moved = 2 × size) */
export async function copyBandwidth(ctx: GpuContext, mb = 32, rounds = 3): Promise<number> {
  const device = ctx.device;
  const size = mb * 1024 * 1024;
  const a = device.createBuffer({ size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const b = device.createBuffer({ size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  let best = Infinity;
  const reps = 4;
  for (let r = 0; r <= rounds; r++) {
    const enc = device.createCommandEncoder();
    for (let i = 0; i < reps; i++) enc.copyBufferToBuffer(i % 2 ? b : a, 0, i % 2 ? a : b, 0, size);
    const t0 = performance.now();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    if (r > 0) best = Math.min(best, (performance.now() - t0) / reps); // round 0 warms up
  }
  a.destroy();
  b.destroy();
  return (2 * size) / (best / 1000) / 1e9;
}

export interface InstrumentCostRow {
  preset: string;
  /** the preset's cadence r */
  every: number;
  stepMs: number;
  measureMs: number;
  /** share of run time at cadence r without the budget: m / (r·s + m) */
  rawShare: number;
  /** the cadence the lab's budget (20%) lets through: max(r, 4m/s) */
  effectiveEvery: number;
  /** share with the budget */
  share: number;
}

/**
 * What the instruments cost at each preset's cadence r: one measurement (state
 * readback, one step, readback, the float64 instruments with the kernel blocks on
 * the GPU) against r training steps.
 */
export async function instrumentCost(ctx: GpuContext, src: ShaderSources, preset: string, share: number): Promise<InstrumentCostRow> {
  const cfg = presetConfig(preset)!;
  const { Instruments } = await import('../theory/instruments');
  const t = await GpuTrainer.create(cfg, ctx, src);
  const inst = new Instruments(t.config, t.dataset, t.layout);
  const blocks = new GpuKernelBlocks(ctx, src, t.layout);
  const measure = async () => {
    const step = t.step;
    const { state, mask, config } = await readInstrumentState(t);
    t.train(1);
    const next = await t.readState();
    await inst.measureAsync({ step, state, gateMask: mask, config, paramsNext: next.params }, blocks.compute);
  };
  try {
    const steps = await raceSteppers([{ name: 'step', run: async (n) => (t.train(n), t.flush()), destroy: () => undefined }], 1, 500);
    await measure(); // the first measurement is the reference K₀: warm-up
    let measureMs = Infinity;
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      await measure();
      measureMs = Math.min(measureMs, performance.now() - t0);
    }
    const stepMs = 1000 / steps.step;
    const r = cfg.instrumentEvery;
    const effectiveEvery = Math.max(r, Math.ceil((measureMs * (1 - share)) / share / stepMs));
    return { preset, every: r, stepMs, measureMs, rawShare: measureMs / (r * stepMs + measureMs), effectiveEvery, share: measureMs / (effectiveEvery * stepMs + measureMs) };
  } finally {
    blocks.destroy();
    t.destroy();
  }
}

/** the autotuner's shapes for a size (for the record) */
export function sizeShapes(size: string): string[] {
  return stepShapes(benchConfig(size)).map(shapeKey);
}

export function flopsPerStep(cfg: RunConfig): number {
  return stepFlops(modelLayout(cfg), trainCount(cfg));
}
