/**
 * The transformer's modules (shaders/transformer.wgsl + the shared matmul, activation
 * and loss kernels; twins in src/reference/transformer.ts) and the network composed of
 * them, following src/model/transformerLayout.ts exactly.
 *
 * Activations hold one row per position (rows = 4 × examples). Per-example Σ(g_i/b)²
 * with an exact gate: a weight used at the 4 positions of an example has
 * g_i = Σ_t δ_it x_itᵀ, so its square needs the cross-position terms — seq_weight_grad
 * forms each g_i (4 products) and squares it, for q, k, v, o, fc1, fc2; LayerNorm gains
 * and shifts sum over positions before squaring (ln_param_grad); token embeddings sum
 * the positions of one example that share a row (tok_scatter); position embeddings and
 * the last-position maps (LN_f, unembed) have one position per example, so the plain
 * squared-operand forms are exact there.
 */
import type { TensorInfo } from '../../model/layout';
import { buildSequenceIndex, MM_ACCUMULATE, MM_TRANS_A, MM_TRANS_B, type EmbedIndex } from '../../model/rules';
import { SEQ, sequenceTokens, type BlockTensors, type TransformerLayout } from '../../model/transformerLayout';
import { whole, write, type Dispatch, type GpuArena } from '../arena';
import type { Slice } from '../bindings';
import { ACT_CODE } from './dense';
import { matmul, matmulDual, MatmulModule } from './matmul';
import { tensorSlice, type GradBuffers, type LayerModule, type ModuleSpec } from './module';
import type { GpuNetwork } from './network';

export const SequenceEmbeddingSpec = {
  name: 'sequence embedding',
  kernels: ['seqGather', 'tokScatter', 'biasGrad'],
  twins: ['src/reference/transformer.ts#seqEmbedGather', 'src/reference/transformer.ts#tokScatter', 'src/reference/kernels.ts#biasGrad'],
} as const satisfies ModuleSpec;
export const LayerNormSpec = {
  name: 'layer norm',
  kernels: ['layerNorm', 'layerNormBack', 'lnParamGrad'],
  twins: ['src/reference/transformer.ts#layerNorm', 'src/reference/transformer.ts#layerNormBackward', 'src/reference/transformer.ts#lnParamGrad'],
} as const satisfies ModuleSpec;
export const CausalAttentionSpec = {
  name: 'causal self-attention',
  kernels: ['matmul', 'attention', 'attentionBack', 'seqWeightGrad'],
  twins: ['src/reference/transformer.ts#causalAttention', 'src/reference/transformer.ts#causalAttentionBackward', 'src/reference/transformer.ts#seqWeightGrad'],
} as const satisfies ModuleSpec;
export const FeedForwardSpec = {
  name: 'feed-forward',
  kernels: ['matmul', 'biasAct', 'actBackward', 'seqWeightGrad'],
  twins: ['src/reference/kernels.ts#matmul', 'src/reference/kernels.ts#biasAct', 'src/reference/kernels.ts#actBackward', 'src/reference/transformer.ts#seqWeightGrad'],
} as const satisfies ModuleSpec;

type Ctx = { arena: GpuArena; g: GradBuffers; b: number };

/** dW of a bias-free map used at every position: plain (matmul over rows) or with per-example Σg² (cross terms). */
function weightGrad(c: Ctx, W: TensorInfo, out: number, inp: number, dY: GPUBuffer, X: GPUBuffer, withSq: boolean): Dispatch {
  const { arena, g, b } = c;
  if (withSq)
    return arena.bind(
      'seqWeightGrad',
      { WG: arena.u32Slot([out, inp, b, SEQ]), dYw: whole(dY), Xw: whole(X), Gw: tensorSlice(g.grad, W), SQw: tensorSlice(g.sq, W) },
      Math.ceil(inp / 16),
      Math.ceil(out / 16),
    );
  return matmul(arena, out, inp, SEQ * b, MM_TRANS_A, whole(dY), whole(X), tensorSlice(g.grad, W));
}

class LayerNormModule implements LayerModule {
  readonly name = LayerNormSpec.name;
  readonly kernels = LayerNormSpec.kernels;
  readonly twins = LayerNormSpec.twins;
  readonly params: readonly TensorInfo[];
  readonly xhat: GPUBuffer;
  readonly rstd: GPUBuffer;

  /** stride S: normalises only the last position of each example (LN_f) */
  constructor(
    private readonly c: Ctx,
    private readonly gain: TensorInfo,
    private readonly shift: TensorInfo,
    private readonly d: number,
    private readonly stride: number,
    rows: number,
    label: string,
  ) {
    this.params = [gain, shift];
    this.xhat = c.arena.f32(rows * d, `${label} x̂`);
    this.rstd = c.arena.f32(rows, `${label} 1/σ`);
  }

