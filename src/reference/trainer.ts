/**
 * The whole training step on the CPU in float64, built from the kernel twins:
 * the oracle for the GPU engine's multi-step test, and the fallback engine of the
 * lab where WebGPU is missing (tiny preset).
 */
import type { RunConfig } from '../config/settings';
import { mlpOnly, netLayout, type NetLayout } from '../model/arch';
import { initParams, type ModelLayout } from '../model/layout';
import { sequenceTokens, SEQ } from '../model/transformerLayout';
import { applyLiveChange, BatchSampler, batchSize, liveResets, metricsFromSums, optimParams } from '../model/run';
import type { BatchPosition, LiveSettings, MetricsRow, RunEvent, Trainer, TrainerInfo, TrainerState } from '../model/trainer';
import { makeDataset, type Dataset } from '../tasks/modular';
import { categorySums, nonFiniteCount } from './kernels';
import { forward, lossAndGrad, outputLoss, type Targets } from './mlp';
import { transformerForward, transformerLossAndGrad } from './transformer';
import { gateUsesExactStats, newOptimState, optimApply, optimDirection, tensorMaskSums, type OptimState } from './optimizer';

/** the transformer trains on class labels only (the settings refuse arch=transformer with task=regress) */
function classLabels(t: Targets): Uint32Array {
  if (!(t instanceof Uint32Array)) throw new Error('the transformer has no squared loss: task=regress needs arch=mlp');
  return t;
}

export class ReferenceTrainer implements Trainer {
  readonly info: TrainerInfo = { backend: 'cpu', adapter: 'CPU reference (float64, no WebGPU)' };
  /** the network's parameter table (MLP or transformer) */
  readonly paramLayout: NetLayout;
  /** where the sampler stands in the current epoch */
  get batchPosition(): BatchPosition {
    return this.sampler.position;
  }

  /** the MLP's layout (the structured kernel formula, the benchmarks); throws for a transformer — `paramLayout` serves both */
  get layout(): ModelLayout {
    return mlpOnly(this.paramLayout, 'the MLP layout');
  }
  readonly dataset: Dataset;
  config: RunConfig;
  step = 0;
  readonly events: RunEvent[] = [];
  /** float64 weights and optimizer state */
  w: Float64Array;
  state: OptimState;
  private readonly sampler: BatchSampler;
  private readonly batchIdx: Uint32Array;
  private readonly tokens: Uint32Array;
  /** the batch's labels, or its real targets (b × k) for the regress task */
  private readonly labels: Targets;
  private readonly u: Float64Array;
  private readonly q: Float64Array;
  private readonly c: Float64Array;
  private lastOpen: number[] | null = null;
  /** step at which the stream gate's EMA (re)started */
  private streamStart = 0;
  private pending: MetricsRow[] = [];
  /** loss of the batch at the most recent step (before its update) */
  lastBatchLoss = NaN;
  private lastGrad: Float64Array;
  private lastSq: Float64Array | null = null;

  constructor(config: RunConfig, dataset?: Dataset) {
    this.config = config;
    this.dataset = dataset ?? makeDataset(config);
    this.paramLayout = netLayout(config);
    this.w = Float64Array.from(initParams(this.paramLayout, config.seed));
    this.state = newOptimState(this.paramLayout.totalSize);
    const b = batchSize(config, this.dataset);
    this.sampler = new BatchSampler(this.dataset.trainIdx, b, config.seed);
    this.batchIdx = new Uint32Array(b);
    this.tokens = new Uint32Array(2 * b);
    const reg = this.dataset.regression;
    this.labels = reg ? new Float64Array(b * reg.k) : new Uint32Array(b);
    const P = this.paramLayout.totalSize;
    this.u = new Float64Array(P);
    this.q = new Float64Array(P);
    this.c = new Float64Array(P);
    this.lastGrad = new Float64Array(P);
  }

  get batch(): number {
    return this.sampler.b;
  }

