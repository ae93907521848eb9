/**
 * The training engine on WebGPU. One step is one command buffer with one compute
 * pass: embedding gather → MLP forward → the task's loss and output gradient
 * (softmax-CE, or the squared loss of the regress task) →
 * backward (mean gradient, plus the squared-operand Σg² passes when an exact gate
 * needs them) → gate mask and optimizer direction → per-tensor mask sums → update.
 * Every `evalEvery` steps the same pass also runs a forward over all p² examples
 * and reduces loss/accuracy per category into a row of a GPU-side metrics
 * history, which is read back in batches through one staging buffer whenever no
 * read is in flight: the step never waits for a readback.
 *
 * All GPU buffers, uniforms and bind groups are created here, once per run;
 * a step writes one small uniform (and, for minibatches, the batch) and encodes
 * prebuilt dispatches.
 */
import type { RunConfig } from '../config/settings';
import { modelLayout, initParams, type ModelLayout } from '../model/layout';
import { applyLiveChange, BatchSampler, batchSize, liveResets, metricsFromSums, optimParams } from '../model/run';
import type { LiveSettings, MetricsRow, RunEvent, Trainer, TrainerInfo, TrainerState } from '../model/trainer';
import { buildEmbedIndex, MM_TRANS_A, MM_TRANS_B, type EmbedIndex } from '../reference/kernels';
import { gateUsesExactStats } from '../reference/optimizer';
import { makeDataset, type Dataset } from '../tasks/modular';
import { describePlan, MATMUL_VARIANTS, stepShapes, tuneMatmul, variantFor, type MatmulPlan } from './autotune';
import type { GpuContext } from './device';
import { getPipelines, type Pipelines } from './pipelines';
import { gpuResources } from './resources';
import type { ShaderSources } from './shaders';

const UNIFORM_SLOT = 256; // bytes: minUniformBufferOffsetAlignment
const HISTORY_ROWS = 512;
const ROW_FLOATS = 32; // [step, gate, 9 category sums, non-finite count, 2T mask sums (T ≤ 10)]
/** row[11]: the metrics kernel's divergence flag (non-finite losses + weights) */
const ROW_NONFINITE = 11;
const ROW_STATS = 12;
const LANES = 64;
const OPT_CODE = { sgd: 0, adamw: 1, cautious: 2, grokfast: 3 } as const;
const GATE_CODE = { off: 0, 'exact-hard': 1, 'exact-soft': 2, stream: 3, 'stream-hard': 4 } as const;
const ACT_CODE = { relu: 0, gelu: 1, quadratic: 2 } as const;

interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  x: number;
  y?: number;
}

type Slice = { buffer: GPUBuffer; offset?: number; size?: number };

/** queue.writeBuffer for any typed array (TS 5.9 types views over ArrayBufferLike). */
function write(q: GPUQueue, buf: GPUBuffer, offset: number, data: ArrayBufferView): void {
  q.writeBuffer(buf, offset, data as ArrayBufferView<ArrayBuffer>);
}

