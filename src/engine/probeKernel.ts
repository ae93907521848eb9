/**
 * The probe kernel block K_AB = J_A diag(ω) J_Bᵀ on WebGPU: the float32 twin of
 * `kernelBlock` (src/theory/kernels.ts), computed from the per-layer factors
 * (`Sensitivities`) by shaders/kernel.wgsl, full view ((mA·p) × (mB·p)) or trace view
 * (mA × mB).
 *
 * One instance per (layout, mA, mB): every buffer, uniform slot and bind group is
 * created in the constructor; `compute` packs the factors and ω into float32 (the vec4
 * layouts kernel.wgsl documents, through one preallocated scratch array), encodes one
 * compute pass and reads K back through one reused staging buffer. Calls are serialised
 * (the staging buffer is mapped by one call at a time).
 *
 * Dispatches, in one pass after clearing K (every kernel accumulates):
 *   full:  embed_full over the list of point pairs sharing an embedding row (built here from
 *          the tokens) → per hidden layer weight_kernel (T) + layer_full → weight_kernel
 *          HEAD_DIAG on the head (K's diagonal logit pairs)
 *   trace: embed_trace over the same list → per layer weight_kernel (T) + layer_trace, the head
 *          with IDENTITY (Δ_head = I)
 * When A and B are the same object (K and K̃ of one probe) the kernels run with SYM, computing
 * only the point pairs j ≥ i, and the host copies the upper triangle into the lower one: half
 * the work, and an exactly symmetric result for the eigen-solvers downstream.
 */
import type { ModelLayout } from '../model/layout';
import type { KernelView } from '../theory/kernels';
import type { MlpSensitivities, Sensitivities } from '../theory/jacobian';
import type { GpuContext } from './device';
import { encode, GpuArena, whole, write as writeAt, type Dispatch } from './arena';
import type { Slice } from './bindings';
import { getPipelines, type Pipelines } from './pipelines';
import type { ModuleSpec } from './modules/module';
import type { ShaderSources } from './shaders';

/** The MLP's structured kernel-block formula (src/theory/kernels.ts kernelBlock) on the GPU. */
export const ProbeKernelSpec = {
  name: 'kernel block (MLP)',
  kernels: ['kernelWeight', 'kernelLayerFull', 'kernelEmbedFull', 'kernelEmbedTrace', 'kernelLayerTrace'],
  twins: ['src/theory/kernels.ts#kernelBlock'],
} as const satisfies ModuleSpec;

type ProbePipelines = Pick<Pipelines, (typeof ProbeKernelSpec.kernels)[number]>;

/** the kernel-block pipelines on this device (shaders/kernel.wgsl's five entry points, nothing else), compiled on first use */
const probePipelines = (ctx: GpuContext, sources: ShaderSources): Promise<ProbePipelines> => getPipelines(ctx.device, sources, ProbeKernelSpec.kernels);

const HEAD_DIAG = 1;
const IDENTITY = 1;
const SYM = 2;

/** The device-side factors of one probe side, packed as kernel.wgsl's header describes. */
interface Side {
  m: number;
  /** per layer (hidden, then head): X_l, row-major (side A) or transposed over points in vec4s (side B) */
  X: GPUBuffer[];
  /** per hidden layer: Δ_l in vec4s over c (the head's Δ = I is never uploaded) */
  delta: GPUBuffer[];
  /** dX0 in vec4s over c */
  dX0: GPUBuffer;
}

/** A view's dispatches: the embedding term over the pair list (sized per call), then the layers. */
interface ViewPlan {
  embed: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; slot: number; perEntry: number };
  layers: Dispatch[];
}

const quads = (n: number) => Math.ceil(n / 4);
/** vec4s per packed row over c: whole 8-blocks, as layer_full's 8×8 register blocks read them */
const vec4sOverC = (p: number) => 2 * Math.ceil(p / 8);

