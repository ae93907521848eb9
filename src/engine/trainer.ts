/**
 * The training engine on WebGPU. One step is one command buffer with one compute
 * pass: the network's forward → the task's loss and output gradient
 * (softmax-CE, or the squared loss of the regress task) →
 * backward (mean gradient, plus the squared-operand Σg² passes when an exact gate
 * needs them) → gate mask and optimizer direction → per-tensor mask sums → update.
 * Every `evalEvery` steps the same pass also runs a forward over all p² examples
 * and reduces loss/accuracy per category into a row of a GPU-side metrics
 * history, which is read back in batches through one staging buffer whenever no
 * read is in flight: the step never waits for a readback.
 *
 * The trainer composes modules (src/engine/modules): a network (the MLP's
 * embedding and dense layers), the loss, the optimizer with the gate, and the
 * metrics. All GPU buffers, uniforms and bind groups come from one arena, once per
 * run; a step writes one small uniform (and, for minibatches, the batch) and
 * encodes prebuilt dispatches.
 */
import { crossCheck, type RunConfig } from '../config/settings';
import { mlpOnly, netLayout, type NetLayout } from '../model/arch';
import { initParams, type ModelLayout } from '../model/layout';
import { applyLiveChange, BatchSampler, batchSize, liveResets, metricsFromSums, optimParams } from '../model/run';
import { gateUsesExactStats } from '../model/rules';
import type { BatchPosition, LiveSettings, MetricsRow, RunEvent, Trainer, TrainerInfo, TrainerState } from '../model/trainer';
import { makeDataset, type Dataset } from '../tasks/modular';
import { encode, GpuArena, write, type Dispatch } from './arena';
import { describePlan, stepShapes, tuneMatmul, type MatmulPlan } from './autotune';
import type { GpuContext } from './device';
import { CategoryMetrics } from './modules/metrics';
import { SoftmaxCrossEntropy, SquaredLoss, type OutputLoss } from './modules/loss';
import { MlpNetwork } from './modules/mlp';
import { TransformerNetwork } from './modules/transformer';
import { trainerKernels } from './modules/index';
import type { GradBuffers } from './modules/module';
import type { GpuNetwork } from './modules/network';
import { GATE_CODE, Optimizer } from './modules/optimizer';
import { getPipelines, type Pipelines } from './pipelines';
import type { ShaderSources } from './shaders';

const HISTORY_ROWS = 512;
/** row[11]: the metrics kernel's divergence flag (non-finite losses + weights) */
const ROW_NONFINITE = 11;
const ROW_STATS = 12;

export class GpuTrainer implements Trainer {
  readonly info: TrainerInfo;
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
  /** evaluations whose rows were overwritten before they could be read back */
  droppedRows = 0;
  /** why the device stopped, when it did */
  lostReason: string | null = null;
  /** true once the device itself is gone (not just a failed readback): the host must rebuild */
  deviceLost = false;

  private readonly device: GPUDevice;
  private readonly arena: GpuArena;
  private readonly b: number;
  private readonly sampler: BatchSampler;
  private readonly P: number;
  private readonly T: number;
  private readonly rowFloats: number;
  private readonly g: GradBuffers;
  private readonly net: GpuNetwork;
  private readonly opt: Optimizer;
  private readonly metrics: CategoryMetrics;
  private readonly history: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly batchTokens: GPUBuffer;
  /** the batch's labels (u32), or its real targets (b × k f32) for the regress task */
  private readonly batchLabels: GPUBuffer;
  /** the batch's real targets (b × k floats) for the regress task; null for class labels */
  private readonly targetScratch: Float32Array | null;
  // prebuilt dispatch lists
  private readonly forwardTrain: Dispatch[];
  private readonly backwardPlain: Dispatch[];
  private readonly backwardSq: Dispatch[];
  private readonly evaluation: Dispatch[];
  // CPU-side scratch for minibatches (allocated once)
  private readonly batchIdx: Uint32Array;
  private readonly pairScratch: Uint32Array;
  private readonly tokScratch: Uint32Array;
  private readonly labScratch: Uint32Array;
  // readback
  private evalCount = 0;
  private readCount = 0;
  private mapping: Promise<void> | null = null;
  private rows: MetricsRow[] = [];
  private streamStart = 0;
  private destroyed = false;
  /** run at destroy: listeners the host registered for this trainer (so a reset frees it) */
  private readonly cleanups: (() => void)[] = [];