export class GpuTrainer implements Trainer {
  readonly info: TrainerInfo;
  readonly layout: ModelLayout;
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
  private readonly pl: Pipelines;
  private readonly buffers: GPUBuffer[] = [];
  private readonly uniform: GPUBuffer;
  private uniformSlots = 0;
  private readonly uniformData: ArrayBuffer;
  private readonly b: number;
  private readonly sampler: BatchSampler;
  private readonly P: number;
  private readonly T: number;
  // buffers the step writes or other methods read
  private readonly params: GPUBuffer;
  private readonly grad: GPUBuffer;
  private readonly sq: GPUBuffer;
  private readonly state: GPUBuffer;
  private readonly out: GPUBuffer;
  private readonly stats: GPUBuffer;
  private readonly history: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly batchTokens: GPUBuffer;
  /** the batch's labels (u32), or its real targets (b × k f32) for the regress task */
  private readonly batchLabels: GPUBuffer;
  private readonly targetScratch: Float32Array | null;
  private readonly rowStartBuf: GPUBuffer;
  private readonly entriesBuf: GPUBuffer;
  // prebuilt dispatch lists
  private readonly forwardTrain: Dispatch[];
  private readonly backwardPlain: Dispatch[];
  private readonly backwardSq: Dispatch[];
  private readonly optimizer: Dispatch[];
  private readonly evaluation: Dispatch[];
  private readonly optSlot: number;
  private readonly metricsSlots: [number, number];
  // CPU-side scratch for minibatches (allocated once)
  private readonly batchIdx: Uint32Array;
  private readonly tokScratch: Uint32Array;
  private readonly labScratch: Uint32Array;
  private readonly index: EmbedIndex;
  private readonly indexScratch: Uint32Array;
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
    const pipelines = await getPipelines(ctx.device, sources);
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
    this.pl = pipelines;
    this.info = { backend: 'webgpu', adapter: ctx.adapterName, kernels: `matmul ${describePlan(matmulPlan)}` };
    void ctx.device.lost.then((l) => {
      if (this.destroyed) return;
      this.deviceLost = true;
      // the device's own reason wins over a readback's AbortError that may have come first
      this.lostReason = `GPU device lost (${l.reason}): ${l.message || 'no details'}`;
    });
    this.dataset = dataset;
    const layout = (this.layout = modelLayout(config));
    const { p, d } = layout;
    const P = (this.P = layout.totalSize);
    const T = (this.T = layout.tensors.length);
    if (ROW_STATS + 2 * T > ROW_FLOATS) throw new Error(`too many tensors (${T}) for the metrics row`);
    const b = (this.b = batchSize(config, dataset));
    this.sampler = new BatchSampler(dataset.trainIdx, b, config.seed);
    const nAll = dataset.labels.length;
    const R = Math.max(b, nAll);
    const maxDim = Math.max(2 * d, ...layout.layers.map((L) => Math.max(L.in, L.out)));

