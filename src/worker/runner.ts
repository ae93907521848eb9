/**
 * The training loop of the worker. While playing, each tick trains every lane by
 * the same number of steps (lock-step, so compare mode races per step), splits the
 * steps at multiples of r to measure the instruments exactly there, drains the
 * metrics that have arrived and posts a snapshot. GPU work is only submitted; the
 * loop awaits a readback only when submits pile up (Lane.train), and every await
 * re-checks `generation` so a reset or import mid-tick abandons the old run.
 *
 * A tick is one submit of about CHUNK_MS of work (./pace.ts: steps per submit adapt
 * to the measured step time), capped by the speed setting; a heartbeat posts a
 * snapshot every POST_PERIOD_MS while playing even when a tick is waiting on the GPU,
 * so the page never goes quiet for long, whatever the speed or the model size.
 */
import type { RunConfig } from '../config/settings';
import type { LiveSettings, MetricsRow, RunEvent, TrainerState } from '../model/trainer';
import type { Variant } from '../model/variant';
import { gpuResources } from '../engine/resources';
import { HISTORY_CAPS } from '../util/bounded';
import { createTrainer } from './backend';
import { Lane } from './lane';
import { laneConfigs } from './lanes';
import { killInstrumentWorker } from './instrumentHost';
import { createMeasurer } from './measure';
import { chunkSteps, RateCap } from './pace';
import type { Command, WorkerEvent } from './protocol';
import { exportRun, importRun } from './runfile';

/** snapshots are posted this often while playing (ms); the page's contract is "at least every 100 ms" */
const POST_PERIOD_MS = 50;
/** an in-memory checkpoint (weights + optimizer state of every lane) at most this often while training (ms) */
const CHECKPOINT_PERIOD_MS = 2000;
/** checkpoints kept: the newest known-good one is what divergence and device loss restore */
const CHECKPOINTS_KEPT = 3;
/** device losses recovered in a row before the run gives up on the GPU (then: CPU reference) */
const MAX_RECOVERIES = 3;

/** every lane of a run at one step: what a restore needs to continue exactly there */
export interface Checkpoint {
  step: number;
  config: RunConfig;
  lanes: { state: TrainerState; metrics: MetricsRow[]; events: RunEvent[] }[];
}

/** puts a checkpoint into the fresh lanes start() made: weights, optimizer state, history, events (plus `extra`) */
function loadCheckpoint(cp: Checkpoint, extra: RunEvent[] = []): (l: Lane) => void {
  return (l) => {
    const saved = cp.lanes[l.index];
    l.trainer.loadState(saved.state);
    l.metrics = saved.metrics.slice();
    l.lastGoodStep = cp.step;
    l.priorEvents = [...saved.events, ...extra];
    l.resetRate();
  };
}

export type Post = (e: WorkerEvent, transfer?: Transferable[]) => void;

export class Runner {
  private lanes: Lane[] = [];
  private playing = false;
  private readonly cap = new RateCap(1);
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private pendingSteps = 0;
  private ticking = false;
  private generation = 0;
  private compare = false;
  /** compare mode's challenger lane (null: gate off vs on) */
  private vs: Variant | null = null;
  private forceCpu: string | undefined;
  private config: RunConfig | null = null;
  private lastPost = 0;
  /** an autosave is being taken (they are skipped, not queued, while one runs) */
  private autosaving = false;
  /** true: training waits for each measurement (every multiple of r is measured) */
  private exactPacing = false;
  /** newest last; at most CHECKPOINTS_KEPT */
  private checkpoints: Checkpoint[] = [];
  private lastCheckpointAt = 0;
  private checkpointing = false;
  /** device losses recovered since the last healthy checkpoint */
  private recoveries = 0;
  /** the run is paused because a lane diverged; cleared by a restore or reset */
  private divergedStep: number | null = null;

  constructor(private readonly post: Post) {}

  async handle(cmd: Command): Promise<void> {
    try {
      await this.dispatch(cmd);
    } catch (err) {
      const source = cmd.type === 'import' ? 'import' : cmd.type === 'export' ? 'export' : cmd.type === 'init' || cmd.type === 'reset' ? 'init' : 'train';
      this.post({ type: 'error', source, message: err instanceof Error ? err.message : String(err) });
    }
  }

