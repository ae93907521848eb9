/**
 * The page's one store (zustand). The worker is the source of truth for training;
 * this holds the setup the user is editing and the history of snapshots the
 * worker has posted, which every view renders from.
 */
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { defaultConfig, type GateVariant, type RunConfig, type SettingError } from '../config/settings';
import type { SnrHistogram } from '../model/gate';
import type { Variant } from '../model/variant';
import type { BatchPosition, MetricsRow, RunEvent } from '../model/trainer';
import type { FourierReadout } from '../theory/fourier';
import { appendBounded, HISTORY_CAPS } from '../util/bounded';
import type { InstrumentFrame } from '../worker/instrumentFrame';
import type { Backend, ErrorSource, LaneInfo, MaskImage, WorkerEvent } from '../worker/protocol';

export interface LaneView {
  info: LaneInfo;
  config: RunConfig;
  step: number;
  stepsPerSec: number;
  /** the last minibatch's place in its epoch (null before the first snapshot) */
  batch: BatchPosition | null;
  metrics: MetricsRow[];
  events: RunEvent[];
  /** every measurement; only the newest keeps its heavy fields (height field, overlap) */
  frames: InstrumentFrame[];
  /** measurements skipped because the previous one was still running */
  instrumentSkips: number;
  /** Fourier readouts at the skipped multiples of r (the frames carry the rest) */
  fourier: FourierReadout[];
  masks: MaskImage[] | null;
  /** log₁₀ SNR histogram of the exact gate, with the masks */
  snr: SnrHistogram | null;
  /** snapshots received from the worker for this lane (their rate is the lab's responsiveness) */
  snapshots: number;
  /** whether the worker's last snapshot said it was playing (the page's own `playing` flips at the click) */
  workerPlaying: boolean;
}

/** where a notice came from: the worker's typed error sources, the page itself, or the worker dying */
export type NoticeSource = ErrorSource | 'page' | 'worker';

export interface Notice {
  id: number;
  source: NoticeSource;
  message: string;
}

export interface LabState {
  /** the setup being edited: what a reset (or a reload of the URL) runs */
  setup: RunConfig;
  /** the config of the run now in the worker (before live changes) */
  applied: RunConfig;
  preset: string | null;
  compare: boolean;
  /** compare mode's challenger lane (OPT or OPT+GATE from the URL's vs); null: gate off vs on */
  vs: Variant | null;
  autoplay: boolean;
  urlErrors: SettingError[];
  /** errors from the worker (import, training, instruments) */
  runErrors: Notice[];
  backend: Backend | null;
  adapter: string;
  /** the matmul variants chosen on the adapter (src/engine/autotune.ts) */
  kernels: string | null;
  gpuMissing: string | null;
  ready: boolean;
  playing: boolean;
  stepsPerFrame: number;
  /** the variant the gate toggle turns on */
  gateVariant: Exclude<GateVariant, 'off'>;
  presenter: boolean;
  /** the lecture story's screen (1-based; null: the full lab) */
  story: number | null;
  /** opened with no URL parameters: the first-visit line may show */
  landing: boolean;
  logStep: boolean;
  /** training waits for every measurement (else measurements are skipped while one runs) */
  exactPacing: boolean;
  /** which lane the kernel / reservoir / gate views show (null: the gated one) */
  viewLane: number | null;
  lanes: LaneView[];
  /** the metrics kernel flagged non-finite values: training is paused until a restore or reset */
  diverged: { lane: number; step: number; lr: number; restoreLr: number; checkpointStep: number | null } | null;
  /** the last recovery from a checkpoint (divergence restore, lost device), shown until dismissed */
  recovery: { id: number; reason: 'diverged' | 'device-lost'; message: string } | null;
  /** an autosaved run found at load, offered for resuming */
  resumeOffer: { step: number; savedAt: number } | null;
  /** the worker's GPU resource counts at the last (re)start, for the leak checks */
  resources: { buffers: number; lostListeners: number } | null;
}

export const useLab = create<LabState>()(() => ({
  // replaced by the URL's setup (actions.initFromUrl) before the first render
  setup: defaultConfig(),
  applied: defaultConfig(),
  preset: null,
  compare: false,
  vs: null,
  autoplay: false,
  urlErrors: [],
  runErrors: [],
  backend: null,
  adapter: 'starting…',
  kernels: null,
  gpuMissing: null,
  ready: false,
  playing: false,
  stepsPerFrame: 5,
  gateVariant: 'exact-hard',
  presenter: false,
  story: null,
  landing: false,
  logStep: false,
  viewLane: null,
  exactPacing: false,
  lanes: [],
  diverged: null,
  recovery: null,
  resumeOffer: null,
  resources: null,
}));

let noticeId = 0;
export function addRunError(message: string, source: NoticeSource = 'page'): void {
  useLab.setState((s) => ({ runErrors: [...s.runErrors.filter((n) => n.message !== message), { id: ++noticeId, source, message }].slice(-20) }));
}