  static async create(config: RunConfig, ctx: GpuContext, sources: ShaderSources, dataset?: Dataset): Promise<GpuTrainer> {
    // the settings refuse configs past WebGPU's guaranteed 128 MiB binding; this adapter may allow less or more,
    // and its own limits decide (a run file or URL that passed the schema still gets a message, not a failed buffer)
    const problems = crossCheck(config, Math.min(ctx.device.limits.maxStorageBufferBindingSize, ctx.device.limits.maxBufferSize));
    if (problems.length > 0) throw new Error(`this adapter cannot run the config: ${problems.map((e) => e.message).join('; ')}`);
    const pipelines = await getPipelines(ctx.device, sources, trainerKernels(config.arch));
    const ds = dataset ?? makeDataset(config);
    // the one place kernel variants enter the engine: each product's variant, timed on this adapter
    const plan = await tuneMatmul(ctx, pipelines, sources, stepShapes(config, ds));
    return new GpuTrainer(config, ctx, pipelines, ds, plan);
  }

  private constructor(
    config: RunConfig,
    ctx: GpuContext,
    pipelines: Pipelines,
    dataset: Dataset,
    readonly matmulPlan: MatmulPlan,
  ) {
    this.config = config;
    this.device = ctx.device;
    this.info = { backend: 'webgpu', adapter: ctx.adapterName, kernels: `matmul ${describePlan(matmulPlan)}` };
    void ctx.device.lost.then((l) => {
      if (this.destroyed) return;
      this.deviceLost = true;
      // the device's own reason wins over a readback's AbortError that may have come first
      this.lostReason = `GPU device lost (${l.reason}): ${l.message || 'no details'}`;
    });
    this.dataset = dataset;
    const layout = (this.paramLayout = netLayout(config));
    const P = (this.P = layout.totalSize);
    const T = (this.T = layout.tensors.length);
    // a history row: [step, gate, 9 category sums, 2T mask sums], padded to whole vec4s
    this.rowFloats = 4 * Math.ceil((ROW_STATS + 2 * T) / 4);
    const b = (this.b = batchSize(config, dataset));
    this.sampler = new BatchSampler(dataset.trainIdx, b, config.seed);
    const nAll = dataset.labels.length;
    // uniform slots: the MLP needs < 128; a transformer block adds ~60 (forward twice, backward twice)
    // every matrix product of the network takes its variant from the plan (modules/matmul.ts)
    const arena = (this.arena = new GpuArena(ctx.device, pipelines, 128 + (config.arch === 'transformer' ? 96 * config.layers : 0), 'trainer', matmulPlan));

    // ---- buffers (allocated once per run) ----
    this.g = { params: arena.f32(P, 'w'), grad: arena.f32(P, 'grad'), sq: arena.f32(P, 'sq') };
    const R = Math.max(b, nAll);
    const net = (this.net = layout.arch === 'transformer' ? new TransformerNetwork(arena, layout, this.g, b, R) : new MlpNetwork(arena, layout, this.g, b, R));
    const tpe = net.tokensPerExample;
    const allTokens = arena.buffer(4 * tpe * nAll, 'all tokens');
    const reg = dataset.regression;
    if (reg && layout.arch !== 'mlp') throw new Error('task=regress trains the MLP only (arch=mlp): the transformer has no squared-loss head');
    if (reg && reg.k !== layout.p) throw new Error(`the regress task has ${reg.k} outputs per example, the network ${layout.p}`);
    // the regress task trains on real targets, n × k floats, in place of the u32 labels
    const allLabels = arena.buffer(4 * (reg ? nAll * reg.k : nAll), reg ? 'all targets' : 'all labels');
    const category = arena.buffer(4 * nAll, 'category');
    this.batchTokens = arena.buffer(4 * tpe * b, 'batch tokens');
    this.batchLabels = arena.buffer(4 * (reg ? b * reg.k : b), reg ? 'batch targets' : 'batch labels');
    this.targetScratch = reg ? new Float32Array(b * reg.k) : null;
    const perEx = arena.f32(2 * Math.max(b, nAll), 'per-example loss, correct');
    this.history = arena.f32(HISTORY_ROWS * this.rowFloats, 'metrics history');
    this.staging = arena.staging(4 * HISTORY_ROWS * this.rowFloats, 'metrics staging');

    // ---- the model and the modules around it ----
    // the task picks the loss module: both write the output gradient over the logits
    const loss: OutputLoss = reg ? new SquaredLoss(arena, reg.k) : new SoftmaxCrossEntropy(arena, layout.p);
    this.opt = new Optimizer(arena, layout.tensors, P, this.g, config.opt);
    this.metrics = new CategoryMetrics(arena, nAll, perEx, category, this.history, this.g.params, P);

    // ---- static data ----
    const q = this.device.queue;
    write(q, this.g.params, 0, initParams(layout, config.seed));
    write(q, allTokens, 0, net.encodeTokens(dataset.tokens, nAll, new Uint32Array(tpe * nAll)));
    write(q, allLabels, 0, reg ? reg.targets : dataset.labels);
    write(q, category, 0, dataset.category);
    this.batchIdx = new Uint32Array(b);
    this.pairScratch = new Uint32Array(2 * b);
    this.tokScratch = new Uint32Array(tpe * b);
    this.labScratch = new Uint32Array(b);

    // ---- dispatches ----
    this.forwardTrain = [...net.forward(b, this.batchTokens), loss.dispatch(b, this.batchLabels, net.logits, perEx, true, 1 / b)];
    this.backwardPlain = net.backward(false);
    this.backwardSq = net.backward(true);
    this.evaluation = [...net.forward(nAll, allTokens), loss.dispatch(nAll, allLabels, net.logits, perEx, false, 1), ...this.metrics.dispatches];
    arena.flushUniforms();
    if (this.sampler.fullBatch) this.uploadBatch(); // fixed: the whole training set, every step
  }

