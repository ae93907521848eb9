/**
 * What every training backend offers its hosts (the worker, the CLI, tests): the
 * WGSL engine (src/engine) and the CPU reference (src/reference/trainer.ts).
 */
import type { GateVariant, LiveKey, OptimizerName, RunConfig } from '../config/settings';

/**
 * One evaluation: full training set (its trained-on labels or targets) and full
 * held-out set. Losses are per-example means (cross-entropy, or ½‖u − y‖² for the
 * regress task). Accuracy exists for the modular tasks only; the regress task reports
 * the mean squared error per output, (1/(n·k)) Σ_i ‖u_i − y_i‖², instead.
 */
export interface MetricsRow {
  step: number;
  trainLoss: number;
  /** null for the regress task (no classes) */
  trainAcc: number | null;
  testLoss: number;
  testAcc: number | null;
  /** regress task only (null otherwise): mean squared error per output */
  trainMse: number | null;
  testMse: number | null;
  /** share of flipped (noisy) training labels the network reproduces: memorised noise */
  flippedAcc: number | null;
  /** mean gate mask over all parameters (fraction open for hard masks) at the last step */
  gateOpen: number | null;
  /** the same per tensor, in layout order */
  gateOpenByTensor: number[] | null;
  /**
   * the divergence flag of the metrics kernel: how many per-example losses and
   * weights were not finite at this evaluation (absent when none were)
   */
  nonFinite?: number;
}

/** a row that says the run has diverged: the GPU's flag, or (older rows) a non-finite loss */
export function isDiverged(r: MetricsRow): boolean {
  return (r.nonFinite ?? 0) > 0 || !Number.isFinite(r.trainLoss) || !Number.isFinite(r.testLoss);
}

export interface BatchPosition {
  epoch: number;
  index: number;
  count: number;
}

/** A live change of the optimizer or gate, kept in the run's history. */
export interface RunEvent {
  step: number;
  kind: 'gate' | 'opt' | 'hyper';
  from: string;
  to: string;
}

export interface TrainerInfo {
  backend: 'webgpu' | 'cpu';
  /** adapter description (vendor, architecture, device) or "CPU reference" */
  adapter: string;
  /** the kernel variants chosen on this adapter (GPU engine; src/engine/autotune.ts) */
  kernels?: string;
}

/** Weights and optimizer state, flat, in the model layout. */
export interface TrainerState {
  step: number;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  aux: Float32Array;
  s: Float32Array;
}

/** Settings that may change while a run goes on (everything else needs a reset). */
/** the settings marked `live` in the table (src/config/settings.ts) */
export type LiveSettings = Partial<Pick<RunConfig, LiveKey>>;

export interface Trainer {
  readonly info: TrainerInfo;
  /** the config in force now (live changes included) */
  readonly config: RunConfig;
  /** steps taken (encoded, for the GPU) so far */
  readonly step: number;
  /** the last batch's place in its epoch: batch `index` (0-based) of `count`, epoch counted from 1 (full batch: 0 of 1) */
  readonly batchPosition: BatchPosition;
  readonly events: readonly RunEvent[];
  /** takes `steps` training steps, evaluating at multiples of evalEvery; GPU: encodes and submits without waiting */
  train(steps: number): void;
  /** evaluates now (outside the cadence) */
  evaluate(): void;
  applyLive(change: LiveSettings): void;
  /** metric rows that have arrived since the last call, in step order */
  drainMetrics(): MetricsRow[];
  /** waits for submitted work and pending readbacks */
  flush(): Promise<void>;
  readState(): Promise<TrainerState>;
  loadState(state: TrainerState): void;
  /** per-parameter gate mask q of the last step (flat layout), for the mask map */
  readGateMask(): Promise<Float32Array>;
  /**
   * μ (mean gradient) and Σ_i (g_i/b)² of the last step, for the SNR histogram;
   * sq is fresh only while an exact gate runs (otherwise the squared pass is skipped)
   */
  readGradientStats(): Promise<{ mean: Float32Array; sq: Float32Array; b: number; fresh: boolean }>;
  destroy(): void;
  /** set when the backend's device is gone and the run must be rebuilt elsewhere (GPU only) */
  readonly deviceLost?: boolean;
  /** why the trainer stopped working, when it did (GPU only) */
  readonly lostReason?: string | null;
  /** fault injection: lose the device now, as a driver reset would (GPU only) */
  loseDevice?(): void;
  /** live GPU buffers held (GPU only; for the leak checks) */
  readonly bufferCount?: number;
}

export const describeGate = (g: GateVariant, opt: OptimizerName) => (g === 'off' ? opt : `${opt}+${g}`);

/**
 * What the theory instruments read at step t: weights and optimizer state, the gate
 * mask (null while the gate is off) and the config in force — both readbacks in flight
 * together. Shared by the lab's Measurer and `train --instruments`.
 */
export async function readInstrumentState(trainer: Trainer): Promise<{ state: TrainerState; mask: Float32Array | null; config: RunConfig }> {
  const config = trainer.config;
  const [state, mask] = await Promise.all([trainer.readState(), config.gate === 'off' ? null : trainer.readGateMask()]);
  return { state, mask, config };
}