  private async dispatch(cmd: Command): Promise<void> {
    switch (cmd.type) {
      case 'init':
        this.playing = false;
        this.compare = cmd.compare;
        this.vs = cmd.vs ?? null;
        this.forceCpu = cmd.forceCpu;
        return this.start(cmd.config);
      case 'reset':
        this.playing = false;
        return this.start(cmd.config ?? this.config ?? this.lanes[0].config);
      case 'play':
        this.playing = true;
        this.cap.restart(performance.now());
        this.lanes.forEach((l) => l.resetRate());
        this.postAll();
        return this.schedule();
      case 'pause':
        this.playing = false;
        this.postAll();
        return;
      case 'step':
        this.pendingSteps += Math.max(1, Math.floor(cmd.n));
        return this.schedule();
      case 'setSpeed':
        this.cap.stepsPerFrame = Math.max(1, Math.floor(cmd.stepsPerFrame));
        return;
      case 'live':
        return this.live(cmd.settings);
      case 'export':
        return this.exportLane(cmd.lane);
      case 'import':
        return this.importText(cmd.text);
      case 'pacing':
        this.exactPacing = cmd.exact;
        return;
      case 'restartGramian':
        return this.lanes.forEach((l) => l.measurer?.restartGramian());
      case 'restore':
        return this.restore(cmd.lrFactor);
      case 'loseDevice':
        return this.loseDevice();
      case 'autosave':
        return this.autosave();
      case 'killInstruments':
        if (!killInstrumentWorker()) throw new Error('no instruments worker is running');
        return;
    }
  }

  // ---------- checkpoints, divergence, device loss ----------

  /**
   * Every CHECKPOINT_PERIOD_MS, the state of every lane at one step, kept in memory.
   * The readback runs beside training (no wait in the tick); a checkpoint is used
   * only when a finite metrics row at or after its step vouches for it.
   */
  private maybeCheckpoint(gen: number): void {
    const now = performance.now();
    if (this.checkpointing || now - this.lastCheckpointAt < CHECKPOINT_PERIOD_MS || this.lanes.some((l) => l.divergedAt !== null)) return;
    this.checkpointing = true;
    this.lastCheckpointAt = now;
    const lanes = this.lanes;
    const config = this.config ?? lanes[0].config;
    const step = lanes[0].trainer.step;
    Promise.all(lanes.map((l) => l.trainer.readState()))
      .then((states) => {
        if (gen !== this.generation) return;
        this.checkpoints.push({
          step,
          config,
          lanes: lanes.map((l, i) => ({ state: states[i], metrics: l.metrics.filter((r) => r.step <= step), events: l.events.filter((e) => e.step <= step) })),
        });
        if (this.checkpoints.length > CHECKPOINTS_KEPT) this.checkpoints.shift();
      })
      .catch(() => undefined) // a failed readback (device loss) is handled by the tick that sees it
      .finally(() => {
        this.checkpointing = false;
      });
  }

  /** the newest checkpoint that every lane's finite metrics vouch for (at most `before`) */
  private goodCheckpoint(before = Infinity): Checkpoint | null {
    const good = Math.min(...this.lanes.map((l) => l.lastGoodStep), before);
    for (let i = this.checkpoints.length - 1; i >= 0; i--) if (this.checkpoints[i].step <= good) return this.checkpoints[i];
    return null;
  }

  /** the metrics kernel flagged a non-finite loss or weight: pause, and say so once */
  private checkDivergence(): boolean {
    if (this.divergedStep !== null) return false;
    const bad = this.lanes.find((l) => l.divergedAt !== null);
    if (!bad) return false;
    this.divergedStep = bad.divergedAt;
    this.playing = false;
    this.pendingSteps = 0;
    const cp = this.goodCheckpoint(bad.divergedAt! - 1);
    this.post({ type: 'diverged', lane: bad.index, step: bad.divergedAt!, lr: bad.config.lr, restoreLr: this.restoreLr(0.1), checkpointStep: cp?.step ?? null });
    this.postAll();
    return true;
  }

  /**
   * The learning rate a restore uses: lrFactor × the smaller of the rate at the
   * checkpoint and the rate in force when the run diverged — so a live jump to a
   * huge lr goes back below the rate that was still training well, and a run that
   * diverged from the start steps down by lrFactor per click.
   */
  private restoreLr(lrFactor: number): number {
    const cp = this.goodCheckpoint((this.divergedStep ?? Infinity) - 1);
    const now = this.config?.lr ?? this.lanes[0].config.lr;
    return Math.fround(lrFactor * Math.min(now, cp?.config.lr ?? now));
  }