  // ---------- the step ----------
  private uploadBatch(): void {
    const ds = this.dataset;
    this.sampler.next(this.batchIdx);
    for (let i = 0; i < this.b; i++) {
      const e = this.batchIdx[i];
      this.pairScratch[2 * i] = ds.tokens[2 * e];
      this.pairScratch[2 * i + 1] = ds.tokens[2 * e + 1];
      this.labScratch[i] = ds.labels[e];
      if (this.targetScratch && ds.regression) {
        const k = ds.regression.k;
        this.targetScratch.set(ds.regression.targets.subarray(e * k, (e + 1) * k), i * k);
      }
    }
    this.net.encodeTokens(this.pairScratch, this.b, this.tokScratch);
    this.net.prepareBatch(this.tokScratch);
    const q = this.device.queue;
    write(q, this.batchTokens, 0, this.tokScratch);
    write(q, this.batchLabels, 0, this.targetScratch ?? this.labScratch);
  }

  private checkAlive(): void {
    if (this.destroyed) throw new Error('trainer was destroyed');
    if (this.lostReason) throw new Error(this.lostReason);
  }

  train(steps: number): void {
    this.checkAlive();
    for (let s = 0; s < steps; s++) {
      if (!this.sampler.fullBatch) this.uploadBatch();
      this.step++;
      this.opt.writeUniform(optimParams(this.config, this.step, this.b, this.dataset.trainIdx.length, this.streamStart));
      const evalNow = this.step % this.config.evalEvery === 0;
      const enc = this.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encode(pass, this.forwardTrain);
      encode(pass, gateUsesExactStats(this.config.gate) ? this.backwardSq : this.backwardPlain);
      encode(pass, this.opt.dispatches);
      if (evalNow) this.encodeEvaluation(pass);
      pass.end();
      if (evalNow) this.finishEvaluation(enc);
      this.device.queue.submit([enc.finish()]);
    }
    this.pump();
  }

  /** shape keys of every matrix product this trainer's modules issue (each runs the plan's variant for it) */
  get matmulShapes(): ReadonlySet<string> {
    return this.arena.matmulShapes;
  }

  /** compute dispatches one training step encodes (plain, and with the exact gate's squared pass), and one evaluation */
  get dispatches(): { step: number; stepExact: number; evaluation: number } {
    const base = this.forwardTrain.length + this.opt.dispatches.length;
    return { step: base + this.backwardPlain.length, stepExact: base + this.backwardSq.length, evaluation: this.evaluation.length };
  }

  private evalRowOffset(): number {
    return (this.evalCount % HISTORY_ROWS) * this.rowFloats;
  }

  private encodeEvaluation(pass: GPUComputePassEncoder): void {
    this.metrics.writeRow(this.evalRowOffset(), this.step, GATE_CODE[this.config.gate]);
    encode(pass, this.evaluation);
  }

  private finishEvaluation(enc: GPUCommandEncoder): void {
    enc.copyBufferToBuffer(this.opt.stats, 0, this.history, 4 * (this.evalRowOffset() + ROW_STATS), 8 * this.T);
    this.evalCount++;
  }

  evaluate(): void {
    this.checkAlive();
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    this.encodeEvaluation(pass);
    pass.end();
    this.finishEvaluation(enc);
    this.device.queue.submit([enc.finish()]);
    this.pump();
  }

