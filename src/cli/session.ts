/** One headless training run on Dawn: the loop shared by `train`, `sweep` and `bench`. */
import type { RunConfig } from '../config/settings';
import { setTuneCache } from '../engine/autotune';
import type { GpuContext } from '../engine/device';
import { nodeGpuContext } from '../engine/node';
import { nodeShaderSources } from '../engine/nodeShaders';
import { GpuTrainer } from '../engine/trainer';
import type { MetricsRow } from '../model/trainer';
import type { Dataset } from '../tasks/modular';
import { fileTuneCache } from './tuneCache';

let ctx: Promise<GpuContext> | null = null;
export function cliGpu(): Promise<GpuContext> {
  if (!ctx) setTuneCache(fileTuneCache());
  ctx ??= nodeGpuContext((reason) => {
    process.stderr.write(`\n${reason}\n`);
    process.exit(3);
  });
  return ctx;
}

export interface RunOptions {
  steps: number;
  /** stop once held-out accuracy reaches this (sweeps); undefined: run all steps */
  stopAtTestAcc?: number;
  /** called after each chunk */
  onProgress?: (step: number, last: MetricsRow | undefined, stepsPerSec: number) => void | Promise<void>;
  /** called every `every` steps with the trainer (instruments) */
  hook?: { every: number; fn: (t: GpuTrainer) => Promise<void> };
  dataset?: Dataset;
}

export interface RunResult {
  trainer: GpuTrainer;
  rows: MetricsRow[];
  /** first evaluated step with train accuracy ≥ 99% (null: not within the budget) */
  train99: number | null;
  /** first evaluated step with held-out accuracy ≥ 95% (null: censored at the budget) */
  test95: number | null;
  seconds: number;
  stepsPerSec: number;
}

export class DivergedError extends Error {}

export async function runTraining(config: RunConfig, o: RunOptions): Promise<RunResult> {
  const gpu = await cliGpu();
  const trainer = await GpuTrainer.create(config, gpu, nodeShaderSources(), o.dataset);
  const rows: MetricsRow[] = [];
  let train99: number | null = null;
  let test95: number | null = null;
  const t0 = performance.now();
  // chunks of whole evaluation periods; the GPU runs ahead of the readback within a chunk
  const chunk = Math.max(config.evalEvery, Math.ceil(100 / config.evalEvery) * config.evalEvery);
  // the instruments measure at step 0 too: rotation and W are relative to initialisation
  if (o.hook && o.steps > 0) await o.hook.fn(trainer);
  while (trainer.step < o.steps) {
    let n = Math.min(chunk, o.steps - trainer.step);
    if (o.hook) n = Math.min(n, o.hook.every - (trainer.step % o.hook.every));
    trainer.train(n);
    if (o.hook && trainer.step % o.hook.every === 0) await o.hook.fn(trainer);
    await trainer.flush();
    for (const r of trainer.drainMetrics()) {
      if (!Number.isFinite(r.trainLoss)) {
        trainer.destroy();
        throw new DivergedError(`training diverged: the training loss is ${r.trainLoss} at step ${r.step} (try a smaller --lr)`);
      }
      rows.push(r);
      if (train99 === null && r.trainAcc >= 0.99) train99 = r.step;
      if (test95 === null && r.testAcc >= 0.95) test95 = r.step;
    }
    const secs = (performance.now() - t0) / 1000;
    await o.onProgress?.(trainer.step, rows[rows.length - 1], trainer.step / secs);
    if (o.stopAtTestAcc !== undefined && rows.length > 0 && rows[rows.length - 1].testAcc >= o.stopAtTestAcc) break;
  }
  if (trainer.step % config.evalEvery !== 0) {
    trainer.evaluate();
    await trainer.flush();
    rows.push(...trainer.drainMetrics());
  }
  const seconds = (performance.now() - t0) / 1000;
  if (trainer.droppedRows > 0) process.stderr.write(`warning: ${trainer.droppedRows} metric rows were overwritten before readback\n`);
  return { trainer, rows, train99, test95, seconds, stepsPerSec: trainer.step / seconds };
}