const write = (q: GPUQueue, buf: GPUBuffer, data: ArrayBufferView) => writeAt(q, buf, 0, data);

export class GpuKernelBlock {
  readonly views: readonly KernelView[];
  private readonly device: GPUDevice;
  private readonly arena: GpuArena;
  /** uniform slots whose flags take SYM when A = B */
  private readonly symSlots: number[] = [];
  private symMode: boolean | null = null;
  /** per layer: ω_W transposed in vec4s over a, ω_b in vec4s */
  private readonly omegaW: GPUBuffer[];
  private readonly omegaB: GPUBuffer[];
  private readonly omegaE: GPUBuffer;
  private omegaIsOnes = false;
  private readonly A: Side;
  private readonly B: Side;
  private readonly tokensA: GPUBuffer;
  /** point pairs sharing an embedding row: (i, j, slot-match mask, 0), built per call */
  private readonly pairs: GPUBuffer;
  private readonly pairScratch: Uint32Array;
  private readonly K: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly scratch: Float32Array;
  private readonly plans: Partial<Record<KernelView, ViewPlan>> = {};
  /** rejects when creating the bind groups failed validation (the constructor cannot await) */
  private readonly ready: Promise<void>;
  private chain: Promise<unknown> = Promise.resolve();
  private destroyed = false;

  /** Pipelines from the device's cache (probePipelines). */
  static async create(ctx: GpuContext, sources: ShaderSources, layout: ModelLayout, mA: number, mB: number, views: readonly KernelView[] = ['full', 'trace']): Promise<GpuKernelBlock> {
    const pipelines = await probePipelines(ctx, sources);
    return new GpuKernelBlock(ctx.device, pipelines, layout, mA, mB, views);
  }

