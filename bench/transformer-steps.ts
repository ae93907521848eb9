/**
 * Steps/s of the transformer on the adapter at hand, plain AdamW against the gated
 * variants, measured in one process with the contenders interleaved round by round
 * (this machine is shared: only ratios from one run compare). Prints a Markdown table
 * with each variant's best round and its step time relative to plain AdamW.
 *
 * Usage: bash scripts/with-dawn.sh npx tsx bench/transformer-steps.ts [preset] [batch] [rounds] [steps]
 */
import { presetConfig } from '../src/config/presets';
import type { RunConfig } from '../src/config/settings';
import { nodeGpuContext } from '../src/engine/node';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { GpuTrainer } from '../src/engine/trainer';
import { parseVariant } from '../src/model/variant';

const preset = process.argv[2] ?? 'small-transformer';
const batch = process.argv[3] ? Number(process.argv[3]) : undefined;
const rounds = Number(process.argv[4] ?? 3);
const steps = Number(process.argv[5] ?? 30);
const names = ['adamw', 'adamw+exact-hard', 'adamw+exact-soft', 'adamw+stream'];

const ctx = await nodeGpuContext();
const base: RunConfig = { ...presetConfig(preset)!, evalEvery: 100000, instrumentEvery: 0, ...(batch !== undefined ? { batch } : {}) };
const trainers = new Map<string, GpuTrainer>();
for (const name of names) {
  const v = parseVariant(name);
  const t = await GpuTrainer.create({ ...base, opt: v.opt, gate: v.gate }, ctx, nodeShaderSources());
  t.train(5); // warm-up: pipelines, first submits
  await t.flush();
  trainers.set(name, t);
}
const best = new Map<string, number>();
for (let r = 0; r < rounds; r++)
  for (const [name, t] of trainers) {
    const t0 = performance.now();
    t.train(steps);
    await t.flush();
    const rate = steps / ((performance.now() - t0) / 1000);
    best.set(name, Math.max(best.get(name) ?? 0, rate));
  }
const plain = best.get('adamw')!;
console.log(`adapter ${ctx.adapterName}; ${preset}, b = ${base.batch}, best of ${rounds} interleaved rounds of ${steps} steps; ${new Date().toISOString()}`);
console.log('| variant | steps/s | step time ÷ adamw |');
console.log('|---|---|---|');
for (const [name, rate] of best) console.log(`| ${name} | ${rate.toFixed(1)} | ${(plain / rate).toFixed(2)} |`);
process.exit(0);
