/**
 * The MLP's token embedding: x = concat(E[a], E[b]) (shaders/embed.wgsl gather),
 * and its race-free backward, one invocation per table entry walking the batch's
 * inverse index (scatter), with the per-example Σg² squared once per example even
 * when a = b.
 */
import type { TensorInfo } from '../../model/layout';
import { buildEmbedIndex, type EmbedIndex } from '../../model/rules';
import { whole, write, type Dispatch, type GpuArena } from '../arena';
import { tensorSlice, type GradBuffers, type LayerModule, type ModuleSpec } from './module';

export const PairEmbeddingSpec = {
  name: 'pair embedding',
  kernels: ['gather', 'scatter'],
  twins: ['src/reference/kernels.ts#embedGather', 'src/reference/kernels.ts#embedScatter'],
} as const satisfies ModuleSpec;

export class PairEmbedding implements LayerModule {
  readonly name = PairEmbeddingSpec.name;
  readonly kernels = PairEmbeddingSpec.kernels;
  readonly twins = PairEmbeddingSpec.twins;
  readonly params: readonly TensorInfo[];
  private readonly rowStart: GPUBuffer;
  private readonly entries: GPUBuffer;
  private readonly index: EmbedIndex;
  private readonly scratch: Uint32Array;

  /** `b`: the training batch the backward's index is built for */
  constructor(
    private readonly arena: GpuArena,
    private readonly table: TensorInfo,
    private readonly p: number,
    private readonly d: number,
    private readonly b: number,
  ) {
    this.params = [table];
    this.rowStart = arena.buffer(4 * (p + 1), 'embed rowStart');
    this.entries = arena.buffer(8 * b, 'embed entries');
    this.index = { rowStart: new Uint32Array(p + 1), entries: new Uint32Array(2 * b) };
    this.scratch = new Uint32Array(p);
  }

  /** X[rows × 2d] from token pairs */
  forward(rows: number, params: GPUBuffer, tokens: GPUBuffer, X: GPUBuffer): Dispatch {
    const { arena, p, d } = this;
    return arena.bind('gather', { G0: arena.u32Slot([rows, d, p, 0]), E: tensorSlice(params, this.table), tok: whole(tokens), X: whole(X) }, Math.ceil((rows * 2 * d) / 256));
  }

  /** dE (and Σg² with `withSq`) from dX of the training batch; needs indexBatch for that batch first */
  backward(dX: GPUBuffer, g: GradBuffers, withSq: boolean): Dispatch {
    const { arena, p, d, b } = this;
    return arena.bind(
      'scatter',
      {
        G1: arena.u32Slot([b, d, p, withSq ? 1 : 0]),
        dX: whole(dX),
        rowStart: whole(this.rowStart),
        entries: whole(this.entries),
        dE: tensorSlice(g.grad, this.table),
        SQ: tensorSlice(g.sq, this.table),
      },
      Math.ceil((p * d) / 256),
    );
  }

  /** Host side, once per batch: the inverse index the backward walks. */
  indexBatch(tokens: Uint32Array): void {
    buildEmbedIndex(tokens, this.b, this.p, this.index, this.scratch);
    const q = this.arena.device.queue;
    write(q, this.rowStart, 0, this.index.rowStart);
    write(q, this.entries, 0, this.index.entries);
  }
}
