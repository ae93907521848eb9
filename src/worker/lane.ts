/**
 * One training run inside the worker: its Trainer, the full metric history (for
 * run files), and what has not yet been posted to the page.
 */
import type { RunConfig } from '../config/settings';
import { snrHistogram, type SnrHistogram } from '../model/gate';
import { netLayout, type NetLayout } from '../model/arch';
import { gateUsesExactStats } from '../model/rules';
import { isDiverged, type MetricsRow, type RunEvent, type Trainer } from '../model/trainer';
import { makeDataset, type Dataset } from '../tasks/modular';
import { RUN_FILE_LIMITS } from '../model/runfile';
import { appendBounded } from '../util/bounded';
import type { Measurer } from './measure';
import { MeasureBudget, StepClock } from './pace';
import type { LaneInfo, MaskImage } from './protocol';

/** submits allowed in flight before the loop waits: enough to keep the queue fed, few enough to stay responsive (./pace.ts) */
const MAX_IN_FLIGHT = 2;
/** masks are read back at most this often (ms): a whole-parameter readback */
const MASK_PERIOD_MS = 1000;
/** mask maps are sent for 2-D tensors up to this many entries */
const MASK_MAX_SIZE = 1 << 17;
/** the steps/s readout averages over this window (ms) */
const RATE_WINDOW_MS = 2000;

export class Lane {
  readonly layout: NetLayout;
  readonly dataset: Dataset;
  /** every metric row of the run (run-file export) */
  metrics: MetricsRow[] = [];
  /** events from before an import (the trainer's own start after it) */
  priorEvents: RunEvent[] = [];
  unsent: MetricsRow[] = [];
  masks: MaskImage[] | null = null;
  snr: SnrHistogram | null = null;
  measurer: Measurer | null = null;
  private inFlight: Promise<void>[] = [];
  private destroyed = false;
  private lastMaskAt = -Infinity;
  private maskPending = false;
  private rateSamples: [number, number][] = [];
  stepsPerSec = 0;
  /** measured time per step on this lane's backend (sizes the loop's submits) */
  readonly clock = new StepClock();
  /** keeps the instruments under their share of wall time (./pace.ts) */
  readonly measureBudget = new MeasureBudget();

  constructor(
    readonly index: number,
    readonly label: string,
    public trainer: Trainer,
  ) {
    this.dataset = makeDataset(trainer.config);
    this.layout = netLayout(trainer.config);
    this.resetRate();
  }

  get config(): RunConfig {
    return this.trainer.config;
  }

  get events(): RunEvent[] {
    return [...this.priorEvents, ...this.trainer.events];
  }

  info(): LaneInfo {
    return { lane: this.index, label: this.label, config: this.config, tensors: this.layout.tensors.map((t) => t.name) };
  }

  /** trains n steps; GPU work is submitted, never waited for beyond MAX_IN_FLIGHT submits; each submit's completion times the step */
  async train(n: number): Promise<void> {
    if (this.trainer.info.backend === 'webgpu') {
      while (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight.shift();
      if (this.destroyed) return;
      const submittedAt = performance.now();
      this.trainer.train(n);
      const done = this.trainer.flush().then(() => this.clock.observe(submittedAt, n, performance.now()));
      // marked handled: a lost device rejects every frame in flight, and a lane torn down
      // for recovery never awaits the rest (the tick that awaits one still sees the error)
      done.catch(() => undefined);
      this.inFlight.push(done);
    } else {
      const t0 = performance.now();
      this.trainer.train(n);
      this.clock.observe(t0, n, performance.now());
    }
  }

  /** step of the first row the metrics kernel flagged as non-finite (null: healthy) */
  divergedAt: number | null = null;
  /** newest step whose row was finite: checkpoints up to it are known good */
  lastGoodStep = 0;

  /** moves newly arrived metric rows into the history, watching the divergence flag */
  drain(): void {
    const rows = this.trainer.drainMetrics();
    if (rows.length === 0) return;
    for (const r of rows) {
      if (isDiverged(r)) this.divergedAt ??= r.step;
      else if (this.divergedAt === null) this.lastGoodStep = r.step;
    }
    this.metrics.push(...rows);
    // the run file's cap: an hour at evalEvery 1 thins its oldest rows instead of growing
    if (this.metrics.length > RUN_FILE_LIMITS.metricRows) this.metrics = appendBounded(this.metrics, [], RUN_FILE_LIMITS.metricRows);
    this.unsent.push(...rows);
  }

  /** starts a mask readback when the gate is on and the last one is old enough */
  maybeReadMask(force = false): void {
    if (this.config.gate === 'off' || this.maskPending) return;
    const now = performance.now();
    if (!force && now - this.lastMaskAt < MASK_PERIOD_MS) return;
    this.maskPending = true;
    this.lastMaskAt = now;
    const trainer = this.trainer;
    const exact = gateUsesExactStats(this.config.gate);
    Promise.all([trainer.readGateMask(), exact ? trainer.readGradientStats() : null])
      .then(([q, stats]) => {
        if (trainer !== this.trainer) return;
        this.snr = stats && stats.fresh ? snrHistogram(this.layout, stats.mean, stats.sq, stats.b) : null;
        this.masks = this.layout.tensors
          .filter((t) => t.shape.length === 2 && t.size <= MASK_MAX_SIZE)
          .map((t) => ({ tensor: t.name, rows: t.shape[0], cols: t.shape[1], data: q.slice(t.offset, t.offset + t.size) }));
      })
      .catch(() => undefined)
      .finally(() => {
        this.maskPending = false;
      });
  }

  /** steps/s over the last RATE_WINDOW_MS: honest across slow ticks (a measurement, a readback wait) */
  updateRate(now: number): void {
    this.rateSamples.push([now, this.trainer.step]);
    while (this.rateSamples.length > 2 && now - this.rateSamples[0][0] > RATE_WINDOW_MS) this.rateSamples.shift();
    const [t0, s0] = this.rateSamples[0];
    if (now - t0 >= 200) this.stepsPerSec = ((this.trainer.step - s0) * 1000) / (now - t0);
  }

  resetRate(): void {
    this.stepsPerSec = 0;
    this.rateSamples = [[performance.now(), this.trainer.step]];
  }

  async settle(): Promise<void> {
    await Promise.all(this.inFlight);
    this.inFlight = [];
    await this.trainer.flush();
  }

  destroy(): void {
    this.destroyed = true;
    this.measurer?.destroy();
    this.trainer.destroy();
  }
}