  /** one click after divergence: the last good checkpoint, with the learning rate × lrFactor */
  private async restore(lrFactor: number): Promise<void> {
    const from = this.divergedStep ?? Infinity;
    const cp = this.goodCheckpoint(from - 1);
    const base = cp?.config ?? this.config ?? this.lanes[0].config;
    const lr = this.restoreLr(lrFactor);
    const config = { ...base, lr };
    const step = cp?.step ?? 0;
    await this.start(config, cp ? loadCheckpoint(cp, [{ step: cp.step, kind: 'hyper', from: `lr=${base.lr}`, to: `lr=${lr}` }]) : undefined, true);
    this.checkpoints = this.checkpoints.filter((c) => c.step <= step);
    this.post({ type: 'restored', step, config, reason: 'diverged', message: `restored step ${step} with learning rate ${lr} (was ${base.lr})` });
  }

  /** true when the failure was the device going away (the trainer says so, or its lost promise resolves soon) */
  private async deviceWasLost(): Promise<boolean> {
    for (let i = 0; i < 5 && !this.lanes.some((l) => l.trainer.deviceLost); i++) await new Promise((r) => setTimeout(r, 50));
    return this.lanes.some((l) => l.trainer.deviceLost);
  }

  /**
   * Device loss: a fresh device (or the CPU reference when none can be had),
   * pipelines and buffers rebuilt by start(), the newest good checkpoint loaded,
   * and training continues if it was playing.
   */
  private async recover(err: unknown): Promise<void> {
    const reason = this.lanes.find((l) => l.trainer.lostReason)?.trainer.lostReason ?? (err instanceof Error ? err.message : String(err));
    const wasPlaying = this.playing;
    const cp = this.goodCheckpoint();
    const config = cp?.config ?? this.config ?? this.lanes[0].config;
    if (++this.recoveries > MAX_RECOVERIES) this.forceCpu = `the GPU device was lost ${MAX_RECOVERIES} times in a row (${reason})`;
    this.playing = false;
    await this.start(config, cp ? loadCheckpoint(cp) : undefined, true);
    const step = cp?.step ?? 0;
    this.post({
      type: 'restored',
      step,
      config,
      reason: 'device-lost',
      message: `${reason} — rebuilt on ${this.lanes[0]?.trainer.info.adapter ?? 'a new device'} and resumed from the checkpoint at step ${step}`,
    });
    if (wasPlaying) {
      this.playing = true;
      this.postAll();
      this.schedule();
    }
  }

  /** fault injection (tests, demos): lose the GPU device as a driver reset would */
  private loseDevice(): void {
    const t = this.lanes[0]?.trainer;
    if (!t?.loseDevice) throw new Error('no GPU device to lose: this run uses the CPU reference');
    t.loseDevice();
  }

  /** autosave: the run file of lane 0, unless there is nothing worth keeping (compare mode, a diverged run) */
  private async autosave(): Promise<void> {
    const l = this.lanes[0];
    if (!l || this.compare || this.divergedStep !== null || l.trainer.step === 0 || this.autosaving) return;
    // runs beside the command queue (train.worker.ts), so a reset never waits behind a
    // large run file; a reset or import meanwhile makes this one moot
    const gen = this.generation;
    this.autosaving = true;
    try {
      await l.settle();
      if (gen !== this.generation) return;
      l.drain();
      if (l.divergedAt !== null) return;
      const text = await exportRun(l);
      if (gen !== this.generation) return;
      this.post({ type: 'autosave', step: l.trainer.step, text });
    } finally {
      this.autosaving = false;
    }
  }

