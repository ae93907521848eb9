/**
 * `grokscope bench`: training throughput at three sizes, and what the gate costs,
 * measured in one run on one adapter (ratios, because shared machines are noisy).
 * GFLOP/s counts the three matrix products of every linear layer (stepFlops).
 */
import { writeFileSync } from 'node:fs';
import { defaultConfig, type GateVariant, type RunConfig } from '../config/settings';
import { GpuTrainer } from '../engine/trainer';
import { nodeShaderSources } from '../engine/nodeShaders';
import { modelLayout, stepFlops } from '../model/layout';
import { checkOutputPath, intOption, parseArgs, UsageError } from './flags';
import { cliGpu } from './session';

export const BENCH_SIZES: Record<string, Partial<RunConfig>> = {
  tiny: { task: 'add', p: 13, train: 0.8, embed: 16, width: 32 },
  mid: { task: 'add', p: 47, train: 0.4, embed: 64, width: 128 },
  large: { task: 'div', p: 97, train: 0.4, embed: 128, width: 256 },
};

async function stepsPerSecond(cfg: RunConfig, steps: number): Promise<number> {
  const gpu = await cliGpu();
  const t = await GpuTrainer.create(cfg, gpu, nodeShaderSources());
  t.train(Math.max(2, Math.ceil(steps / 10))); // warm-up: pipelines, caches
  await t.flush();
  const t0 = performance.now();
  t.train(steps);
  await t.flush();
  const secs = (performance.now() - t0) / 1000;
  t.destroy();
  return steps / secs;
}

export async function benchCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['steps', 'sizes', 'out'], []);
  const steps = intOption(args, 'steps', 40, 1, 1_000_000);
  const outPath = checkOutputPath(args, 'out');
  const sizes = (args.extra.get('sizes') ?? 'tiny,mid,large').split(',');
  for (const s of sizes) if (!Object.hasOwn(BENCH_SIZES, s)) throw new UsageError(`--sizes: unknown size "${s}" (${Object.keys(BENCH_SIZES).join(', ')})`);
  const gpu = await cliGpu();
  const date = new Date().toISOString().slice(0, 10);
  process.stdout.write(`grokscope bench, ${date}, adapter: ${gpu.adapterName}\nfull batch, AdamW; evaluation every 1000 steps (not in the timing)\n`);
  process.stdout.write('size | p | width | b | params | steps/s | GFLOP/s | exact-hard gate cost | stream gate cost\n');
  const results = [];
  for (const name of sizes) {
    const cfg: RunConfig = { ...defaultConfig(), ...BENCH_SIZES[name], evalEvery: 1000 };
    const layout = modelLayout(cfg);
    const n = Math.round(cfg.train * (cfg.task === 'div' ? cfg.p * (cfg.p - 1) : cfg.p * cfg.p));
    const per = async (gate: GateVariant) => stepsPerSecond({ ...cfg, gate }, steps);
    // interleave plain and gated runs so drift on a shared machine hits both
    const plainA = await per('off');
    const exact = await per('exact-hard');
    const stream = await per('stream');
    const plainB = await per('off');
    const plain = (plainA + plainB) / 2;
    const gflops = (plain * stepFlops(layout, n)) / 1e9;
    const row = { size: name, p: cfg.p, width: cfg.width, batch: n, params: layout.paramCount, stepsPerSec: plain, gflops, exactHardCost: plain / exact, streamCost: plain / stream };
    results.push(row);
    process.stdout.write(`${name} | ${cfg.p} | ${cfg.width} | ${n} | ${layout.paramCount} | ${plain.toFixed(1)} | ${gflops.toFixed(3)} | ${row.exactHardCost.toFixed(2)}× slower | ${row.streamCost.toFixed(2)}× slower\n`);
  }
  if (outPath) writeFileSync(outPath, JSON.stringify({ date, adapter: gpu.adapterName, steps, results }, null, 2));
}
