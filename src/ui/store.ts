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
import type { InstrumentFrame } from '../worker/instrumentFrame';
import type { Backend, LaneInfo, MaskImage, WorkerEvent } from '../worker/protocol';

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
  masks: MaskImage[] | null;
  /** log₁₀ SNR histogram of the exact gate, with the masks */
  snr: SnrHistogram | null;
}

export interface Notice {
  id: number;
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
  gpuMissing: string | null;
  ready: boolean;
  playing: boolean;
  stepsPerFrame: number;
  /** the variant the gate toggle turns on */
  gateVariant: Exclude<GateVariant, 'off'>;
  presenter: boolean;
  logStep: boolean;
  /** training waits for every measurement (else measurements are skipped while one runs) */
  exactPacing: boolean;
  /** which lane the kernel / reservoir / gate views show (null: the gated one) */
  viewLane: number | null;
  lanes: LaneView[];
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
  gpuMissing: null,
  ready: false,
  playing: false,
  stepsPerFrame: 5,
  gateVariant: 'exact-hard',
  presenter: false,
  logStep: false,
  viewLane: null,
  exactPacing: false,
  lanes: [],
}));

let noticeId = 0;
export function addRunError(message: string): void {
  useLab.setState((s) => ({ runErrors: [...s.runErrors.filter((n) => n.message !== message), { id: ++noticeId, message }] }));
}

/** older frames keep only what the time-series charts read */
function stripHeavy(f: InstrumentFrame): InstrumentFrame {
  return { ...f, heightField: [], overlap: [], probeLabels: [], gramian: f.gramian && { ...f.gramian, predicted: [], actual: [] } };
}

/** folds one worker event into the store */
export function applyWorkerEvent(e: WorkerEvent): void {
  switch (e.type) {
    case 'ready':
      useLab.setState({
        ready: true,
        backend: e.backend,
        adapter: e.adapter,
        gpuMissing: e.gpuMissing,
        lanes: e.lanes.map((info, i) => ({ info, config: info.config, step: e.step, stepsPerSec: 0, batch: null, metrics: e.history[i] ?? [], events: [], frames: [], instrumentSkips: 0, masks: null, snr: null })),
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
          frames.push(e.instruments);
        }
        lanes[e.lane] = {
          ...old,
          step: e.step,
          stepsPerSec: e.stepsPerSec,
          batch: e.batch,
          // keep references when nothing changed, so views that select them skip a render
          config: JSON.stringify(old.config) === JSON.stringify(e.config) ? old.config : e.config,
          events: e.events.length === old.events.length ? old.events : e.events,
          metrics: e.metrics.length > 0 ? [...old.metrics, ...e.metrics] : old.metrics,
          frames,
          instrumentSkips: e.instrumentSkips,
          masks: e.masks ?? (e.config.gate === 'off' ? null : old.masks),
          snr: e.masks ? e.snr : e.config.gate.startsWith('exact') ? old.snr : null,
        };
        return { lanes, playing: e.playing };
      });
      return;
    case 'error':
      addRunError(e.source === 'import' ? `Could not load the run file: ${e.message}` : e.message);
      if (e.source === 'train') useLab.setState({ playing: false });
      return;
    case 'imported':
      useLab.setState((s) => ({ setup: e.config, applied: e.config, compare: false, preset: null, runErrors: s.runErrors.filter((n) => !n.message.startsWith('Could not load')) }));
      return;
    case 'exported':
      return; // handled by the client (download)
  }
}

export type LaneSlice = Pick<LaneView, 'info' | 'config' | 'frames' | 'metrics' | 'masks' | 'snr' | 'instrumentSkips'>;

/**
 * The lane the theory views show (the chosen one, else the last: the gated one in
 * compare mode), without its step counter, so these views re-render only when
 * their data changes, not on every snapshot.
 */
export function useViewLane(): LaneSlice | undefined {
  return useLab(
    useShallow((s) => {
      const l = s.lanes[s.viewLane ?? s.lanes.length - 1] ?? s.lanes[s.lanes.length - 1];
      return l && { info: l.info, config: l.config, frames: l.frames, metrics: l.metrics, masks: l.masks, snr: l.snr, instrumentSkips: l.instrumentSkips };
    }),
  );
}