  /** one step; returns the batch loss */
  stepOnce(): number {
    const ds = this.dataset;
    const b = this.sampler.b;
    this.sampler.next(this.batchIdx);
    for (let i = 0; i < b; i++) {
      const e = this.batchIdx[i];
      this.tokens[2 * i] = ds.tokens[2 * e];
      this.tokens[2 * i + 1] = ds.tokens[2 * e + 1];
      if (ds.regression) {
        const k = ds.regression.k;
        for (let c = 0; c < k; c++) this.labels[i * k + c] = ds.regression.targets[e * k + c];
      } else this.labels[i] = ds.labels[e];
    }
    const needSq = gateUsesExactStats(this.config.gate);
    const lay = this.paramLayout;
    const lg =
      lay.arch === 'transformer'
        ? transformerLossAndGrad(lay, this.w, sequenceTokens(this.tokens, b, lay.p), classLabels(this.labels), b, needSq)
        : lossAndGrad(lay, this.w, this.tokens, this.labels, b, needSq);
    this.step++;
    const hp = optimParams(this.config, this.step, b, ds.trainIdx.length, this.streamStart);
    const P = this.paramLayout.totalSize;
    optimDirection(lg.grad, lg.sq ?? lg.grad, this.state, hp, this.u, this.q, this.c, P);
    const sums = tensorMaskSums(this.paramLayout, this.q, this.c);
    optimApply(this.paramLayout, this.w, this.u, this.q, this.c, sums, hp);
    this.lastOpen = this.config.gate === 'off' ? null : this.paramLayout.tensors.map((t, i) => sums[2 * i] / t.size);
    this.lastBatchLoss = lg.loss;
    this.lastGrad = lg.grad;
    if (lg.sq) this.lastSq = lg.sq;
    return lg.loss;
  }

  train(steps: number): void {
    for (let s = 0; s < steps; s++) {
      this.stepOnce();
      if (this.step % this.config.evalEvery === 0) this.evaluate();
    }
  }

  /** metrics on every example (train with its trained-on labels, held-out with true ones) */
  computeMetrics(): MetricsRow {
    const ds = this.dataset;
    const n = ds.labels.length;
    const lay = this.paramLayout;
    const logits = lay.arch === 'transformer' ? transformerForward(lay, this.w, sequenceTokens(ds.tokens, n, lay.p, new Uint32Array(SEQ * n)), n).logits : forward(lay, this.w, ds.tokens, n).logits;
    const perEx = new Float64Array(2 * n);
    outputLoss(logits, ds.regression?.targets ?? ds.labels, n, lay.p, 1, perEx, null);
    const sums = categorySums(perEx, ds.category, n, 3);
    return metricsFromSums(
      this.step,
      sums,
      this.lastOpen,
      this.paramLayout.tensors.map((t) => t.size),
      nonFiniteCount(perEx, n, this.w, this.w.length),
      ds.regression !== undefined,
    );
  }

  evaluate(): void {
    this.pending.push(this.computeMetrics());
  }

  applyLive(change: LiveSettings): void {
    const next = applyLiveChange(this.config, change, this.step, this.events);
    const r = liveResets(this.config, next);
    if (r.zeroAux) this.state.aux.fill(0);
    if (r.zeroStream) {
      this.state.s.fill(0);
      this.streamStart = this.step;
    }
    this.config = next;
  }

  drainMetrics(): MetricsRow[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  async flush(): Promise<void> {}

  async readState(): Promise<TrainerState> {
    return {
      step: this.step,
      params: Float32Array.from(this.w),
      m: Float32Array.from(this.state.m),
      v: Float32Array.from(this.state.v),
      aux: Float32Array.from(this.state.aux),
      s: Float32Array.from(this.state.s),
    };
  }

  loadState(st: TrainerState): void {
    this.w = Float64Array.from(st.params);
    this.state = { m: Float64Array.from(st.m), v: Float64Array.from(st.v), aux: Float64Array.from(st.aux), s: Float64Array.from(st.s) };
    this.sampler.skip(st.step - this.step, new Uint32Array(this.sampler.b));
    this.step = st.step;
  }

  async readGateMask(): Promise<Float32Array> {
    return Float32Array.from(this.q);
  }

  async readGradientStats(): Promise<{ mean: Float32Array; sq: Float32Array; b: number; fresh: boolean }> {
    const P = this.paramLayout.totalSize;
    return { mean: Float32Array.from(this.lastGrad), sq: this.lastSq ? Float32Array.from(this.lastSq) : new Float32Array(P), b: this.batch, fresh: gateUsesExactStats(this.config.gate) };
  }

  destroy(): void {}
}