  forward(rows: number, X: GPUBuffer, Y: GPUBuffer): Dispatch {
    const { arena, g } = this.c;
    return arena.bind(
      'layerNorm',
      {
        LN: arena.u32Slot([rows, this.d, this.stride, 0]),
        Xln: whole(X),
        gLn: tensorSlice(g.params, this.gain),
        bLn: tensorSlice(g.params, this.shift),
        Yln: whole(Y),
        XH: whole(this.xhat),
        RS: whole(this.rstd),
      },
      Math.ceil(rows / 64),
    );
  }

  /** rows = normalised rows of the batch; adds into dX (stride 1) or writes it (stride S) */
  backward(rows: number, dY: GPUBuffer, dX: GPUBuffer, withSq: boolean): Dispatch[] {
    const { arena, g, b } = this.c;
    const positions = rows / b;
    return [
      arena.bind(
        'lnParamGrad',
        {
          LP: arena.u32Slot([b, this.d, positions, withSq ? 1 : 0]),
          dYp: whole(dY),
          XHp: whole(this.xhat),
          Gg: tensorSlice(g.grad, this.gain),
          Gb: tensorSlice(g.grad, this.shift),
          SQg: tensorSlice(g.sq, this.gain),
          SQb: tensorSlice(g.sq, this.shift),
        },
        Math.ceil(this.d / 64),
      ),
      arena.bind(
        'layerNormBack',
        {
          LB: arena.u32Slot([rows, this.d, this.stride, this.stride === 1 ? 1 : 0]),
          dYb: whole(dY),
          XHb: whole(this.xhat),
          RSb: whole(this.rstd),
          gB: tensorSlice(g.params, this.gain),
          dXb: whole(dX),
        },
        Math.ceil(rows / 64),
      ),
    ];
  }
}

/** Scratch of the backward, shared by every block (rows = 4b). */
interface Scratch {
  dx: GPUBuffer;
  dh: GPUBuffer;
  dO: GPUBuffer;
  dQ: GPUBuffer;
  dK: GPUBuffer;
  dV: GPUBuffer;
  dR: GPUBuffer;
}

class Block {
  readonly ln1: LayerNormModule;
  readonly ln2: LayerNormModule;
  readonly attention: LayerModule;
  readonly feedForward: LayerModule;
  private readonly h1: GPUBuffer;
  private readonly Q: GPUBuffer;
  private readonly K: GPUBuffer;
  private readonly V: GPUBuffer;
  private readonly A: GPUBuffer;
  private readonly O: GPUBuffer;
  private readonly h2: GPUBuffer;
  private readonly U: GPUBuffer;
  private readonly R: GPUBuffer;

  constructor(
    private readonly c: Ctx,
    private readonly lay: TransformerLayout,
    private readonly B: BlockTensors,
    l: number,
    rows: number,
    private readonly zeroBias: GPUBuffer,
  ) {
    const { arena } = c;
    const { d, ffn: F, heads: H } = lay;
    this.ln1 = new LayerNormModule(c, B.ln1w, B.ln1b, d, 1, rows, `blocks.${l}.ln1`);
    this.ln2 = new LayerNormModule(c, B.ln2w, B.ln2b, d, 1, rows, `blocks.${l}.ln2`);
    this.attention = { ...CausalAttentionSpec, params: [B.q, B.k, B.v, B.o] };
    this.feedForward = { ...FeedForwardSpec, params: [B.fc1, B.fc2] };
    const f = (n: number, what: string) => arena.f32(n, `blocks.${l} ${what}`);
    this.h1 = f(rows * d, 'h1');
    this.Q = f(rows * d, 'Q');
    this.K = f(rows * d, 'K');
    this.V = f(rows * d, 'V');
    this.A = f((rows / SEQ) * H * SEQ * SEQ, 'A');
    this.O = f(rows * d, 'O');
    this.h2 = f(rows * d, 'h2');
    this.U = f(rows * F, 'U');
    this.R = f(rows * F, 'relu(U)');
  }