    // ---- buffers (allocated once per run) ----
    const f32 = (n: number, label: string) => this.buffer(4 * n, label);
    this.params = f32(P, 'w');
    const grad = (this.grad = f32(P, 'grad'));
    const sq = (this.sq = f32(P, 'sq'));
    this.state = f32(4 * P, 'optimizer state m|v|aux|s');
    this.out = f32(3 * P, 'u|q|c');
    const tensorTable = this.buffer(8 * T, 'tensor table');
    const maskPartials = f32(2 * T * LANES, 'mask partials');
    this.stats = f32(2 * T, 'mask sums');
    const allTokens = this.buffer(8 * nAll, 'all tokens');
    const reg = dataset.regression;
    // the regress task trains on real targets, n × k floats, in place of the u32 labels
    const allLabels = this.buffer(4 * (reg ? nAll * reg.k : nAll), reg ? 'all targets' : 'all labels');
    const category = this.buffer(4 * nAll, 'category');
    this.batchTokens = this.buffer(8 * b, 'batch tokens');
    this.batchLabels = this.buffer(4 * (reg ? b * reg.k : b), reg ? 'batch targets' : 'batch labels');
    this.targetScratch = reg ? new Float32Array(b * reg.k) : null;
    this.rowStartBuf = this.buffer(4 * (p + 1), 'embed rowStart');
    this.entriesBuf = this.buffer(8 * b, 'embed entries');
    const X0 = f32(R * 2 * d, 'X0');
    const Z = layout.layers.map((L, l) => f32(R * L.out, `Z${l}`));
    const H = layout.layers.slice(0, -1).map((L, l) => f32(R * L.out, `H${l}`));
    const dA = f32(R * maxDim, 'dA');
    const dB = f32(R * maxDim, 'dB');
    const perEx = f32(2 * R, 'per-example loss, correct');
    const metricsPartials = f32(LANES * 10, 'metric partials');
    this.history = f32(HISTORY_ROWS * ROW_FLOATS, 'metrics history');
    this.staging = this.device.createBuffer({ label: 'metrics staging', size: 4 * HISTORY_ROWS * ROW_FLOATS, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.buffers.push(this.staging);
    this.uniformData = new ArrayBuffer(UNIFORM_SLOT * 128);
    this.uniform = this.device.createBuffer({ label: 'uniforms', size: this.uniformData.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.buffers.push(this.uniform);

    // ---- static data ----
    const q = this.device.queue;
    write(q, this.params, 0, initParams(layout, config.seed));
    write(q, tensorTable, 0, Uint32Array.from(layout.tensors.flatMap((t) => [t.offset, t.size])));
    write(q, allTokens, 0, dataset.tokens);
    write(q, allLabels, 0, reg ? reg.targets : dataset.labels);
    write(q, category, 0, dataset.category);
    this.batchIdx = new Uint32Array(b);
    this.tokScratch = new Uint32Array(2 * b);
    this.labScratch = new Uint32Array(b);
    this.index = { rowStart: new Uint32Array(p + 1), entries: new Uint32Array(2 * b) };
    this.indexScratch = new Uint32Array(p);
    if (this.sampler.fullBatch) this.uploadBatch(); // fixed: the whole training set, every step

    // ---- dispatches ----
    const slice = (buf: GPUBuffer, t: { offset: number; size: number }): Slice => ({ buffer: buf, offset: 4 * t.offset, size: 4 * t.size });
    const whole = (buf: GPUBuffer): Slice => ({ buffer: buf });
    const forward = (rows: number, tokens: GPUBuffer): Dispatch[] => {
      const list: Dispatch[] = [];
      list.push(this.dispatch('gather', [[0, this.u32Slot([rows, d, p, 0])], [1, slice(this.params, layout.embed)], [2, whole(tokens)], [3, whole(X0)]], Math.ceil((rows * 2 * d) / 256)));
      layout.layers.forEach((L, l) => {
        const head = l === layout.layers.length - 1;
        const Xin = l === 0 ? X0 : H[l - 1];
        list.push(this.matmul(rows, L.out, L.in, MM_TRANS_B, whole(Xin), slice(this.params, L.weight), whole(Z[l])));
        if (head) list.push(this.dispatch('addBias', [[4, this.u32Slot([rows, L.out, 0, 0])], [5, slice(this.params, L.bias)], [6, whole(Z[l])]], Math.ceil((rows * L.out) / 256)));
        else list.push(this.dispatch('biasAct', [[0, this.u32Slot([rows, L.out, ACT_CODE[config.act], 0])], [1, slice(this.params, L.bias)], [2, whole(Z[l])], [3, whole(H[l])]], Math.ceil((rows * L.out) / 256)));
      });
      return list;
    };
    const logits = Z[Z.length - 1];
    const lossSlot = (rows: number, flags: number, scale: number) => {
      const s = this.slot();
      new Uint32Array(this.uniformData, s, 3).set([rows, p, flags]);
      new Float32Array(this.uniformData, s + 12, 1)[0] = scale;
      return { buffer: this.uniform, offset: s, size: 16 };
    };
    // the task selects the loss entry point: both take (params, targets, outputs → gradient, perEx);
    // squared's bindings are 4–7 (loss.wgsl)
    const loss = (rows: number, flags: number, scale: number, targets: GPUBuffer): Dispatch =>
      reg
        ? this.dispatch('squaredLoss', [[4, lossSlot(rows, flags, scale)], [5, whole(targets)], [6, whole(logits)], [7, whole(perEx)]], Math.ceil(rows / 64))
        : this.dispatch('softmaxCE', [[0, lossSlot(rows, flags, scale)], [1, whole(targets)], [2, whole(logits)], [3, whole(perEx)]], Math.ceil(rows / 64));
    this.forwardTrain = [
      ...forward(b, this.batchTokens),
      loss(b, 1, 1 / b, this.batchLabels),
    ];
    const backward = (withSq: boolean): Dispatch[] => {
      const list: Dispatch[] = [];
      let dOut = logits; // holds g = (softmax − onehot)/b, or (u − y)/b, after the loss kernel
      let spare = dA;
      for (let l = layout.layers.length - 1; l >= 0; l--) {
        const L = layout.layers[l];
        const head = l === layout.layers.length - 1;
        const Xin = l === 0 ? X0 : H[l - 1];
        if (!head) list.push(this.dispatch('actBackward', [[4, this.u32Slot([b, L.out, ACT_CODE[config.act], 0])], [5, whole(Z[l])], [6, whole(dOut)]], Math.ceil((b * L.out) / 256)));
        // dW = δᵀX, and with an exact gate Σ(g_i/b)² = (δ∘δ)ᵀ(X∘X) fused into the same pass
        if (withSq) list.push(this.matmulDual(L.out, L.in, b, MM_TRANS_A, whole(dOut), whole(Xin), slice(grad, L.weight), slice(sq, L.weight)));
        else list.push(this.matmul(L.out, L.in, b, MM_TRANS_A, whole(dOut), whole(Xin), slice(grad, L.weight)));
        list.push(this.dispatch('biasGrad', [[7, this.u32Slot([b, L.out, 0, withSq ? 1 : 0])], [8, whole(dOut)], [9, slice(grad, L.bias)], [10, slice(sq, L.bias)]], Math.ceil(L.out / 64)));
        list.push(this.matmul(b, L.in, L.out, 0, whole(dOut), slice(this.params, L.weight), whole(spare)));
        const next = spare;
        spare = dOut === logits ? dB : dOut;
        dOut = next;
      }
      list.push(
        this.dispatch(
          'scatter',
          [[4, this.u32Slot([b, d, p, withSq ? 1 : 0])], [5, whole(dOut)], [6, whole(this.rowStartBuf)], [7, whole(this.entriesBuf)], [8, slice(grad, layout.embed)], [9, slice(sq, layout.embed)]],
          Math.ceil((p * d) / 256),
        ),
      );
      return list;
    };
    this.backwardPlain = backward(false);
    this.backwardSq = backward(true);
    this.optSlot = this.slot();
    const optU = { buffer: this.uniform, offset: this.optSlot, size: 64 };
    this.optimizer = [
      this.dispatch('optDirection', [[0, optU], [1, whole(grad)], [2, whole(sq)], [3, whole(this.state)], [4, whole(this.out)]], Math.ceil(P / 256)),
      this.dispatch('maskPartial', [[5, optU], [6, whole(tensorTable)], [7, whole(this.out)], [8, whole(maskPartials)]], T),
      this.dispatch('maskFinish', [[9, optU], [10, whole(maskPartials)], [11, whole(this.stats)]], 1),
      this.dispatch('optApply', [[12, optU], [13, whole(tensorTable)], [14, whole(this.out)], [15, whole(this.stats)], [16, whole(this.params)]], Math.ceil(P / 256)),
    ];
    this.metricsSlots = [this.slot(), this.slot()];
    this.evaluation = [
      ...forward(nAll, allTokens),
      loss(nAll, 0, 1, allLabels),
      this.dispatch('metricsPartial', [[0, { buffer: this.uniform, offset: this.metricsSlots[0], size: 16 }], [1, whole(perEx)], [2, whole(category)], [3, whole(metricsPartials)], [7, whole(this.params)]], 1),
      this.dispatch('metricsFinish', [[4, { buffer: this.uniform, offset: this.metricsSlots[1], size: 16 }], [5, whole(metricsPartials)], [6, whole(this.history)]], 1),
    ];
    new Uint32Array(this.uniformData, this.metricsSlots[0], 4).set([nAll, P, 0, 0]);
    q.writeBuffer(this.uniform, 0, this.uniformData, 0, this.uniformSlots * UNIFORM_SLOT);
    gpuResources.buffers += this.buffers.length;
  }

  // ---------- construction helpers ----------
  private buffer(size: number, label: string): GPUBuffer {
    const buf = this.device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 4) * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.buffers.push(buf);
    return buf;
  }

  private slot(): number {
    if ((this.uniformSlots + 1) * UNIFORM_SLOT > this.uniformData.byteLength) throw new Error('uniform arena full');
    return this.uniformSlots++ * UNIFORM_SLOT;
  }

  private u32Slot(values: number[]): Slice {
    const s = this.slot();
    new Uint32Array(this.uniformData, s, values.length).set(values);
    return { buffer: this.uniform, offset: s, size: 16 };
  }

  private dispatch(kernel: keyof Pipelines, entries: [number, Slice][], x: number, y = 1): Dispatch {
    const pipeline = this.pl[kernel];
    const bindGroup = this.device.createBindGroup({
      label: kernel,
      layout: pipeline.getBindGroupLayout(0),
      entries: entries.map(([binding, resource]) => ({ binding, resource })),
    });
    return { pipeline, bindGroup, x: Math.max(1, x), y };
  }

  private matmul(M: number, N: number, K: number, flags: number, A: Slice, B: Slice, C: Slice): Dispatch {
    const kernel = MATMUL_VARIANTS[variantFor(this.matmulPlan, { M, N, K, flags })].plain;
    return this.dispatch(kernel, [[0, this.u32Slot([M, N, K, flags])], [1, A], [2, B], [3, C]], Math.ceil(N / 32), Math.ceil(M / 32));
  }

  private matmulDual(M: number, N: number, K: number, flags: number, A: Slice, B: Slice, C: Slice, C2: Slice): Dispatch {
    const kernel = MATMUL_VARIANTS[variantFor(this.matmulPlan, { M, N, K, flags })].dual;
    return this.dispatch(kernel, [[0, this.u32Slot([M, N, K, flags])], [1, A], [2, B], [3, C], [4, C2]], Math.ceil(N / 32), Math.ceil(M / 32));
  }

  // ---------- the step ----------
  private uploadBatch(): void {
    const ds = this.dataset;
    this.sampler.next(this.batchIdx);
    for (let i = 0; i < this.b; i++) {
      const e = this.batchIdx[i];
      this.tokScratch[2 * i] = ds.tokens[2 * e];
      this.tokScratch[2 * i + 1] = ds.tokens[2 * e + 1];
      this.labScratch[i] = ds.labels[e];
      if (this.targetScratch && ds.regression) {
        const k = ds.regression.k;
        this.targetScratch.set(ds.regression.targets.subarray(e * k, (e + 1) * k), i * k);
      }
    }
    buildEmbedIndex(this.tokScratch, this.b, this.layout.p, this.index, this.indexScratch);
    const q = this.device.queue;
    write(q, this.batchTokens, 0, this.tokScratch);
    write(q, this.batchLabels, 0, this.targetScratch ?? this.labScratch);
    write(q, this.rowStartBuf, 0, this.index.rowStart);
    write(q, this.entriesBuf, 0, this.index.entries);
  }

  private writeOptimizerUniform(t: number): void {
    const hp = optimParams(this.config, t, this.b, this.dataset.trainIdx.length, this.streamStart);
    const u = new Uint32Array(this.uniformData, this.optSlot, 16);
    const f = new Float32Array(this.uniformData, this.optSlot, 16);
    u.set([this.P, OPT_CODE[hp.opt], GATE_CODE[hp.gate], this.T]);
    f.set([hp.lr, hp.wd, hp.beta1, hp.beta2, hp.eps, hp.momentum, hp.softness, hp.b, 1 - Math.pow(hp.beta1, t), 1 - Math.pow(hp.beta2, t), 1 - Math.pow(0.99, Math.max(hp.tStream, 1)), hp.streamAlpha], 4);
    this.device.queue.writeBuffer(this.uniform, this.optSlot, this.uniformData, this.optSlot, 64);
  }

  private encode(pass: GPUComputePassEncoder, list: Dispatch[]): void {
    for (const dsp of list) {
      pass.setPipeline(dsp.pipeline);
      pass.setBindGroup(0, dsp.bindGroup);
      pass.dispatchWorkgroups(dsp.x, dsp.y ?? 1);
    }
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
      this.writeOptimizerUniform(this.step);
      const evalNow = this.step % this.config.evalEvery === 0;
      const enc = this.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      this.encode(pass, this.forwardTrain);
      this.encode(pass, gateUsesExactStats(this.config.gate) ? this.backwardSq : this.backwardPlain);
      this.encode(pass, this.optimizer);
      if (evalNow) this.encodeEvaluation(pass);
      pass.end();
      if (evalNow) this.finishEvaluation(enc);
      this.device.queue.submit([enc.finish()]);
    }
    this.pump();
  }

  /** compute dispatches one training step encodes (plain, and with the exact gate's squared pass), and one evaluation */
  get dispatches(): { step: number; stepExact: number; evaluation: number } {
    const base = this.forwardTrain.length + this.optimizer.length;
    return { step: base + this.backwardPlain.length, stepExact: base + this.backwardSq.length, evaluation: this.evaluation.length };
  }

  private evalRowOffset(): number {
    return (this.evalCount % HISTORY_ROWS) * ROW_FLOATS;
  }

  private encodeEvaluation(pass: GPUComputePassEncoder): void {
    const s = this.metricsSlots[1];
    new Uint32Array(this.uniformData, s, 4).set([0, this.evalRowOffset(), this.step, GATE_CODE[this.config.gate]]);
    this.device.queue.writeBuffer(this.uniform, s, this.uniformData, s, 16);
    this.encode(pass, this.evaluation);
  }

  private finishEvaluation(enc: GPUCommandEncoder): void {
    enc.copyBufferToBuffer(this.stats, 0, this.history, 4 * (this.evalRowOffset() + ROW_STATS), 8 * this.T);
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
    const bytes = 4 * n * ROW_FLOATS;
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(this.history, 4 * start * ROW_FLOATS, this.staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    this.mapping = this.staging.mapAsync(GPUMapMode.READ, 0, bytes).then(
      () => {
        const data = new Float32Array(this.staging.getMappedRange(0, bytes).slice(0));
        this.staging.unmap();
        const sizes = this.layout.tensors.map((t) => t.size);
        for (let r = 0; r < n; r++) {
          const row = data.subarray(r * ROW_FLOATS, (r + 1) * ROW_FLOATS);
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

  private async read(src: GPUBuffer, offset: number, floats: number): Promise<Float32Array> {
    const buf = this.device.createBuffer({ size: 4 * floats, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    gpuResources.buffers++;
    try {
      const enc = this.device.createCommandEncoder();
      enc.copyBufferToBuffer(src, 4 * offset, buf, 0, 4 * floats);
      this.device.queue.submit([enc.finish()]);
      await buf.mapAsync(GPUMapMode.READ);
      return new Float32Array(buf.getMappedRange().slice(0));
    } finally {
      // a failed map (lost device) must not leak the staging buffer either
      buf.destroy();
      gpuResources.buffers--;
    }
  }

  async readState(): Promise<TrainerState> {
    this.checkAlive();
    const step = this.step;
    const [params, st] = await Promise.all([this.read(this.params, 0, this.P), this.read(this.state, 0, 4 * this.P)]);
    const P = this.P;
    return { step, params, m: st.slice(0, P), v: st.slice(P, 2 * P), aux: st.slice(2 * P, 3 * P), s: st.slice(3 * P, 4 * P) };
  }

  loadState(st: TrainerState): void {
    this.checkAlive();
    const P = this.P;
    for (const [name, arr] of Object.entries({ params: st.params, m: st.m, v: st.v, aux: st.aux, s: st.s }))
      if (arr.length !== P) throw new Error(`state ${name} has ${arr.length} values, the model needs ${P}`);
    const q = this.device.queue;
    write(q, this.params, 0, st.params);
    [st.m, st.v, st.aux, st.s].forEach((a, i) => write(q, this.state, 4 * i * P, a));
    if (st.step < this.step) throw new Error('loadState cannot rewind a trainer: create a fresh one');
    this.sampler.skip(st.step - this.step, this.batchIdx);
    this.step = st.step;
  }

  async readGateMask(): Promise<Float32Array> {
    this.checkAlive();
    return this.read(this.out, this.P, this.P);
  }

  async readGradientStats(): Promise<{ mean: Float32Array; sq: Float32Array; b: number; fresh: boolean }> {
    this.checkAlive();
    const [mean, sq] = await Promise.all([this.read(this.grad, 0, this.P), this.read(this.sq, 0, this.P)]);
    return { mean, sq, b: this.b, fresh: gateUsesExactStats(this.config.gate) };
  }

  applyLive(change: LiveSettings): void {
    const next = applyLiveChange(this.config, change, this.step, this.events);
    const r = liveResets(this.config, next);
    if (r.zeroAux || r.zeroStream) {
      const zeros = new Float32Array(this.P);
      if (r.zeroAux) write(this.device.queue, this.state, 8 * this.P, zeros);
      if (r.zeroStream) {
        write(this.device.queue, this.state, 12 * this.P, zeros);
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
    return this.destroyed ? 0 : this.buffers.length;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of this.buffers) b.destroy();
    gpuResources.buffers -= this.buffers.length;
    this.buffers.length = 0;
    for (const fn of this.cleanups.splice(0)) fn();
  }
}