/** the worker sends the newest events only, so equal length alone cannot tell a new one apart */
function sameEvents(a: readonly RunEvent[], b: readonly RunEvent[]): boolean {
  const x = a[a.length - 1];
  const y = b[b.length - 1];
  return a.length === b.length && (x === y || (x !== undefined && y !== undefined && x.step === y.step && x.kind === y.kind && x.to === y.to && x.from === y.from));
}

/** older frames keep only what the time-series charts read */
function stripHeavy(f: InstrumentFrame): InstrumentFrame {
  return { ...f, heightField: [], overlap: [], probeLabels: [], gramian: f.gramian && { ...f.gramian, predicted: [], actual: [] }, fourier: f.fourier && { ...f.fourier, eigen: null } };
}

/** folds one worker event into the store */
export function applyWorkerEvent(e: WorkerEvent): void {
  switch (e.type) {
    case 'ready':
      useLab.setState({
        ready: true,
        resources: e.resources,
        backend: e.backend,
        adapter: e.adapter,
        kernels: e.kernels,
        gpuMissing: e.gpuMissing,
        lanes: e.lanes.map((info, i) => ({
          info,
          config: info.config,
          step: e.step,
          stepsPerSec: 0,
          batch: null,
          metrics: appendBounded([], e.history[i] ?? [], HISTORY_CAPS.metrics),
          events: [],
          frames: [],
          instrumentSkips: 0,
          fourier: [],
          masks: null,
          snr: null,
          snapshots: 0,
          workerPlaying: false,
        })),
      });
      return;
    case 'snapshot':
      useLab.setState((s) => {
        const lanes = s.lanes.slice();
        const old = lanes[e.lane];
        if (!old) return {};
        let frames = old.frames;
        if (e.instruments) {
          frames = frames.slice();
          if (frames.length > 0) frames[frames.length - 1] = stripHeavy(frames[frames.length - 1]);
          // a re-measurement at the same step (reset to 0) replaces the old one
          while (frames.length > 0 && frames[frames.length - 1].step >= e.instruments.step) frames.pop();
          frames = appendBounded(frames, [e.instruments], HISTORY_CAPS.frames);
        }
        lanes[e.lane] = {
          ...old,
          step: e.step,
          stepsPerSec: e.stepsPerSec,
          batch: e.batch,
          // keep references when nothing changed, so views that select them skip a render
          config: JSON.stringify(old.config) === JSON.stringify(e.config) ? old.config : e.config,
          events: sameEvents(old.events, e.events) ? old.events : e.events.slice(-HISTORY_CAPS.events),
          metrics: e.metrics.length > 0 ? appendBounded(old.metrics, e.metrics, HISTORY_CAPS.metrics) : old.metrics,
          frames,
          instrumentSkips: e.instrumentSkips,
          fourier:
            e.fourier.length > 0
              ? appendBounded(
                  old.fourier.filter((f) => f.step < e.fourier[0].step),
                  e.fourier,
                  HISTORY_CAPS.frames,
                )
              : old.fourier,
          masks: e.masks ?? (e.config.gate === 'off' ? null : old.masks),
          snr: e.masks ? e.snr : e.config.gate.startsWith('exact') ? old.snr : null,
          snapshots: old.snapshots + 1,
          workerPlaying: e.playing,
        };
        return { lanes, playing: e.playing };
      });
      return;
    case 'error':
      addRunError(e.source === 'import' ? `Could not load the run file: ${e.message}` : e.message, e.source);
      if (e.source === 'train') useLab.setState({ playing: false });
      return;
    case 'imported':
      useLab.setState((s) => ({ setup: e.config, applied: e.config, compare: false, preset: null, runErrors: s.runErrors.filter((n) => n.source !== 'import') }));
      return;
    case 'diverged':
      useLab.setState({
        playing: false,
        diverged: { lane: e.lane, step: e.step, lr: e.lr, restoreLr: e.restoreLr, checkpointStep: e.checkpointStep },
      });
      return;
    case 'restored':
      useLab.setState({ diverged: null, setup: e.config, applied: e.config, recovery: { id: ++noticeId, reason: e.reason, message: e.message } });
      return;
    case 'exported':
    case 'autosave':
      return; // handled by the client (download, IndexedDB)
  }
}

export type LaneSlice = Pick<LaneView, 'info' | 'config' | 'frames' | 'metrics' | 'masks' | 'snr' | 'instrumentSkips' | 'fourier'>;

/**
 * The lane the theory views show (the chosen one, else the last: the gated one in
 * compare mode), without its step counter, so these views re-render only when
 * their data changes, not on every snapshot.
 */
export function useViewLane(): LaneSlice | undefined {
  return useLab(
    useShallow((s) => {
      const l = s.lanes[s.viewLane ?? s.lanes.length - 1] ?? s.lanes[s.lanes.length - 1];
      return l && { info: l.info, config: l.config, frames: l.frames, metrics: l.metrics, masks: l.masks, snr: l.snr, instrumentSkips: l.instrumentSkips, fourier: l.fourier };
    }),
  );
}