  forward(rows: number, x: GPUBuffer): Dispatch[] {
    const { arena, g } = this.c;
    const { d, ffn: F, heads: H, dh } = this.lay;
    const B = this.B;
    const W = (t: TensorInfo): Slice => tensorSlice(g.params, t);
    return [
      this.ln1.forward(rows, x, this.h1),
      matmul(arena, rows, d, d, MM_TRANS_B, whole(this.h1), W(B.q), whole(this.Q)),
      matmul(arena, rows, d, d, MM_TRANS_B, whole(this.h1), W(B.k), whole(this.K)),
      matmul(arena, rows, d, d, MM_TRANS_B, whole(this.h1), W(B.v), whole(this.V)),
      arena.bind(
        'attention',
        { AT: arena.u32Slot([rows / SEQ, H, dh, SEQ]), Qa: whole(this.Q), Ka: whole(this.K), Va: whole(this.V), Aa: whole(this.A), Oa: whole(this.O) },
        Math.ceil(((rows / SEQ) * H * SEQ) / 64),
      ),
      matmul(arena, rows, d, d, MM_TRANS_B | MM_ACCUMULATE, whole(this.O), W(B.o), whole(x)), // x += O·attn
      this.ln2.forward(rows, x, this.h2),
      matmul(arena, rows, F, d, MM_TRANS_B, whole(this.h2), W(B.fc1), whole(this.U)),
      arena.bind('biasAct', { S0: arena.u32Slot([rows, F, ACT_CODE.relu, 0]), bias: whole(this.zeroBias), Z: whole(this.U), H: whole(this.R) }, Math.ceil((rows * F) / 256)),
      matmul(arena, rows, d, F, MM_TRANS_B | MM_ACCUMULATE, whole(this.R), W(B.fc2), whole(x)), // x += W₂ relu(W₁ LN₂ x)
    ];
  }

  /** s.dx holds ∂L/∂x after this block on entry, ∂L/∂x before it on exit */
  backward(s: Scratch, withSq: boolean): Dispatch[] {
    const { arena, g, b } = this.c;
    const { d, ffn: F, heads: H, dh } = this.lay;
    const B = this.B;
    const rows = SEQ * b;
    const W = (t: TensorInfo): Slice => tensorSlice(g.params, t);
    return [
      // feed-forward branch
      weightGrad(this.c, B.fc2, d, F, s.dx, this.R, withSq),
      matmul(arena, rows, F, d, 0, whole(s.dx), W(B.fc2), whole(s.dR)),
      arena.bind('actBackward', { S1: arena.u32Slot([rows, F, ACT_CODE.relu, 0]), Xr: whole(this.U), D: whole(s.dR) }, Math.ceil((rows * F) / 256)),
      weightGrad(this.c, B.fc1, F, d, s.dR, this.h2, withSq),
      matmul(arena, rows, d, F, 0, whole(s.dR), W(B.fc1), whole(s.dh)),
      ...this.ln2.backward(rows, s.dh, s.dx, withSq),
      // attention branch
      weightGrad(this.c, B.o, d, d, s.dx, this.O, withSq),
      matmul(arena, rows, d, d, 0, whole(s.dx), W(B.o), whole(s.dO)),
      arena.bind(
        'attentionBack',
        { AB: arena.u32Slot([b, H, dh, SEQ]), dOb: whole(s.dO), Qb: whole(this.Q), Kb: whole(this.K), Vb: whole(this.V), Ab: whole(this.A), dQb: whole(s.dQ), dKb: whole(s.dK), dVb: whole(s.dV) },
        Math.ceil((b * H) / 64),
      ),
      weightGrad(this.c, B.q, d, d, s.dQ, this.h1, withSq),
      weightGrad(this.c, B.k, d, d, s.dK, this.h1, withSq),
      weightGrad(this.c, B.v, d, d, s.dV, this.h1, withSq),
      matmul(arena, rows, d, d, 0, whole(s.dQ), W(B.q), whole(s.dh)),
      matmul(arena, rows, d, d, MM_ACCUMULATE, whole(s.dK), W(B.k), whole(s.dh)),
      matmul(arena, rows, d, d, MM_ACCUMULATE, whole(s.dV), W(B.v), whole(s.dh)),
      ...this.ln1.backward(rows, s.dh, s.dx, withSq),
    ];
  }
}

export class TransformerNetwork implements GpuNetwork {
  readonly modules: readonly LayerModule[];
  readonly logits: GPUBuffer;
  private readonly c: Ctx;
  private readonly blocks: Block[];
  private readonly lnF: LayerNormModule;
  private readonly x: GPUBuffer;
  private readonly z: GPUBuffer;
  private readonly dz: GPUBuffer;
  private readonly s: Scratch;
  private readonly rowStart: GPUBuffer;
  private readonly entries: GPUBuffer;
  private readonly index: EmbedIndex;
  private readonly indexScratch: Uint32Array;

