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
import * as v from 'valibot';
import { LIVE_KEYS, SETTING_BY_KEY, checkSetting, validateConfig, type RunConfig } from '../config/settings';
import { parseVariant } from '../model/variant';
import type { BatchPosition, LiveSettings, MetricsRow, RunEvent } from '../model/trainer';
import type { InstrumentFrame } from './instrumentFrame';
import type { FourierReadout } from '../theory/fourier';

export type Backend = 'webgpu' | 'cpu';

/** where an error came from: the page files it under this, never by parsing the message */
export type ErrorSource = 'init' | 'train' | 'import' | 'export' | 'instruments';

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
  | { type: 'restartGramian' }
  /** after divergence: back to the last good checkpoint with the learning rate × lrFactor */
  | { type: 'restore'; lrFactor: number }
  /** fault injection: destroy the GPU device as a driver reset would (tests, demos) */
  | { type: 'loseDevice' }
  /** asks for lane 0's run file for the page's autosave (answered by an 'autosave' event, or nothing) */
  | { type: 'autosave' }
  /** fault injection: the instruments worker dies as a crash would kill it (tests, demos) */
  | { type: 'killInstruments' };

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
      /** the matmul variants the autotuner chose on this adapter (null: CPU backend) */
      kernels: string | null;
      /** why WebGPU is not used (null when it is) */
      gpuMissing: string | null;
      lanes: LaneInfo[];
      /** where the run starts (non-zero after an import) */
      step: number;
      /** metric history per lane (non-empty after an import) */
      history: MetricsRow[][];
      /** live GPU buffers and device-lost listeners after this start (the leak checks compare them) */
      resources: { buffers: number; lostListeners: number };
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
      /** the Fourier view's readouts taken at those skipped multiples of r (src/theory/fourier.ts) */
      fourier: FourierReadout[];
      /** fresh gate-mask maps (2-D tensors), when a readback finished since the previous snapshot */
      masks: MaskImage[] | null;
      /** per-parameter log₁₀ SNR histogram of the exact gate (with the masks; null otherwise) */
      snr: SnrHistogram | null;
      /** the config in force now (live changes included) */
      config: RunConfig;
    }
  | { type: 'error'; source: ErrorSource; message: string }
  /** the metrics kernel flagged non-finite values at `step`; training paused */
  | { type: 'diverged'; lane: number; step: number; lr: number; restoreLr: number; checkpointStep: number | null }
  /** the run continues from an in-memory checkpoint (after divergence, or a lost device) */
  | { type: 'restored'; step: number; config: RunConfig; reason: 'diverged' | 'device-lost'; message: string }
  | { type: 'exported'; lane: number; step: number; text: string }
  | { type: 'autosave'; step: number; text: string }
  /** an import replaced the run: the page drops its history and takes these */
  | { type: 'imported'; config: RunConfig; step: number; metrics: MetricsRow[]; events: RunEvent[] };

export type { InstrumentFrame, SnrHistogram };

// ---- validation of incoming commands: the worker trusts nothing the page sends ----

const count = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000));
const SIMPLE = {
  play: v.object({ type: v.literal('play') }),
  pause: v.object({ type: v.literal('pause') }),
  step: v.object({ type: v.literal('step'), n: count }),
  setSpeed: v.object({ type: v.literal('setSpeed'), stepsPerFrame: count }),
  export: v.object({ type: v.literal('export'), lane: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1)) }),
  import: v.object({ type: v.literal('import'), text: v.string() }),
  pacing: v.object({ type: v.literal('pacing'), exact: v.boolean() }),
  restartGramian: v.object({ type: v.literal('restartGramian') }),
  restore: v.object({ type: v.literal('restore'), lrFactor: v.pipe(v.number(), v.gtValue(0), v.maxValue(1)) }),
  loseDevice: v.object({ type: v.literal('loseDevice') }),
  autosave: v.object({ type: v.literal('autosave') }),
  killInstruments: v.object({ type: v.literal('killInstruments') }),
} as const;

/**
 * Checks a message from the page against the protocol, configs through the one
 * settings schema. Throws with the field named; the worker answers with an error
 * event and ignores the message.
 */
export function parseCommand(data: unknown): Command {
  if (typeof data !== 'object' || data === null) throw new Error('command must be an object');
  const o = data as Record<string, unknown>;
  const type = o.type;
  if (type === 'init' || type === 'reset') {
    const config = type === 'reset' && o.config === undefined ? undefined : validateConfig(o.config);
    if (type === 'reset') return { type, config };
    if (typeof o.compare !== 'boolean') throw new Error('init.compare must be true or false');
    const vs = o.vs === undefined || o.vs === null ? null : parseVariant(typeof o.vs === 'object' && 'name' in o.vs ? String(o.vs.name) : String(o.vs));
    if (o.forceCpu !== undefined && typeof o.forceCpu !== 'string') throw new Error('init.forceCpu must be text');
    return { type, config: config!, compare: o.compare, vs, forceCpu: o.forceCpu as string | undefined };
  }
  if (type === 'live') {
    const settings = o.settings;
    if (typeof settings !== 'object' || settings === null) throw new Error('live.settings must be an object');
    const out: Record<string, unknown> = {};
    for (const [k, value] of Object.entries(settings)) {
      const spec = SETTING_BY_KEY.get(k);
      if (!spec || !LIVE_KEYS.has(k)) throw new Error(`live.settings.${k} is not a live setting`);
      const r = checkSetting(spec, value);
      if ('error' in r) throw new Error(`live.settings: ${r.error}`);
      out[k] = r.value;
    }
    return { type, settings: out as LiveSettings };
  }
  if (typeof type !== 'string' || !Object.hasOwn(SIMPLE, type)) throw new Error(`unknown command ${JSON.stringify(type)?.slice(0, 40)}`);
  const r = v.safeParse(SIMPLE[type as keyof typeof SIMPLE], data);
  if (!r.success) {
    const i = r.issues[0];
    const path = (i.path ?? []).map((p) => String(p.key)).join('.');
    throw new Error(`${type}.${path}: ${i.message}`);
  }
  return r.output as Command;
}
