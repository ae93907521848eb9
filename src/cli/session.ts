/** One headless training run on Dawn: the loop shared by `train`, `sweep` and `bench`. */
import type { RunConfig } from '../config/settings';
import { setTuneCache } from '../engine/autotune';
import type { GpuContext } from '../engine/device';
import { nodeGpuContext } from '../engine/node';
import { nodeShaderSources } from '../engine/nodeShaders';
import { GpuTrainer } from '../engine/trainer';
import { GrokTracker } from '../model/grok';
import { isDiverged, type MetricsRow, type TrainerState } from '../model/trainer';
import type { Dataset } from '../tasks/modular';
import { fileTuneCache } from './tuneCache';

let ctx: Promise<GpuContext> | null = null;
/** the CLI's device; after a loss the next call acquires a fresh one */
export function cliGpu(): Promise<GpuContext> {
  if (!ctx) setTuneCache(fileTuneCache());
  ctx ??= nodeGpuContext(() => {
    ctx = null; // the trainer on it reports the loss (GpuTrainer.deviceLost); runTraining rebuilds
  });
  return ctx;
}

/** device losses recovered within one run before it gives up */
const MAX_RECOVERIES = 3;
/** an in-memory checkpoint at most this often (ms of training) */
const CHECKPOINT_PERIOD_MS = 2000;

export class DeviceLostError extends Error {}

export interface RunOptions {
  steps: number;
  /** stop once held-out accuracy reaches this (train --stop-at); undefined: run all steps */
  stopAtTestAcc?: number;
  /** stop once the run has grokked (src/model/grok.ts; sweeps) */
  stopWhenGrokked?: boolean;
  /** called after each chunk */
  onProgress?: (step: number, last: MetricsRow | undefined, stepsPerSec: number) => void | Promise<void>;
  /** called every `every` steps with the trainer (instruments) */
  hook?: { every: number; fn: (t: GpuTrainer) => Promise<void> };
  dataset?: Dataset;
}

export interface RunResult {
  trainer: GpuTrainer;
  rows: MetricsRow[];
  /** memorised: first evaluated step with train accuracy ≥ 99% (null: not within the budget) */
  train99: number | null;
  /** grokked (src/model/grok.ts): first step at or after memorisation with held-out ≥ 95% (null: censored) */
  grokked: number | null;
  /** device losses recovered from during the run */
  recoveries: number;
  seconds: number;
  stepsPerSec: number;
}

export class DivergedError extends Error {}

/**
 * Fault injection for the CLI's device-loss test: GROKSCOPE_FAULT_LOSE_DEVICE_AT=N
 * destroys the device once, when the run first passes step N.
 */
const faultStep = (): number => Number(process.env.GROKSCOPE_FAULT_LOSE_DEVICE_AT ?? NaN);

export async function runTraining(config: RunConfig, o: RunOptions): Promise<RunResult> {
  let trainer = await GpuTrainer.create(config, await cliGpu(), nodeShaderSources(), o.dataset);
  const rows: MetricsRow[] = [];
  let grok = new GrokTracker();
  const t0 = performance.now();
  // weights + optimizer state kept in memory: a lost device resumes from here
  let checkpoint: { state: TrainerState; rows: number; config: RunConfig } | null = null;
  let lastCheckpoint = performance.now();
  let recoveries = 0;
  let loseAt = faultStep();
  // chunks of whole evaluation periods; the GPU runs ahead of the readback within a chunk
  const chunk = Math.max(config.evalEvery, Math.ceil(100 / config.evalEvery) * config.evalEvery);
  // the instruments measure at step 0 too: rotation and W are relative to initialisation
  if (o.hook && o.steps > 0) await o.hook.fn(trainer);
  while (trainer.step < o.steps) {
    let n = Math.min(chunk, o.steps - trainer.step);
    if (o.hook) n = Math.min(n, o.hook.every - (trainer.step % o.hook.every));
    try {
      trainer.train(n);
      if (trainer.step >= loseAt) {
        loseAt = NaN;
        trainer.loseDevice();
      }
      if (o.hook && trainer.step % o.hook.every === 0) await o.hook.fn(trainer);
      await trainer.flush();
    } catch (err) {
      // give device.lost a moment to name the cause (a readback may fail first)
      for (let i = 0; i < 10 && !trainer.deviceLost; i++) await new Promise((r) => setTimeout(r, 50));
      if (!trainer.deviceLost) throw err;
      const reason = trainer.lostReason ?? 'GPU device lost';
      trainer.destroy();
      if (++recoveries > MAX_RECOVERIES) throw new DeviceLostError(`${reason}; gave up after ${MAX_RECOVERIES} recoveries`);
      const from = checkpoint?.state.step ?? 0;
      process.stderr.write(`\n${reason}: rebuilding on a fresh device from the checkpoint at step ${from}\n`);
      trainer = await GpuTrainer.create(checkpoint?.config ?? config, await cliGpu(), nodeShaderSources(), o.dataset);
      if (checkpoint) trainer.loadState(checkpoint.state);
      rows.length = checkpoint?.rows ?? 0;
      grok = new GrokTracker();
      rows.forEach((r) => grok.add(r));
      continue;
    }
    for (const r of trainer.drainMetrics()) {
      if (isDiverged(r)) {
        trainer.destroy();
        throw new DivergedError(
          `training diverged at step ${r.step}: the metrics kernel flagged ${r.nonFinite ?? 'non-finite'} non-finite losses or weights (training loss ${r.trainLoss}); try a smaller --lr`,
        );
      }
      rows.push(r);
      grok.add(r);
    }
    if (performance.now() - lastCheckpoint >= CHECKPOINT_PERIOD_MS) {
      checkpoint = { state: await trainer.readState(), rows: rows.length, config: trainer.config };
      lastCheckpoint = performance.now();
    }
    const secs = (performance.now() - t0) / 1000;
    await o.onProgress?.(trainer.step, rows[rows.length - 1], trainer.step / secs);
    if (o.stopWhenGrokked && grok.steps.grokked !== null) break;
    if (o.stopAtTestAcc !== undefined && rows.length > 0 && (rows[rows.length - 1].testAcc ?? 0) >= o.stopAtTestAcc) break;
  }
  if (trainer.step % config.evalEvery !== 0) {
    trainer.evaluate();
    await trainer.flush();
    for (const r of trainer.drainMetrics()) {
      rows.push(r);
      grok.add(r);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (trainer.droppedRows > 0) process.stderr.write(`warning: ${trainer.droppedRows} metric rows were overwritten before readback\n`);
  return { trainer, rows, train99: grok.steps.memorised, grokked: grok.steps.grokked, seconds, stepsPerSec: trainer.step / seconds, recoveries };
}