  /**
   * `views`: the views this instance will compute; K and the staging buffer are sized for the
   * largest (trace only: mA × mB floats instead of (mA·p) × (mB·p)).
   */
  constructor(
    device: GPUDevice,
    pipelines: ProbePipelines,
    readonly layout: ModelLayout,
    readonly mA: number,
    readonly mB: number,
    views: readonly KernelView[] = ['full', 'trace'],
  ) {
    if (!(mA >= 1 && mB >= 1 && Number.isInteger(mA) && Number.isInteger(mB))) throw new Error(`GpuKernelBlock: probe sizes must be positive integers (mA=${mA}, mB=${mB})`);
    if (views.length === 0) throw new Error('GpuKernelBlock: no view requested');
    this.device = device;
    this.views = views;
    const { p, d, layers } = layout;
    const head = layers.length - 1;
    const cq = vec4sOverC(p);
    const c8 = Math.ceil(p / 8);
    const jq = quads(mB);
    const kFloats = views.includes('full') ? mA * p * mB * p : mA * mB;
    const limit = device.limits.maxStorageBufferBindingSize;
    if (4 * kFloats > limit) throw new Error(`GpuKernelBlock: K needs ${4 * kFloats} bytes, above this device's storage binding limit (${limit})`);

    device.pushErrorScope('validation');
    const arena = (this.arena = new GpuArena(device, pipelines, 2 * (2 * layers.length + 1), 'GpuKernelBlock'));
    const f32 = (n: number, label: string) => arena.f32(n, label);
    this.omegaW = layers.map((L, l) => f32(L.in * 4 * quads(L.out), `ω_W${l}ᵀ`));
    this.omegaB = layers.map((L, l) => f32(4 * quads(L.out), `ω_b${l}`));
    this.omegaE = f32(p * d, 'ω_E');
    const side = (m: number, name: string, transposedX: boolean): Side => ({
      m,
      X: layers.map((L, l) => f32(transposedX ? L.in * 4 * quads(m) : m * L.in, `${name} X${l}`)),
      delta: layers.slice(0, head).map((L, l) => f32(m * L.out * 4 * cq, `${name} Δ${l}`)),
      dX0: f32(m * 2 * d * 4 * cq, `${name} dX0`),
    });
    this.A = side(mA, 'A', false);
    this.B = side(mB, 'B', true);
    this.tokensA = arena.buffer(8 * mA, 'A tokens');
    this.pairs = arena.buffer(16 * mA * mB, 'pairs sharing a row');
    this.pairScratch = new Uint32Array(4 * mA * mB);
    const maxOut = Math.max(...layers.map((L) => L.out));
    const T = f32(mA * maxOut * 4 * jq, 'T');
    this.K = f32(kFloats, 'K');
    this.staging = arena.staging(4 * kFloats, 'K staging');
    const sizes = [p * d];
    for (const L of layers) sizes.push(L.in * 4 * quads(L.out), L.in * 4 * quads(Math.max(mA, mB)), Math.max(mA, mB) * L.out * 4 * cq);
    sizes.push(Math.max(mA, mB) * 2 * d * 4 * cq);
    this.scratch = new Float32Array(Math.max(...sizes));

    const weightKernel = (l: number, out: Slice, flags: number): Dispatch => {
      const L = layers[l];
      return arena.bind(
        'kernelWeight',
        { U0: this.params([mA, mB, p, L.in, L.out, flags]), XA0: whole(this.A.X[l]), XB0: whole(this.B.X[l]), wW0: whole(this.omegaW[l]), wb0: whole(this.omegaB[l]), out0: out },
        Math.ceil(quads(L.out) / 8),
        Math.ceil((mA * jq) / 8),
      );
    };
    const embed = (kernel: 'kernelEmbedFull' | 'kernelEmbedTrace', perEntry: number): ViewPlan['embed'] => {
      const u = this.params([mA, mB, p, d, 0, 0]);
      const [GA, GB, pairs, tokA, wE] = [whole(this.A.dX0), whole(this.B.dX0), whole(this.pairs), whole(this.tokensA), whole(this.omegaE)];
      const { pipeline, bindGroup } =
        kernel === 'kernelEmbedFull'
          ? arena.bind(kernel, { U2: u, GA2: GA, GB2: GB, pairs2: pairs, tokA2: tokA, wE2: wE, K2: whole(this.K) }, 1)
          : arena.bind(kernel, { U3: u, GA3: GA, GB3: GB, pairs3: pairs, tokA3: tokA, wE3: wE, K3: whole(this.K) }, 1);
      return { pipeline, bindGroup, slot: u.offset!, perEntry };
    };
    if (views.includes('full')) {
      const pairGrid = [Math.ceil((mB * c8) / 8), Math.ceil((mA * c8) / 8)] as const; // 8×8 logit-pair blocks
      const list: Dispatch[] = [];
      for (let l = 0; l < head; l++) {
        list.push(weightKernel(l, whole(T), 0));
        list.push(
          arena.bind(
            'kernelLayerFull',
            { U1: this.params([mA, mB, p, layers[l].in, layers[l].out, 0]), DA1: whole(this.A.delta[l]), DB1: whole(this.B.delta[l]), T1: whole(T), K1: whole(this.K) },
            ...pairGrid,
          ),
        );
      }
      list.push(weightKernel(head, whole(this.K), HEAD_DIAG));
      this.plans.full = { embed: embed('kernelEmbedFull', cq * cq), layers: list };
    }
    if (views.includes('trace')) {
      const list: Dispatch[] = [];
      for (let l = 0; l <= head; l++) {
        list.push(weightKernel(l, whole(T), 0));
        // the head's Δ = I is implicit (IDENTITY: its c loop has no trips); T stands in as a bound, unread buffer
        const dA = l < head ? this.A.delta[l] : T;
        const dB = l < head ? this.B.delta[l] : T;
        list.push(
          arena.bind(
            'kernelLayerTrace',
            { U4: this.params([mA, mB, p, layers[l].in, layers[l].out, l < head ? 0 : IDENTITY]), DA4: whole(dA), DB4: whole(dB), T4: whole(T), K4: whole(this.K) },
            Math.ceil(jq / 8),
            Math.ceil(quads(mA) / 8),
          ),
        );
      }
      this.plans.trace = { embed: embed('kernelEmbedTrace', 1), layers: list };
    }
    this.ready = device.popErrorScope().then((e) => {
      if (e) throw new Error(`GpuKernelBlock setup failed: ${e.message}`);
    });
    this.ready.catch(() => undefined); // reported by every compute, not as an unhandled rejection
  }

