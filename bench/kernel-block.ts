/**
 * The probe kernel block on the CPU (kernelBlock, float64) against the GPU
 * (GpuKernelBlock.compute: upload as float32, shaders/kernel.wgsl, readback) for the
 * presets' train probes at initialisation: lecture (p=23, embed 32, width 64, depth 1,
 * m=32 → N=736) and tiny (p=13, embed 16, width 32, m=16 → N=208). K̃ with a random
 * positive ω, full view and trace view; medians of interleaved repetitions (CPU, GPU, CPU,
 * …), both in one run on the adapter at hand. GPU time is the whole call: packing and upload,
 * the dispatches, readback and the host-side mirror of the symmetric block.
 * Usage: bash scripts/with-dawn.sh npx tsx bench/kernel-block.ts [reps]
 */
import { presetConfig } from '../src/config/presets';
import { nodeGpuContext } from '../src/engine/node';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { GpuKernelBlock } from '../src/engine/probeKernel';
import { initParams, modelLayout } from '../src/model/layout';
import { makeDataset } from '../src/tasks/modular';
import { probeSensitivities } from '../src/theory/jacobian';
import { kernelBlock, type KernelView } from '../src/theory/kernels';
import { chooseProbe } from '../src/theory/probe';
import { Rng } from '../src/util/rng';

const reps = Number(process.argv[2] ?? 11);
const ctx = await nodeGpuContext();
const sources = nodeShaderSources();
console.log(`adapter: ${ctx.adapterName}${ctx.software ? ' (software)' : ''}; median of ${reps} runs, ms`);

/** Medians of the two, their repetitions interleaved so machine load affects both alike. */
async function medians(f: () => unknown, g: () => Promise<unknown>): Promise<[number, number]> {
  const tf: number[] = [];
  const tg: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    f();
    tf.push(performance.now() - t0);
    t0 = performance.now();
    await g();
    tg.push(performance.now() - t0);
  }
  const med = (t: number[]) => t.sort((a, b) => a - b)[t.length >> 1];
  return [med(tf), med(tg)];
}

for (const name of ['lecture', 'tiny']) {
  const cfg = presetConfig(name)!;
  const layout = modelLayout(cfg);
  const w = initParams(layout, cfg.seed);
  const probe = chooseProbe(makeDataset(cfg), cfg);
  const m = probe.train.examples.length;
  const S = probeSensitivities(layout, w, probe.train.tokens, m);
  const rng = new Rng(1, 'bench-omega');
  const omega = Float64Array.from({ length: layout.totalSize }, () => Math.exp(6 * rng.uniform() - 3));
  const g = await GpuKernelBlock.create(ctx, sources, layout, m, m);
  for (const view of ['full', 'trace'] as KernelView[]) {
    const ref = kernelBlock(layout, S, S, omega, view);
    await g.compute(S, S, omega, view); // warm-up (first submit, pipeline residency)
    const got = await g.compute(S, S, omega, view);
    let scale = 0;
    let err = 0;
    for (let k = 0; k < ref.length; k++) {
      scale = Math.max(scale, Math.abs(ref[k]));
      err = Math.max(err, Math.abs(got[k] - ref[k]));
    }
    const [cpu, gpu] = await medians(
      () => kernelBlock(layout, S, S, omega, view),
      () => g.compute(S, S, omega, view),
    );
    const n = view === 'full' ? m * layout.p : m;
    console.log(
      `${name.padEnd(8)} p=${layout.p} d=${layout.d} width=${layout.width} depth=${layout.depth} m=${m} ${view.padEnd(5)} ${n}×${n}:  CPU ${cpu.toFixed(2).padStart(8)}  GPU ${gpu.toFixed(2).padStart(8)}  CPU/GPU ${(cpu / gpu).toFixed(2).padStart(6)}×   max|GPU−CPU|/max|K| ${(err / scale).toExponential(1)}`,
    );
  }
  g.destroy();
}
process.exit(0);