  private async start(config: RunConfig, restore?: (lane: Lane) => void, keepCheckpoints = false): Promise<void> {
    const gen = ++this.generation;
    this.divergedStep = null;
    if (!keepCheckpoints) {
      this.checkpoints = [];
      this.recoveries = 0;
    }
    this.lastCheckpointAt = performance.now();
    // a tick of the old run may still be awaiting: it sees the new generation and bows out
    this.ticking = false;
    this.pendingSteps = 0;
    for (const l of this.lanes) l.destroy();
    this.lanes = [];
    this.config = config;
    const specs = laneConfigs(config, this.compare, this.vs);
    const lanes: Lane[] = [];
    let gpuMissing: string | null = null;
    for (const spec of specs) {
      const choice = await createTrainer(spec.config, this.forceCpu);
      gpuMissing = gpuMissing ?? choice.gpuMissing;
      lanes.push(new Lane(spec.lane, spec.label, choice.trainer));
    }
    if (gen !== this.generation) return lanes.forEach((l) => l.destroy());
    for (const l of lanes) {
      restore?.(l);
      try {
        l.measurer = createMeasurer(l.config, l.trainer);
      } catch (err) {
        this.post({ type: 'error', source: 'instruments', message: `theory instruments unavailable: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    this.lanes = lanes;
    const t = lanes[0].trainer;
    this.post({
      type: 'ready',
      backend: t.info.backend,
      adapter: t.info.adapter,
      kernels: t.info.kernels ?? null,
      gpuMissing,
      lanes: lanes.map((l) => l.info()),
      step: t.step,
      history: lanes.map((l) => l.metrics),
      resources: { ...gpuResources },
    });
    // the step-0 point of the curves; the first measurement (the instruments' K₀) starts here
    if (t.step === 0) lanes.forEach((l) => l.trainer.evaluate());
    for (const l of lanes) await this.begin(l, gen);
    await Promise.all(lanes.map((l) => l.trainer.flush()));
    if (gen !== this.generation) return;
    lanes.forEach((l) => l.drain());
    this.postAll();
    this.schedule();
  }

  private live(settings: LiveSettings): void {
    for (const l of this.lanes) {
      const change = { ...settings };
      // compare mode: lane 0 is the ungated baseline and stays so
      if (this.compare && !this.vs && l.index === 0) delete change.gate;
      // a challenger lane keeps its own optimizer and gate
      if (this.compare && this.vs && l.index === 1) {
        delete change.gate;
        delete change.opt;
      }
      l.trainer.applyLive(change);
      if (change.gate && change.gate !== 'off') l.maybeReadMask(true);
    }
    if (this.config) this.config = { ...this.config, ...settings };
    this.postAll();
  }

  private schedule(delayMs = 0): void {
    if (this.ticking || this.lanes.length === 0 || !(this.playing || this.pendingSteps > 0)) return;
    this.ticking = true;
    this.heartbeat ??= setInterval(() => this.beat(), POST_PERIOD_MS / 2);
    const gen = this.generation;
    // a tick queued before a reset must not touch the new (or the emptied) lanes
    setTimeout(() => {
      if (gen === this.generation && this.lanes.length > 0) void this.tick();
      else if (gen === this.generation) this.ticking = false;
    }, delayMs);
  }

  /** posts a snapshot when the loop has not for POST_PERIOD_MS (it may be waiting on the GPU or a measurement) */
  private beat(): void {
    if (!this.playing && this.pendingSteps === 0 && !this.ticking) {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = null;
      return;
    }
    if (performance.now() - this.lastPost < POST_PERIOD_MS) return;
    this.lanes.forEach((l) => l.drain());
    this.postAll();
  }

  /** lock-step cost of all lanes, ms (NaN until measured) */
  private msPerStep(): number {
    return this.lanes.reduce((sum, l) => sum + l.clock.msPerStep, 0);
  }

  private async tick(): Promise<void> {
    const gen = this.generation;
    let delay = 0;
    try {
      const chunk = chunkSteps(this.msPerStep());
      let n: number;
      if (this.playing) {
        n = this.cap.take(performance.now(), chunk);
        if (n === 0) delay = this.cap.waitMs();
      } else {
        n = Math.min(this.pendingSteps, chunk);
        this.pendingSteps -= n;
      }
      if (n > 0) await this.advance(n, gen);
      if (gen !== this.generation) return;
      for (const l of this.lanes) {
        l.drain();
        l.maybeReadMask();
      }
      if (this.checkDivergence()) return;
      this.maybeCheckpoint(gen);
      const now = performance.now();
      const idle = !this.playing && this.pendingSteps === 0;
      if (idle || now - this.lastPost >= POST_PERIOD_MS) this.postAll();
      if (idle) {
        // the last rows of a step may still be in a readback: post them when they land
        await Promise.all(this.lanes.map((l) => l.settle()));
        if (gen !== this.generation) return;
        this.lanes.forEach((l) => (l.drain(), l.maybeReadMask(true)));
        this.postAll();
      }
    } catch (err) {
      if (gen !== this.generation) return;
      if (await this.deviceWasLost()) {
        // recover() starts a new generation: this tick's finally must not reschedule the old one
        void this.recover(err).catch((e: unknown) => this.post({ type: 'error', source: 'train', message: `could not recover from the lost device: ${e instanceof Error ? e.message : String(e)}` }));
        return;
      }
      this.playing = false;
      this.pendingSteps = 0;
      this.post({ type: 'error', source: 'train', message: err instanceof Error ? err.message : String(err) });
      this.postAll();
    } finally {
      if (gen === this.generation) {
        this.ticking = false;
        this.schedule(delay);
      }
    }
  }

  /**
   * n lock-steps on every lane. The instruments measure at multiples of r: begin
   * at step t, one more step, finish (see ./measure.ts); a multiple of r that
   * arrives while the previous measurement still runs is skipped, unless exact
   * pacing makes training wait for it.
   */
  private async advance(n: number, gen: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const step = this.lanes[0].trainer.step;
      const r = this.lanes[0].config.instrumentEvery;
      const waiting = this.lanes.some((l) => l.measurer?.waiting);
      const k = waiting ? 1 : r > 0 && this.lanes[0].measurer ? Math.min(left, r - (step % r)) : left;
      for (const l of this.lanes) await l.train(k);
      if (gen !== this.generation) return;
      left -= k;
      if (waiting) for (const l of this.lanes) await this.finish(l, gen);
      if (r > 0 && (step + k) % r === 0) for (const l of this.lanes) await this.begin(l, gen);
    }
  }

  private async begin(l: Lane, gen: number): Promise<void> {
    const m = l.measurer;
    if (!m || gen !== this.generation) return;
    try {
      if (this.exactPacing) await m.settle();
      // skipped while the last one still runs, or (unless exact pacing) while the instruments are over their time share
      if (m.busy || (!this.exactPacing && !l.measureBudget.allow(performance.now()))) {
        m.skipped++;
        await m.fourierOnly(); // the Fourier view keeps the cadence (a CPU readout, budgeted in measure.ts)
        return;
      }
      l.measureBudget.start(performance.now());
      await m.begin();
    } catch (err) {
      this.instrumentsFailed(l, err);
    }
  }

  private async finish(l: Lane, gen: number): Promise<void> {
    const m = l.measurer;
    if (!m?.waiting || gen !== this.generation) return;
    try {
      await m.finish();
      void m.settle().then(() => l.measureBudget.done(performance.now()));
      if (this.exactPacing) await m.settle();
    } catch (err) {
      this.instrumentsFailed(l, err);
    }
  }

  private instrumentsFailed(l: Lane, err: unknown): void {
    if (!this.lanes.includes(l)) return; // a lane of a run already replaced
    l.measurer?.destroy();
    l.measurer = null;
    this.post({ type: 'error', source: 'instruments', message: `theory instruments stopped: ${err instanceof Error ? err.message : String(err)}` });
  }

  private postAll(): void {
    const now = performance.now();
    this.lastPost = now;
    for (const l of this.lanes) {
      if (this.playing) l.updateRate(now);
      else l.stepsPerSec = 0;
      const rows = l.unsent;
      l.unsent = [];
      const last = l.metrics[l.metrics.length - 1];
      this.post({
        type: 'snapshot',
        lane: l.index,
        step: l.trainer.step,
        stepsPerSec: l.stepsPerSec,
        batch: l.trainer.batchPosition,
        playing: this.playing,
        metrics: rows,
        gateOpenByTensor: l.config.gate === 'off' ? null : (last?.gateOpenByTensor ?? null),
        // the newest markers only: a run file may bring 2,000 events, and this goes out every 50 ms
        events: l.events.slice(-HISTORY_CAPS.events),
        instruments: l.measurer?.take() ?? null,
        instrumentSkips: l.measurer?.skipped ?? 0,
        fourier: l.measurer?.takeFourier() ?? [],
        masks: l.masks,
        snr: l.masks ? l.snr : null,
        config: l.config,
      });
      l.masks = null;
      const m = l.measurer;
      if (m?.error && m.workerDied) {
        // a dead or hung instruments worker is replaced on the next call: say so and keep measuring
        this.post({ type: 'error', source: 'instruments', message: `theory instruments: ${m.error}; a fresh worker takes over from the next measurement (its rotation and W restart there)` });
        m.error = null;
        m.workerDied = false;
      } else if (m?.error) this.instrumentsFailed(l, m.error);
    }
  }

  private async exportLane(index: number): Promise<void> {
    const l = this.lanes[index] ?? this.lanes[0];
    await l.settle();
    l.drain();
    const text = await exportRun(l);
    this.post({ type: 'exported', lane: l.index, step: l.trainer.step, text });
  }

  private async importText(text: string): Promise<void> {
    // parse first: a corrupt file throws here and the current run goes on untouched
    const run = await importRun(text);
    this.playing = false;
    this.compare = false;
    this.vs = null;
    await this.start(run.config, (l) => {
      l.trainer.loadState(run.state);
      l.metrics = run.metrics.slice();
      l.unsent = [];
      l.priorEvents = run.events.slice();
      l.resetRate();
    });
    this.post({ type: 'imported', config: run.config, step: run.step, metrics: run.metrics, events: run.events });
    this.postAll();
  }
}
