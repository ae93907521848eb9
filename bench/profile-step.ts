/**
 * Where a training step's time goes: times each dispatch family of GpuTrainer in
 * isolation (N repetitions, one submit each, waiting for the queue), on the
 * adapter at hand. Usage: bash scripts/with-dawn.sh npx tsx bench/profile-step.ts [preset | bench:small…] [batch]
 */
import { benchConfig } from '../src/bench/core';
import { presetConfig } from '../src/config/presets';
import { nodeGpuContext } from '../src/engine/node';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { GpuTrainer } from '../src/engine/trainer';

const name = process.argv[2] ?? 'lecture';
const ctx = await nodeGpuContext();
// a preset, or one of the benchmark's sizes as bench:small, bench:mid, bench:large
const base = name.startsWith('bench:') ? benchConfig(name.slice(6)) : presetConfig(name)!;
const cfg = { ...base, evalEvery: 100000, ...(process.argv[3] ? { batch: Number(process.argv[3]) } : {}) };
const t = await GpuTrainer.create(cfg, ctx, nodeShaderSources());
t.train(3);
await t.flush();
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reaching into private dispatch lists for a profile
const lists = t as any as Record<string, { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; x: number; y?: number }[]>;
const N = 20;
console.log(`adapter ${ctx.adapterName}, preset ${name}; ms per dispatch (median of ${N})`);
for (const key of ['forwardTrain', 'backwardPlain', 'backwardSq', 'optimizer', 'evaluation']) {
  const per: string[] = [];
  // the optimizer's dispatches belong to its module since the engine became modules
  const list = key === 'optimizer' ? (lists as unknown as { opt: { dispatches: (typeof lists)[string] } }).opt.dispatches : lists[key];
  for (const d of list) {
    const times: number[] = [];
    for (let r = 0; r < N; r++) {
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(d.x, d.y ?? 1);
      pass.end();
      const t0 = performance.now();
      ctx.device.queue.submit([enc.finish()]);
      await ctx.device.queue.onSubmittedWorkDone();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    per.push(`${d.pipeline.label}(${d.x}x${d.y ?? 1}) ${times[N >> 1].toFixed(2)}`);
  }
  console.log(key.padEnd(14), per.join('  '));
}
const t0 = performance.now();
t.train(30);
await t.flush();
console.log(`whole step: ${((performance.now() - t0) / 30).toFixed(1)} ms`);
t.destroy();
process.exit(0);
