/**
 * The MLP's token embedding x = concat(E[a], E[b]), never gathered: the first hidden
 * layer sees only 2p distinct half-inputs, so it runs here
 * without any n-row product (`firstLayer`, `firstLayerBackward`): with W₀ = [W_a | W_b]
 * read as W' (2·out rows of d, row 2o+s = W_s[o, :]), the forward is P = E·W'ᵀ
 * (p × 2·out) and a lookup Z[i,o] = P[a_i, 2o] + P[b_i, 2o+1] + b[o] (lookup_act, or
 * lookup_act4 through vec4s when out is a multiple of 4); the
 * backward sums δ by token and slot into S (p × 2·out, token_sum, or token_sum4 through
 * vec4s), then dW' = Sᵀ·E
 * and dE = S·W'. A step's products over the first layer shrink from n·out·2d
 * multiply-adds each to p·out·2d. The exact gates take W₀'s Σg² from the same sums
 * ((R∘R)ᵀ(E∘E), R = √ of δ² summed by token and slot), but E's Σ_i g_i² squares each
 * example's own δ_i·W₀: for it they keep one n-row product, dX₀ = δW₀, and scatter.
 */
import type { Activation } from '../../config/settings';
import type { Layer, TensorInfo } from '../../model/layout';
import { buildEmbedIndex, MM_SQUARE, MM_TRANS_A, MM_TRANS_B, type EmbedIndex } from '../../model/rules';
import { whole, write, type Dispatch, type GpuArena } from '../arena';
import { ACT_CODE } from './dense';
import { matmul } from './matmul';
import { tensorSlice, type GradBuffers, type LayerModule, type ModuleSpec } from './module';

/** the vec4 kernels (lookup_act4, token_sum4) serve a first layer whose width is a multiple of 4; both forms share one layout */
const byQuads = (L0: Layer) => L0.out % 4 === 0;

export const PairEmbeddingSpec = {
  name: 'pair embedding',
  kernels: ['scatter', 'lookupAct', 'lookupAct4', 'tokenSum', 'tokenSum4'],
  twins: ['src/reference/kernels.ts#embedScatter', 'src/reference/kernels.ts#lookupAct', 'src/reference/kernels.ts#tokenSum'],
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

  /**
   * dE and its per-example Σg² from dX₀ = δ₀W₀ of the training batch (the exact gates' path), one
   * invocation per table entry walking the batch's inverse index, each example squared once even
   * when a = b; needs indexBatch for that batch first
   */
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

  /** Z₀ and H₀ = act(Z₀) of the first hidden layer L0 for `rows` token pairs, through P (p × 2·out floats) */
  firstLayer(rows: number, params: GPUBuffer, tokens: GPUBuffer, L0: Layer, act: Activation, P: GPUBuffer, Z: GPUBuffer, H: GPUBuffer): Dispatch[] {
    const { arena, p, d } = this;
    if (L0.in !== 2 * d) throw new Error(`${this.name}: the first layer reads ${L0.in} inputs, not 2d = ${2 * d}`);
    return [
      matmul(arena, p, 2 * L0.out, d, MM_TRANS_B, tensorSlice(params, this.table), tensorSlice(params, L0.weight), whole(P)),
      byQuads(L0)
        ? arena.bind(
            'lookupAct4',
            { S5: arena.u32Slot([rows, L0.out, ACT_CODE[act], 0]), Pv: whole(P), tokv: whole(tokens), biasv: tensorSlice(params, L0.bias), Zv: whole(Z), Hv: whole(H) },
            Math.ceil((rows * L0.out) / 4 / 256),
          )
        : arena.bind(
            'lookupAct',
            { S4: arena.u32Slot([rows, L0.out, ACT_CODE[act], 0]), Pl: whole(P), tokl: whole(tokens), biasl: tensorSlice(params, L0.bias), Zl: whole(Z), Hl: whole(H) },
            Math.ceil((rows * L0.out) / 256),
          ),
    ];
  }

  /**
   * From the first layer's δ over the training batch (S, R: p × 2·out floats; needs indexBatch
   * first): dW₀ = Sᵀ·E, and dE = S·W' — or, with `R` (the exact gates), W₀'s Σg² = (R∘R)ᵀ(E∘E)
   * instead of dE, which the caller then takes from the per-example scatter with E's own Σg².
   */
  firstLayerBackward(delta: GPUBuffer, g: GradBuffers, L0: Layer, S: GPUBuffer, R: GPUBuffer, withSq: boolean): Dispatch[] {
    const { arena, p, d, b } = this;
    const E = tensorSlice(g.params, this.table);
    return [
      byQuads(L0)
        ? arena.bind(
            'tokenSum4',
            { G3: arena.u32Slot([b, L0.out, p, withSq ? 1 : 0]), dZq: whole(delta), rowStart: whole(this.rowStart), entries: whole(this.entries), Sq: whole(S), Rq: whole(R) },
            Math.ceil((p * L0.out) / 4 / 256),
          )
        : arena.bind(
            'tokenSum',
            { G2: arena.u32Slot([b, L0.out, p, withSq ? 1 : 0]), dZt: whole(delta), rowStart: whole(this.rowStart), entries: whole(this.entries), St: whole(S), Rt: whole(R) },
            Math.ceil((p * L0.out) / 256),
          ),
      matmul(arena, 2 * L0.out, d, p, MM_TRANS_A, whole(S), E, tensorSlice(g.grad, L0.weight)),
      withSq
        ? matmul(arena, 2 * L0.out, d, p, MM_TRANS_A | MM_SQUARE, whole(R), E, tensorSlice(g.sq, L0.weight))
        : matmul(arena, p, d, 2 * L0.out, 0, whole(S), tensorSlice(g.params, L0.weight), tensorSlice(g.grad, this.table)),
    ];
  }

  /** Host side, once per batch: the inverse index the backward walks. */
  indexBatch(tokens: Uint32Array): void {
    buildEmbedIndex(tokens, this.b, this.p, this.index, this.scratch);
    const q = this.arena.device.queue;
    write(q, this.rowStart, 0, this.index.rowStart);
    write(q, this.entries, 0, this.index.entries);
  }
}
