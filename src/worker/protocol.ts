/**
 * Messages between the page (src/ui) and the training worker (src/worker/train.worker.ts).
 * The worker owns the Trainer(s) and is the source of truth for training state;
 * the page only renders the latest snapshot it has.
 *
 * A run has one lane, or two in compare mode (lane 0: gate off, lane 1: gate on),
 * trained in lock-step on the same seed and data so the race is fair per step.
 */
import type { SnrHistogram } from '../model/gate';
import type { Variant } from '../model/variant';
import type { RunConfig } from '../config/settings';
import type { BatchPosition, LiveSettings, MetricsRow, RunEvent } from '../model/trainer';
import type { InstrumentFrame } from './instrumentFrame';

export type Backend = 'webgpu' | 'cpu';

export type Command =
  /** (re)creates the lanes; `forceCpu` carries the page's reason when it already knows WebGPU is missing */
  | { type: 'init'; config: RunConfig; compare: boolean; vs?: Variant | null; forceCpu?: string }
  | { type: 'play' }
  | { type: 'pause' }
  /** takes n steps now (playing or not) */
  | { type: 'step'; n: number }
  /** back to step 0; a new config applies settings that need a reset */
  | { type: 'reset'; config?: RunConfig }
  | { type: 'setSpeed'; stepsPerFrame: number }
  /** changes that apply without a reset; `gate` goes to the gated lane only in compare mode */
  | { type: 'live'; settings: LiveSettings }
  /** asks for a run file of one lane */
  | { type: 'export'; lane: number }
  /** replaces the run with a run file's; a bad file leaves the current run untouched */
  | { type: 'import'; text: string }
  /** exact: training waits for each measurement; else a multiple of r that arrives while one runs is skipped */
  | { type: 'pacing'; exact: boolean }
  /** the dissipation Gramian W starts afresh at the next measurement (s = that step) */
  | { type: 'restartGramian' };

/** The per-parameter gate mask of one tensor, for the mask map. */
export interface MaskImage {
  tensor: string;
  rows: number;
  cols: number;
  data: Float32Array;
}

export interface LaneInfo {
  lane: number;
  label: string;
  config: RunConfig;
  /** parameter tensor names, in layout order (for gateOpenByTensor) */
  tensors: string[];
}

export type WorkerEvent =
  | {
      type: 'ready';
      backend: Backend;
      adapter: string;
      /** why WebGPU is not used (null when it is) */
      gpuMissing: string | null;
      lanes: LaneInfo[];
      /** where the run starts (non-zero after an import) */
      step: number;
      /** metric history per lane (non-empty after an import) */
      history: MetricsRow[][];
    }
  | {
      type: 'snapshot';
      lane: number;
      step: number;
      stepsPerSec: number;
      /** the last minibatch's place in its epoch */
      batch: BatchPosition;
      playing: boolean;
      /** metric rows since the previous snapshot of this lane */
      metrics: MetricsRow[];
      /** latest fraction open per tensor (gate on), else null */
      gateOpenByTensor: number[] | null;
      events: RunEvent[];
      /** the newest instrument measurement, when one arrived since the previous snapshot */
      instruments: InstrumentFrame | null;
      /** measurements skipped so far because the previous one was still running */
      instrumentSkips: number;
      /** fresh gate-mask maps (2-D tensors), when a readback finished since the previous snapshot */
      masks: MaskImage[] | null;
      /** per-parameter log₁₀ SNR histogram of the exact gate (with the masks; null otherwise) */
      snr: SnrHistogram | null;
      /** the config in force now (live changes included) */
      config: RunConfig;
    }
  | { type: 'error'; source: 'init' | 'train' | 'import' | 'export' | 'instruments'; message: string }
  | { type: 'exported'; lane: number; step: number; text: string }
  /** an import replaced the run: the page drops its history and takes these */
  | { type: 'imported'; config: RunConfig; step: number; metrics: MetricsRow[]; events: RunEvent[] };

export type { InstrumentFrame, SnrHistogram };