  /** `b`: training batch; `R`: most examples any forward runs */
  constructor(
    arena: GpuArena,
    private readonly lay: TransformerLayout,
    g: GradBuffers,
    private readonly b: number,
    R: number,
  ) {
    const c = (this.c = { arena, g, b });
    const { d, ffn: F, p, V } = lay;
    const rows = SEQ * R;
    this.x = arena.f32(rows * d, 'residual x');
    const zeroBias = arena.f32(F, 'zero bias (bias-free MLP)');
    this.blocks = lay.blocks.map((B, l) => new Block(c, lay, B, l, rows, zeroBias));
    this.lnF = new LayerNormModule(c, lay.lnfW, lay.lnfB, d, SEQ, R, 'ln_f');
    this.z = arena.f32(R * d, 'LN_f(x₃)');
    this.logits = arena.f32(R * p, 'logits');
    const br = SEQ * b;
    this.s = {
      dx: arena.f32(br * d, 'dx'),
      dh: arena.f32(br * d, 'dh'),
      dO: arena.f32(br * d, 'dO'),
      dQ: arena.f32(br * d, 'dQ'),
      dK: arena.f32(br * d, 'dK'),
      dV: arena.f32(br * d, 'dV'),
      dR: arena.f32(br * F, 'dR'),
    };
    this.dz = arena.f32(b * d, 'dz');
    this.rowStart = arena.buffer(4 * (V + 1), 'token rowStart');
    this.entries = arena.buffer(4 * SEQ * b, 'token entries');
    this.index = { rowStart: new Uint32Array(V + 1), entries: new Uint32Array(SEQ * b) };
    this.indexScratch = new Uint32Array(V);
    const embedding: LayerModule = { ...SequenceEmbeddingSpec, params: [lay.tokEmbed, lay.posEmbed] };
    const unembed: LayerModule = { ...MatmulModule, name: 'unembed', params: [lay.unembed] };
    this.modules = [embedding, ...this.blocks.flatMap((B) => [B.ln1, B.attention, B.ln2, B.feedForward]), this.lnF, unembed, MatmulModule];
  }

  readonly tokensPerExample = SEQ;

  /** [a, op, b, =] of each pair */
  encodeTokens(pairs: Uint32Array, n: number, out: Uint32Array): Uint32Array {
    return sequenceTokens(pairs, n, this.lay.p, out);
  }

  forward(examples: number, tokens: GPUBuffer): Dispatch[] {
    const { arena, g } = this.c;
    const { d, p } = this.lay;
    const rows = SEQ * examples;
    return [
      arena.bind(
        'seqGather',
        { SG: arena.u32Slot([rows, d, SEQ, 0]), tokE: tensorSlice(g.params, this.lay.tokEmbed), posE: tensorSlice(g.params, this.lay.posEmbed), tokS: whole(tokens), Xs: whole(this.x) },
        Math.ceil((rows * d) / 256),
      ),
      ...this.blocks.flatMap((B) => B.forward(rows, this.x)),
      this.lnF.forward(examples, this.x, this.z),
      matmul(arena, examples, p, d, MM_TRANS_B, whole(this.z), tensorSlice(g.params, this.lay.unembed), whole(this.logits)),
    ];
  }

  backward(withSq: boolean): Dispatch[] {
    const { arena, g, b } = this.c;
    const { d, p, V } = this.lay;
    const U = this.lay.unembed;
    const list: Dispatch[] = [
      // unembed: one position per example, so (δ∘δ)ᵀ(z∘z) is the exact Σ(g_i/b)²
      withSq
        ? matmulDual(arena, p, d, b, MM_TRANS_A, whole(this.logits), whole(this.z), tensorSlice(g.grad, U), tensorSlice(g.sq, U))
        : matmul(arena, p, d, b, MM_TRANS_A, whole(this.logits), whole(this.z), tensorSlice(g.grad, U)),
      matmul(arena, b, d, p, 0, whole(this.logits), tensorSlice(g.params, U), whole(this.dz)),
      ...this.lnF.backward(b, this.dz, this.s.dx, withSq), // writes dx: zero except at the last positions
    ];
    for (let l = this.blocks.length - 1; l >= 0; l--) list.push(...this.blocks[l].backward(this.s, withSq));
    list.push(
      arena.bind(
        'tokScatter',
        {
          TS: arena.u32Slot([V, d, SEQ, withSq ? 1 : 0]),
          dXt: whole(this.s.dx),
          rowStartT: whole(this.rowStart),
          entriesT: whole(this.entries),
          dEt: tensorSlice(g.grad, this.lay.tokEmbed),
          SQt: tensorSlice(g.sq, this.lay.tokEmbed),
        },
        Math.ceil((V * d) / 256),
      ),
      // pos_embed[t] gets example i's dx_it alone: the bias gradient of dx seen as b × (4d)
      arena.bind(
        'biasGrad',
        { S2: arena.u32Slot([b, SEQ * d, 0, withSq ? 1 : 0]), dZ: whole(this.s.dx), G: tensorSlice(g.grad, this.lay.posEmbed), SQ: tensorSlice(g.sq, this.lay.posEmbed) },
        Math.ceil((SEQ * d) / 64),
      ),
    );
    return list;
  }

  prepareBatch(tokens: Uint32Array): void {
    buildSequenceIndex(tokens, this.b, SEQ, this.lay.V, this.index, this.indexScratch);
    const q = this.c.arena.device.queue;
    write(q, this.rowStart, 0, this.index.rowStart);
    write(q, this.entries, 0, this.index.entries);
  }
}
