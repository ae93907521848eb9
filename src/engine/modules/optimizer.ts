/**
 * The optimizer and the gate over the whole flat parameter buffer (shaders/optim.wgsl,
 * twin src/reference/optimizer.ts): direction u, gate mask q and Cautious mask c per
 * parameter; per-tensor mask sums; the update. Model-agnostic: it sees only the
 * tensor table (offset, size) of whatever model the trainer composed.
 */
import type { TensorInfo } from '../../model/layout';
import { STREAM_RHO, type OptimParams } from '../../model/rules';
import { whole, write, type Dispatch, type GpuArena } from '../arena';
import type { GradBuffers, LayerModule, ModuleSpec } from './module';

export const OPT_CODE = { sgd: 0, adamw: 1, cautious: 2, grokfast: 3 } as const;
export const GATE_CODE = { off: 0, 'exact-hard': 1, 'exact-soft': 2, stream: 3, 'stream-hard': 4 } as const;
const LANES = 64;

export const OptimizerSpec = {
  name: 'optimizer and gate',
  kernels: ['optDirection', 'optDirectionApply', 'maskPartial', 'maskFinish', 'optApply'],
  twins: ['src/reference/optimizer.ts#optimDirection', 'src/reference/optimizer.ts#tensorMaskSums', 'src/reference/optimizer.ts#optimApply'],
} as const satisfies ModuleSpec;

export class Optimizer implements LayerModule {
  readonly name = OptimizerSpec.name;
  readonly kernels = OptimizerSpec.kernels;
  readonly twins = OptimizerSpec.twins;
  readonly params = [];
  /** [m | v | aux | s], each P long */
  readonly state: GPUBuffer;
  /** [u | q | c] of the last step */
  readonly out: GPUBuffer;
  /** per tensor (Σq, Σc) of the last step */
  readonly stats: GPUBuffer;
  /** direction → mask sums → apply: Cautious, whose per-tensor rescale s_T needs the sums first */
  private readonly separate: Dispatch[];
  /** direction+apply in one pass → mask sums (telemetry): every other optimizer (s_T = 1) */
  private readonly fused: Dispatch[];
  /** the optimizer the last `writeUniform` set up (a live change of opt switches the list) */
  private cautious: boolean;
  private readonly slotOffset: number;

  constructor(
    private readonly arena: GpuArena,
    tensors: readonly TensorInfo[],
    private readonly P: number,
    g: GradBuffers,
    opt: OptimParams['opt'],
  ) {
    this.cautious = opt === 'cautious';
    const T = tensors.length;
    this.state = arena.f32(4 * P, 'optimizer state m|v|aux|s');
    this.out = arena.f32(3 * P, 'u|q|c');
    this.stats = arena.f32(2 * T, 'mask sums');
    const table = arena.buffer(8 * T, 'tensor table');
    const partials = arena.f32(2 * T * LANES, 'mask partials');
    // direction_apply bisects this table: it must be sorted by offset, tensors disjoint
    tensors.forEach((t, i) => {
      if (i > 0 && t.offset < tensors[i - 1].offset + tensors[i - 1].size) throw new Error(`optimizer: tensor ${t.name} is not after ${tensors[i - 1].name} in the flat layout`);
    });
    write(arena.device.queue, table, 0, Uint32Array.from(tensors.flatMap((t) => [t.offset, t.size])));
    this.slotOffset = arena.slot();
    const u = { buffer: arena.uniform, offset: this.slotOffset, size: 64 };
    const sums = [
      arena.bind('maskPartial', { O2: u, tensors: whole(table), outIn: whole(this.out), partials: whole(partials) }, T),
      arena.bind('maskFinish', { O3: u, partialsIn: whole(partials), stats: whole(this.stats) }, 1),
    ];
    this.separate = [
      arena.bind('optDirection', { O: u, grad: whole(g.grad), sq: whole(g.sq), state: whole(this.state), out: whole(this.out) }, Math.ceil(P / 256)),
      ...sums,
      arena.bind('optApply', { O4: u, tensorsA: whole(table), outA: whole(this.out), statsA: whole(this.stats), w: whole(g.params) }, Math.ceil(P / 256)),
    ];
    this.fused = [
      arena.bind('optDirectionApply', { O: u, grad: whole(g.grad), sq: whole(g.sq), state: whole(this.state), out: whole(this.out), wF: whole(g.params), tensorsF: whole(table) }, Math.ceil(P / 256)),
      ...sums,
    ];
    this.T = T;
  }

  private readonly T: number;

  /** this step's dispatches: 3 (direction+apply fused), or 4 for Cautious */
  get dispatches(): readonly Dispatch[] {
    return this.cautious ? this.separate : this.fused;
  }

  /** The step's hyper-parameters into the uniform (uploaded at once). */
  writeUniform(hp: OptimParams): void {
    const { arena } = this;
    const u = new Uint32Array(arena.uniformData, this.slotOffset, 16);
    const f = new Float32Array(arena.uniformData, this.slotOffset, 16);
    this.cautious = hp.opt === 'cautious';
    u.set([this.P, OPT_CODE[hp.opt], GATE_CODE[hp.gate], this.T]);
    f.set(
      [
        hp.lr,
        hp.wd,
        hp.beta1,
        hp.beta2,
        hp.eps,
        hp.momentum,
        hp.softness,
        hp.b,
        1 - Math.pow(hp.beta1, hp.t),
        1 - Math.pow(hp.beta2, hp.t),
        1 - Math.pow(STREAM_RHO, Math.max(hp.tStream, 1)),
        hp.streamAlpha,
      ],
      4,
    );
    arena.flushSlot(this.slotOffset, 64);
  }
}
