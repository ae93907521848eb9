/**
 * One whole benchmark run on one adapter, in the order that keeps ratios honest:
 * per size, every contender interleaved in rounds; then the matmul ceiling at the
 * sizes' products, copy bandwidth, and the instruments' cost per preset. The host
 * adds its own contenders (the page: TF.js backends) through `extra`.
 */
import { describePlan, memoryCache, rememberPlan, setTuneCache, stepShapes, tuneMatmul, type TuneRow } from '../engine/autotune';
import type { GpuContext } from '../engine/device';
import { getPipelines } from '../engine/pipelines';
import type { ShaderSources } from '../engine/shaders';
import { INSTRUMENT_SHARE } from '../worker/pace';
import { adapterCeiling } from './ceiling';
import { BENCH_SIZES, benchConfig, ceilingShapes, copyBandwidth, flopsPerStep, instrumentCost, matmulCeiling, ourStepper, raceSteppers, trainCount, type Stepper } from './core';
import type { BenchRecord, SizeResult } from './record';
import type { RunConfig } from '../config/settings';
import type { MatmulShape } from '../engine/autotune';

export interface BenchOptions {
  sizes: string[];
  rounds: number;
  /** each timing lasts at least this long (ms) */
  minMs: number;
  presets: string[];
  host: BenchRecord['host'];
  command: string;
  versions: Record<string, string>;
  /** other contenders at a size (the same model, the same optimizer) */
  extra?: (cfg: RunConfig) => Promise<Stepper[]>;
  /** TF.js webgl GFLOP/s at a product (the page only) */
  extraMatmul?: (s: MatmulShape) => Promise<number>;
  log?: (line: string) => void;
}

export async function runBench(ctx: GpuContext, src: ShaderSources, o: BenchOptions): Promise<BenchRecord> {
  const log = o.log ?? (() => undefined);
  const pl = await getPipelines(ctx.device, src);
  // fresh timings: the table printed is the one that decided this run's kernels
  setTuneCache(memoryCache());
  const tune: TuneRow[] = [];
  const sizes: SizeResult[] = [];
  for (const size of o.sizes) {
    const cfg = benchConfig(size);
    const plan = await tuneMatmul(ctx, pl, src, stepShapes(cfg));
    tune.push(...plan.table);
    await rememberPlan(ctx, src, plan); // the trainers below run exactly this plan
    log(`${size}: autotuned in ${plan.tuneMs.toFixed(0)} ms: ${describePlan(plan)}`);
    const plain = await ourStepper(ctx, src, cfg, 'ours');
    const steppers: Stepper[] = [plain, await ourStepper(ctx, src, benchConfig(size, 'exact-hard'), 'ours exact-hard'), await ourStepper(ctx, src, benchConfig(size, 'stream'), 'ours stream')];
    if (o.extra) steppers.push(...(await o.extra(cfg)));
    try {
      const rates = await raceSteppers(steppers, o.rounds, o.minMs, log);
      sizes.push({
        size,
        p: cfg.p,
        embed: cfg.embed,
        width: cfg.width,
        n: trainCount(cfg),
        flopsPerStep: flopsPerStep(cfg),
        stepsPerSec: rates,
        kernels: describePlan(plain.trainer.matmulPlan),
        dispatchesPerStep: plain.trainer.dispatches.step,
      });
    } finally {
      steppers.forEach((s) => s.destroy());
    }
  }
  const matmul: BenchRecord['matmul'] = [];
  for (const size of o.sizes) {
    const shapes = ceilingShapes(benchConfig(size));
    const rows = await matmulCeiling(ctx, src, shapes, o.rounds);
    for (let i = 0; i < rows.length; i++) {
      const tf = o.extraMatmul ? await o.extraMatmul(shapes[i]) : undefined;
      matmul.push(tf === undefined ? rows[i] : { ...rows[i], tfjsWebgl: tf });
      const g = Object.entries(rows[i].gflops).map(([v, x]) => `${v} ${x.toFixed(3)}`);
      log(`matmul ${rows[i].shape}: ${g.join(', ')}${tf ? `, TF.js webgl ${tf.toFixed(3)}` : ''} GFLOP/s`);
    }
  }
  const copyGBs = await copyBandwidth(ctx);
  log(`copy bandwidth ${copyGBs.toFixed(2)} GB/s`);
  const ceiling = await adapterCeiling(ctx, src);
  log(`adapter ceiling: arithmetic ${ceiling.arithmeticGflops.toFixed(2)} GFLOP/s, row loads ${ceiling.rowLoadsG.toFixed(3)} G vec4/s`);
  const instruments = [];
  for (const p of o.presets) {
    const row = await instrumentCost(ctx, src, p, INSTRUMENT_SHARE);
    instruments.push(row);
    log(`instruments ${p}: step ${row.stepMs.toFixed(1)} ms, measurement ${row.measureMs.toFixed(0)} ms, share at r=${row.every}: ${row.rawShare.toFixed(3)}`);
  }
  return { date: new Date().toISOString(), host: o.host, adapter: ctx.adapterName, versions: o.versions, command: o.command, sizes, matmul, copyGBs, ceiling, instruments, tune };
}

export { BENCH_SIZES };
