/**
 * The MLP as a composition of modules (src/model/layout.ts):
 *   PairEmbedding → Dense(hidden 0) → … → Dense(head), then the trainer's loss.
 * The embedding and the first hidden layer run together through the p-row table
 * P = E·W'ᵀ (PairEmbedding.firstLayer / firstLayerBackward): no product over the n
 * examples touches the first layer, except dX₀ = δ₀W₀ on the exact gates' path, for
 * E's per-example Σg².
 * Activations are sized for R = max(b, all p² examples), so training batches and
 * evaluations share them; the backward ping-pongs two gradient buffers.
 */
import type { ModelLayout } from '../../model/layout';
import { whole, type Dispatch, type GpuArena } from '../arena';
import { Dense } from './dense';
import { PairEmbedding } from './embedding';
import { matmul, MatmulModule } from './matmul';
import { tensorSlice, type GradBuffers, type LayerModule } from './module';
import type { GpuNetwork } from './network';

export class MlpNetwork implements GpuNetwork {
  readonly modules: readonly LayerModule[];
  readonly logits: GPUBuffer;
  private readonly arena: GpuArena;
  private readonly embed: PairEmbedding;
  private readonly dense: Dense[];
  /** P = E·W'ᵀ (forward); S, δ₀ summed by token and slot, and rootSums (R), √ of δ₀² summed so (backward): p × 2·out₀ each */
  private readonly P: GPUBuffer;
  private readonly S: GPUBuffer;
  private readonly rootSums: GPUBuffer;
  private readonly Z: GPUBuffer[];
  private readonly H: GPUBuffer[];
  private readonly dA: GPUBuffer;
  private readonly dB: GPUBuffer;

  /** `b`: training batch; `R`: most rows any forward runs */
  constructor(
    arena: GpuArena,
    private readonly layout: ModelLayout,
    private readonly g: GradBuffers,
    private readonly b: number,
    R: number,
  ) {
    this.arena = arena;
    const { p, d, layers } = layout;
    this.embed = new PairEmbedding(arena, layout.embed, p, d, b);
    this.dense = layers.map((L, l) => new Dense(arena, L, l === layers.length - 1 ? null : layout.act));
    this.modules = [this.embed, ...this.dense, MatmulModule];
    const maxDim = Math.max(2 * d, ...layers.map((L) => Math.max(L.in, L.out)));
    if (layers.length < 2) throw new Error('MlpNetwork: needs a hidden layer before the head');
    this.P = arena.f32(p * 2 * layers[0].out, 'P = E·Wᵀ');
    this.S = arena.f32(p * 2 * layers[0].out, 'S = δ₀ by token');
    this.rootSums = arena.f32(p * 2 * layers[0].out, 'R = √(δ₀² by token)');
    this.Z = layers.map((L, l) => arena.f32(R * L.out, `Z${l}`));
    this.H = layers.slice(0, -1).map((L, l) => arena.f32(R * L.out, `H${l}`));
    this.dA = arena.f32(R * maxDim, 'dA');
    this.dB = arena.f32(R * maxDim, 'dB');
    this.logits = this.Z[this.Z.length - 1];
  }

  readonly tokensPerExample = 2;

  encodeTokens(pairs: Uint32Array, n: number, out: Uint32Array): Uint32Array {
    out.set(pairs.subarray(0, 2 * n));
    return out;
  }

  /** the input of layer l ≥ 1 (layer 0 reads the tokens through P) */
  private input(l: number): GPUBuffer {
    return this.H[l - 1];
  }

  forward(rows: number, tokens: GPUBuffer): Dispatch[] {
    const { layers, act } = this.layout;
    const list = this.embed.firstLayer(rows, this.g.params, tokens, layers[0], act, this.P, this.Z[0], this.H[0]);
    for (let l = 1; l < this.dense.length; l++) list.push(...this.dense[l].forward(rows, this.g.params, this.input(l), this.Z[l], this.H[l] ?? null));
    return list;
  }

  backward(withSq: boolean): Dispatch[] {
    const list: Dispatch[] = [];
    let dOut = this.logits; // g = (softmax − onehot)/b after the loss kernel
    let spare = this.dA;
    for (let l = this.dense.length - 1; l >= 1; l--) {
      list.push(...this.dense[l].backward(this.b, this.g, this.input(l), this.Z[l], dOut, spare, withSq));
      const next = spare;
      spare = dOut === this.logits ? this.dB : dOut;
      dOut = next;
    }
    // the first hidden layer; dOut holds dH₀ (δ₀ after `delta`)
    list.push(this.dense[0].delta(this.b, this.g, this.Z[0], dOut, withSq));
    list.push(...this.embed.firstLayerBackward(dOut, this.g, this.layout.layers[0], this.S, this.rootSums, withSq));
    if (withSq) {
      // E's per-example Σg² needs each example's dX₀ = δ₀W₀: the one n-row product of the exact gates' path
      const L0 = this.layout.layers[0];
      list.push(matmul(this.arena, this.b, L0.in, L0.out, 0, whole(dOut), tensorSlice(this.g.params, L0.weight), whole(spare)));
      list.push(this.embed.backward(spare, this.g, true));
    }
    return list;
  }

  prepareBatch(tokens: Uint32Array): void {
    this.embed.indexBatch(tokens);
  }
}
