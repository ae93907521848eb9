/**
 * Runs the theory instruments (src/theory/instruments.ts) for one lane. A
 * measurement at step t is taken in two halves: `begin` reads the weights, Adam's
 * v and the gate mask at t; `finish`, one training step later, reads the weights
 * at t+1 (for the kernel fidelity cos(Δu, −ηK̃g)) and hands both to the
 * instrument host, which answers later. The first measurement is the reference
 * K₀ of the rotation metrics and the start s of W.
 *
 * Pacing: while a measurement is still computing when the next multiple of r
 * arrives, that one is skipped (counted in `skipped`) unless `exact` pacing is on,
 * in which case training waits. W then holds K̃ over the longer interval, as the
 * instruments already do between measurements.
 */
import type { RunConfig } from '../config/settings';
import { readInstrumentState, type Trainer, type TrainerState } from '../model/trainer';
import type { InstrumentSnapshot } from '../theory/instruments';
import { FourierMeter, type FourierReadout } from '../theory/fourier';
import { netLayout } from '../model/arch';
import { makeDataset } from '../tasks/modular';
import { createInstrumentHost, InstrumentWorkerError, type InstrumentHost } from './instrumentHost';

/** training time a skipped multiple of r may spend on a Fourier-only readout, on average */
const FOURIER_BUDGET_MS = 100;

/** snapshots kept for the run file; beyond this, every other old one is dropped */
const HISTORY_MAX = 2000;

export class Measurer {
  private readonly host: InstrumentHost;
  private pending: { state: TrainerState; mask: Float32Array | null; config: RunConfig } | null = null;
  private running: Promise<void> | null = null;
  private fresh: InstrumentSnapshot | null = null;
  private snapshots: InstrumentSnapshot[] = [];
  private destroyed = false;
  /** multiples of r passed over because the previous measurement was still running */
  skipped = 0;
  /**
   * The Fourier view's readout at a skipped multiple of r, on the CPU here (tens of
   * ms on lecture), so the Fourier view keeps the cadence the kernel cannot. Training
   * waits for it, so a costly one (paper: ~0.3–2 s) is taken only at every
   * ⌈cost / FOURIER_BUDGET_MS⌉-th skipped multiple.
   */
  private fourierMeter: FourierMeter | null = null;
  private freshFourier: FourierReadout[] = [];
  private fourierMs = 0;
  private fourierSkipped = 0;
  error: string | null = null;
  /** the error was the instruments worker dying or hanging (it is replaced on the next call) */
  workerDied = false;

  constructor(
    config: RunConfig,
    private readonly trainer: Trainer,
  ) {
    this.host = createInstrumentHost(config);
  }

  /** a half-taken measurement waits for the next step */
  get waiting(): boolean {
    return this.pending !== null;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  async begin(): Promise<void> {
    this.pending = await readInstrumentState(this.trainer);
  }

  async finish(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    const next = await this.trainer.readState();
    const input = { step: p.state.step, state: p.state, gateMask: p.mask, config: p.config, paramsNext: next.step === p.state.step + 1 ? next.params : null };
    this.running = this.host
      .measure(input)
      .then((snap) => {
        if (this.destroyed) return;
        this.fresh = snap;
        this.snapshots.push(snap);
        if (this.snapshots.length > HISTORY_MAX) this.snapshots = this.snapshots.filter((_, i) => i % 2 === 0 || i === this.snapshots.length - 1);
      })
      .catch((err: unknown) => {
        this.error = err instanceof Error ? err.message : String(err);
        this.workerDied = err instanceof InstrumentWorkerError;
      })
      .finally(() => {
        this.running = null;
      });
  }

  /** at a multiple of r the full measurement skips: the Fourier readout alone, from the weights now */
  async fourierOnly(): Promise<void> {
    if (this.fourierMs > FOURIER_BUDGET_MS && ++this.fourierSkipped < Math.ceil(this.fourierMs / FOURIER_BUDGET_MS)) return;
    this.fourierSkipped = 0;
    const t0 = performance.now();
    const t = this.trainer;
    // the run's layout and dataset depend only on settings a reset applies, so the trainer's config gives them
    this.fourierMeter ??= new FourierMeter(netLayout(t.config), t.config.task, makeDataset(t.config));
    const state = await t.readState();
    this.freshFourier.push(this.fourierMeter.measure(state.step, state.params));
    this.fourierMs = performance.now() - t0;
  }

  /** Fourier readouts taken since the last call (skipped multiples of r) */
  takeFourier(): FourierReadout[] {
    const f = this.freshFourier;
    this.freshFourier = [];
    return f;
  }

  /** waits for the running measurement, if any */
  async settle(): Promise<void> {
    await this.running;
  }

  /** the newest snapshot not yet posted to the page */
  take(): InstrumentSnapshot | null {
    const f = this.fresh;
    this.fresh = null;
    return f;
  }

  restartGramian(): void {
    this.host.restartGramian();
  }

  history(): InstrumentSnapshot[] {
    return this.snapshots;
  }

  destroy(): void {
    this.destroyed = true;
    this.pending = null;
    this.host.destroy();
  }
}

export function createMeasurer(config: RunConfig, trainer: Trainer): Measurer | null {
  return config.instrumentEvery > 0 ? new Measurer(config, trainer) : null;
}