  // ---------- asynchronous readback ----------
  private pump(): void {
    if (this.mapping || this.destroyed) return;
    let pending = this.evalCount - this.readCount;
    if (pending <= 0) return;
    if (pending > HISTORY_ROWS) {
      this.droppedRows += pending - HISTORY_ROWS;
      this.readCount = this.evalCount - HISTORY_ROWS;
      pending = HISTORY_ROWS;
    }
    const start = this.readCount % HISTORY_ROWS;
    const n = Math.min(pending, HISTORY_ROWS - start);
    const bytes = 4 * n * this.rowFloats;
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(this.history, 4 * start * this.rowFloats, this.staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    this.mapping = this.staging.mapAsync(GPUMapMode.READ, 0, bytes).then(
      () => {
        const data = new Float32Array(this.staging.getMappedRange(0, bytes).slice(0));
        this.staging.unmap();
        const sizes = this.paramLayout.tensors.map((t) => t.size);
        for (let r = 0; r < n; r++) {
          const row = data.subarray(r * this.rowFloats, (r + 1) * this.rowFloats);
          const open = row[1] !== 0 ? sizes.map((size, t) => row[ROW_STATS + 2 * t] / size) : null;
          this.rows.push(metricsFromSums(row[0], row.subarray(2, 11), open, sizes, row[ROW_NONFINITE], this.dataset.regression !== undefined));
        }
        this.readCount += n;
        this.mapping = null;
        this.pump();
      },
      async (err: unknown) => {
        // a lost device rejects pending maps (AbortError) before device.lost resolves:
        // give the lost promise a moment so the message names the real cause
        await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 250))]);
        this.mapping = null;
        if (!this.destroyed) this.lostReason ??= `metrics readback failed: ${String(err)}`;
      },
    );
  }

  drainMetrics(): MetricsRow[] {
    const out = this.rows;
    this.rows = [];
    return out;
  }

  async flush(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    while (!this.destroyed && (this.mapping || this.readCount < this.evalCount)) {
      this.pump();
      if (this.mapping) await this.mapping;
      if (this.lostReason) throw new Error(this.lostReason);
    }
  }

  async readState(): Promise<TrainerState> {
    this.checkAlive();
    const step = this.step;
    const [params, st] = await Promise.all([this.arena.read(this.g.params, 0, this.P), this.arena.read(this.opt.state, 0, 4 * this.P)]);
    const P = this.P;
    return { step, params, m: st.slice(0, P), v: st.slice(P, 2 * P), aux: st.slice(2 * P, 3 * P), s: st.slice(3 * P, 4 * P) };
  }

  loadState(st: TrainerState): void {
    this.checkAlive();
    const P = this.P;
    for (const [name, arr] of Object.entries({ params: st.params, m: st.m, v: st.v, aux: st.aux, s: st.s }))
      if (arr.length !== P) throw new Error(`state ${name} has ${arr.length} values, the model needs ${P}`);
    const q = this.device.queue;
    write(q, this.g.params, 0, st.params);
    [st.m, st.v, st.aux, st.s].forEach((a, i) => write(q, this.opt.state, 4 * i * P, a));
    if (st.step < this.step) throw new Error('loadState cannot rewind a trainer: create a fresh one');
    this.sampler.skip(st.step - this.step, this.batchIdx);
    this.step = st.step;
  }

  async readGateMask(): Promise<Float32Array> {
    this.checkAlive();
    return this.arena.read(this.opt.out, this.P, this.P);
  }

  async readGradientStats(): Promise<{ mean: Float32Array; sq: Float32Array; b: number; fresh: boolean }> {
    this.checkAlive();
    const [mean, sq] = await Promise.all([this.arena.read(this.g.grad, 0, this.P), this.arena.read(this.g.sq, 0, this.P)]);
    return { mean, sq, b: this.b, fresh: gateUsesExactStats(this.config.gate) };
  }

  applyLive(change: LiveSettings): void {
    const next = applyLiveChange(this.config, change, this.step, this.events);
    const r = liveResets(this.config, next);
    if (r.zeroAux || r.zeroStream) {
      const zeros = new Float32Array(this.P);
      if (r.zeroAux) write(this.device.queue, this.opt.state, 8 * this.P, zeros);
      if (r.zeroStream) {
        write(this.device.queue, this.opt.state, 12 * this.P, zeros);
        this.streamStart = this.step;
      }
    }
    this.config = next;
  }

  /** registers work for destroy() (a device-lost listener, say), so nothing outlives the trainer */
  onDestroy(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /** fault injection for tests and demos: destroys the device, exactly as a driver reset would look */
  loseDevice(): void {
    this.device.destroy();
  }

  /** live GPU buffers this trainer holds (the leak checks count them) */
  get bufferCount(): number {
    return this.destroyed ? 0 : this.arena.bufferCount;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.arena.destroy();
    for (const fn of this.cleanups.splice(0)) fn();
  }
}