  /**
   * K_AB = J_A diag(ω) J_Bᵀ (ω = null: the plain eNTK), as `kernelBlock` returns it:
   * full view (mA·p) × (mB·p), row (i, c); trace view mA × mB. Float32 on the GPU.
   * Passing the same object as A and B computes half and mirrors (exactly symmetric).
   */
  compute(A: Sensitivities, B: Sensitivities, omega: Float64Array | null, view: KernelView = 'full'): Promise<Float64Array> {
    if (A.kind !== 'mlp' || B.kind !== 'mlp') return Promise.reject(new Error("GpuKernelBlock: the structured formula needs the MLP's per-layer factors (a dense Jacobian is computed on the CPU)"));
    const run = this.chain.then(() => this.run(A, B, omega, view));
    this.chain = run.catch(() => undefined);
    return run;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.arena.destroy();
  }

  // ---------- internals ----------
  private async run(A: MlpSensitivities, B: MlpSensitivities, omega: Float64Array | null, view: KernelView): Promise<Float64Array> {
    await this.ready;
    if (this.destroyed) throw new Error('GpuKernelBlock was destroyed');
    const plan = this.plans[view];
    if (!plan) throw new Error(`GpuKernelBlock: view '${view}' was not requested at construction (views: ${this.views.join(', ')})`);
    const { layout, mA, mB } = this;
    const p = layout.p;
    if (A.m !== mA || B.m !== mB) throw new Error(`GpuKernelBlock: built for mA=${mA}, mB=${mB}, got ${A.m} and ${B.m}`);
    if (A.p !== p || B.p !== p) throw new Error(`GpuKernelBlock: p=${p}, got sensitivities with p=${A.p}, ${B.p}`);
    if (omega && omega.length !== layout.totalSize) throw new Error(`GpuKernelBlock: ω has ${omega.length} entries, the layout ${layout.totalSize}`);
    this.checkSide(A);
    this.checkSide(B);
    const sym = A === B;
    if (sym !== this.symMode) {
      for (const s of this.symSlots) {
        const w = new Uint32Array(this.arena.uniformData, s, 8);
        w[5] = sym ? w[5] | SYM : w[5] & ~SYM;
      }
      this.arena.flushUniforms();
      this.symMode = sym;
    }
    if (omega || !this.omegaIsOnes) this.uploadOmega(omega);
    this.omegaIsOnes = !omega;
    this.uploadSide(this.A, A, false);
    this.uploadSide(this.B, B, true);
    this.device.queue.writeBuffer(this.tokensA, 0, A.tokens as Uint32Array<ArrayBuffer>);
    const entries = this.pairList(A.tokens, B.tokens, sym);
    new Uint32Array(this.arena.uniformData, plan.embed.slot + 24, 1)[0] = entries;
    this.arena.flushSlot(plan.embed.slot + 24, 4);

    const rows = view === 'full' ? mA * p : mA;
    const cols = view === 'full' ? mB * p : mB;
    const bytes = 4 * rows * cols;
    this.device.pushErrorScope('validation');
    const enc = this.device.createCommandEncoder({ label: `kernel block ${view}` });
    enc.clearBuffer(this.K, 0, bytes);
    const pass = enc.beginComputePass();
    if (entries > 0) {
      const groups = Math.ceil((entries * plan.embed.perEntry) / 64);
      const x = Math.min(groups, 65535);
      pass.setPipeline(plan.embed.pipeline);
      pass.setBindGroup(0, plan.embed.bindGroup);
      pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    }
    encode(pass, plan.layers);
    pass.end();
    enc.copyBufferToBuffer(this.K, 0, this.staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    const err = await this.device.popErrorScope();
    if (err) throw new Error(`GpuKernelBlock: ${err.message}`);
    await this.staging.mapAsync(GPUMapMode.READ, 0, bytes);
    const K = new Float64Array(rows * cols);
    K.set(new Float32Array(this.staging.getMappedRange(0, bytes)));
    this.staging.unmap();
    // SYM computed the point pairs j ≥ i; within i = j the block is complete, and copying every
    // upper entry (col > row) down makes the result exactly symmetric
    if (sym) for (let r = 1; r < rows; r++) for (let c = 0; c < r; c++) K[r * cols + c] = K[c * cols + r];
    return K;
  }

  private checkSide(s: MlpSensitivities): void {
    const { p, d, layers } = this.layout;
    const expect = (what: string, got: number, want: number) => {
      if (got !== want) throw new Error(`GpuKernelBlock: ${what} has ${got} entries, expected ${want}`);
    };
    layers.forEach((L, l) => {
      expect(`X${l}`, s.X[l].length, s.m * L.in);
      if (l < layers.length - 1) expect(`Δ${l}`, s.delta[l].length, s.m * p * L.out);
    });
    expect('dX0', s.dX0.length, s.m * p * 2 * d);
    expect('tokens', s.tokens.length, 2 * s.m);
    for (let k = 0; k < s.tokens.length; k++) if (s.tokens[k] >= p) throw new Error(`GpuKernelBlock: token ${s.tokens[k]} out of range (p=${p})`);
  }

  /** ω_W transposed into vec4s over a, ω_b padded to whole vec4s, ω_E as is (ones for null). */
  private uploadOmega(omega: Float64Array | null): void {
    const q = this.device.queue;
    const s = this.scratch;
    const { layers, embed } = this.layout;
    layers.forEach((L, l) => {
      const a4 = 4 * quads(L.out);
      const n = L.in * a4;
      s.fill(omega ? 0 : 1, 0, n);
      if (omega) for (let a = 0; a < L.out; a++) for (let b = 0, o = L.weight.offset + a * L.in; b < L.in; b++) s[b * a4 + a] = omega[o + b];
      write(q, this.omegaW[l], s.subarray(0, n));
      s.fill(omega ? 0 : 1, 0, a4);
      if (omega) for (let a = 0; a < L.out; a++) s[a] = omega[L.bias.offset + a];
      write(q, this.omegaB[l], s.subarray(0, a4));
    });
    if (omega) s.set(omega.subarray(embed.offset, embed.offset + embed.size));
    else s.fill(1, 0, embed.size);
    write(q, this.omegaE, s.subarray(0, embed.size));
  }

  private uploadSide(dev: Side, src: MlpSensitivities, transposedX: boolean): void {
    const q = this.device.queue;
    const s = this.scratch;
    const { p, d, layers } = this.layout;
    const m = src.m;
    const c4 = 4 * vec4sOverC(p);
    // Δ-like (m·p) × cols → vec4s over c: dst[(i·cols + col)·c4 + c] = src[(i·p + c)·cols + col]
    const packOverC = (a: Float64Array, cols: number, buf: GPUBuffer) => {
      const n = m * cols * c4;
      s.fill(0, 0, n);
      for (let i = 0; i < m; i++)
        for (let c = 0; c < p; c++) {
          const from = (i * p + c) * cols;
          const to = i * cols * c4 + c;
          for (let col = 0; col < cols; col++) s[to + col * c4] = a[from + col];
        }
      write(q, buf, s.subarray(0, n));
    };
    layers.forEach((L, l) => {
      const X = src.X[l];
      if (transposedX) {
        // dst[b·m4 + j] = X[j·in + b]
        const m4 = 4 * quads(m);
        const n = L.in * m4;
        s.fill(0, 0, n);
        for (let j = 0; j < m; j++) for (let b = 0; b < L.in; b++) s[b * m4 + j] = X[j * L.in + b];
        write(q, dev.X[l], s.subarray(0, n));
      } else {
        s.set(X);
        write(q, dev.X[l], s.subarray(0, X.length));
      }
      if (l < layers.length - 1) packOverC(src.delta[l], L.out, dev.delta[l]);
    });
    packOverC(src.dX0, 2 * d, dev.dX0);
  }

  /** (i, j, mask, 0) for every point pair sharing an embedding row (j ≥ i when symmetric); uploads it, returns the count. */
  private pairList(tA: Uint32Array, tB: Uint32Array, sym: boolean): number {
    const out = this.pairScratch;
    let n = 0;
    for (let i = 0; i < this.mA; i++) {
      const a0 = tA[2 * i];
      const a1 = tA[2 * i + 1];
      for (let j = sym ? i : 0; j < this.mB; j++) {
        const b0 = tB[2 * j];
        const b1 = tB[2 * j + 1];
        const mask = (a0 === b0 ? 1 : 0) | (a0 === b1 ? 2 : 0) | (a1 === b0 ? 4 : 0) | (a1 === b1 ? 8 : 0);
        if (mask === 0) continue;
        out[4 * n] = i;
        out[4 * n + 1] = j;
        out[4 * n + 2] = mask;
        out[4 * n + 3] = 0;
        n++;
      }
    }
    if (n > 0) write(this.device.queue, this.pairs, out.subarray(0, 4 * n));
    return n;
  }

  /** A uniform slot of 8 u32 (KernelParams); the layer kernels honour SYM, the embedding kernels' pair list is already j ≥ i. */
  private params(values: number[]): Slice {
    const u = this.arena.u32Slot(values, 32);
    this.symSlots.push(u.offset!);
    return u;
  }
}

/** The signature of `kernelBlock` minus the layout, asynchronous: what an instrument can inject. */
export type KernelBlockFn = (A: Sensitivities, B: Sensitivities, omega: Float64Array | null, view: KernelView) => Promise<Float64Array>;

/**
 * One GpuKernelBlock per (mA, mB, view) for a layout, created on first use and kept: the
 * instruments' few fixed probe shapes (S×S, G×G, Q_G×G) each get their buffers once. Each
 * instance holds only its view's K, so a trace-view probe never allocates the full view.
 */
export class GpuKernelBlocks {
  private readonly blocks = new Map<string, Promise<GpuKernelBlock>>();

  constructor(
    private readonly ctx: GpuContext,
    private readonly sources: ShaderSources,
    readonly layout: ModelLayout,
  ) {}

  /**
   * Compiles the kernel-block pipelines now (the instruments' worker calls this when a lane
   * registers, so the first measurement does not pay for them); a failure surfaces there again.
   */
  warm(): Promise<void> {
    return probePipelines(this.ctx, this.sources).then(() => undefined);
  }

  /** Drop-in for `(A, B, ω, view) => kernelBlock(layout, A, B, ω, view)`. */
  readonly compute: KernelBlockFn = async (A, B, omega, view) => {
    const key = `${A.m}x${B.m}:${view}`;
    let block = this.blocks.get(key);
    if (!block) {
      block = GpuKernelBlock.create(this.ctx, this.sources, this.layout, A.m, B.m, [view]);
      this.blocks.set(key, block);
    }
    return (await block).compute(A, B, omega, view);
  };

  destroy(): void {
    for (const b of this.blocks.values())
      b.then(
        (g) => g.destroy(),
        () => undefined,
      );
    this.blocks.clear();
  }
}
