/**
 * A dense layer: Z = X Wᵀ + b, H = act(Z) (identity for the head).
 * Forward: matmul then bias_act (add_bias for the head). Backward, given dH:
 * dZ = dH ∘ act'(Z) in place with db = Σ_i dZ_i and Σ_i dZ_i² in the same pass
 * (act_bias_grad; bias_grad alone for the head); dW = dZᵀX, with the exact gate's
 * Σ_i (g_i/b)² = (dZ∘dZ)ᵀ(X∘X) fused into the same pass (one position per example,
 * so no cross terms); dX = dZ W.
 * Twins: src/reference/kernels.ts matmul, biasAct, actBackward then biasGrad.
 */
import type { Activation } from '../../config/settings';
import type { Layer, TensorInfo } from '../../model/layout';
import { MM_TRANS_A, MM_TRANS_B } from '../../model/rules';
import { whole, type Dispatch, type GpuArena } from '../arena';
import { matmul, matmulDual } from './matmul';
import { tensorSlice, type GradBuffers, type LayerModule, type ModuleSpec } from './module';

export const ACT_CODE = { relu: 0, gelu: 1, quadratic: 2 } as const;

export const DenseSpec = {
  name: 'dense',
  kernels: ['matmul', 'matmulDual', 'biasAct', 'addBias', 'actBiasGrad', 'biasGrad'],
  twins: ['src/reference/kernels.ts#matmul', 'src/reference/kernels.ts#biasAct', 'src/reference/kernels.ts#actBackward', 'src/reference/kernels.ts#biasGrad'],
} as const satisfies ModuleSpec;

export class Dense implements LayerModule {
  readonly name: string;
  readonly kernels = DenseSpec.kernels;
  readonly twins = DenseSpec.twins;
  readonly params: readonly TensorInfo[];

  /** act null: the head (no activation, H = Z) */
  constructor(
    private readonly arena: GpuArena,
    private readonly L: Layer,
    private readonly act: Activation | null,
  ) {
    this.name = L.weight.name.replace(/\.weight$/, '');
    this.params = [L.weight, L.bias];
  }

  forward(rows: number, params: GPUBuffer, X: GPUBuffer, Z: GPUBuffer, H: GPUBuffer | null): Dispatch[] {
    const { arena, L } = this;
    const list = [matmul(arena, rows, L.out, L.in, MM_TRANS_B, whole(X), tensorSlice(params, L.weight), whole(Z))];
    if (this.act === null) list.push(arena.bind('addBias', { S1: arena.u32Slot([rows, L.out, 0, 0]), Xr: tensorSlice(params, L.bias), D: whole(Z) }, Math.ceil((rows * L.out) / 256)));
    else {
      if (!H) throw new Error(`${this.name}: a hidden layer needs H`);
      list.push(arena.bind('biasAct', { S0: arena.u32Slot([rows, L.out, ACT_CODE[this.act], 0]), bias: tensorSlice(params, L.bias), Z: whole(Z), H: whole(H) }, Math.ceil((rows * L.out) / 256)));
    }
    return list;
  }

  /** dZ = dH ∘ act'(Z) in place in dOut, and the bias's Σ dZ, Σ dZ² in one pass (bias_grad alone for the head) */
  delta(b: number, g: GradBuffers, Z: GPUBuffer, dOut: GPUBuffer, withSq: boolean): Dispatch {
    const { arena, L } = this;
    if (this.act !== null)
      return arena.bind(
        'actBiasGrad',
        { S3: arena.u32Slot([b, L.out, ACT_CODE[this.act], withSq ? 1 : 0]), Zg: whole(Z), Dg: whole(dOut), Gg: tensorSlice(g.grad, L.bias), SQg: tensorSlice(g.sq, L.bias) },
        Math.ceil(L.out / 64),
      );
    return arena.bind('biasGrad', { S2: arena.u32Slot([b, L.out, 0, withSq ? 1 : 0]), dZ: whole(dOut), G: tensorSlice(g.grad, L.bias), SQ: tensorSlice(g.sq, L.bias) }, Math.ceil(L.out / 64));
  }

  /** dOut holds dH on entry (dZ after); writes dX into `dX` */
  backward(b: number, g: GradBuffers, X: GPUBuffer, Z: GPUBuffer, dOut: GPUBuffer, dX: GPUBuffer, withSq: boolean): Dispatch[] {
    const { arena, L } = this;
    const list: Dispatch[] = [this.delta(b, g, Z, dOut, withSq)];
    if (withSq) list.push(matmulDual(arena, L.out, L.in, b, MM_TRANS_A, whole(dOut), whole(X), tensorSlice(g.grad, L.weight), tensorSlice(g.sq, L.weight)));
    else list.push(matmul(arena, L.out, L.in, b, MM_TRANS_A, whole(dOut), whole(X), tensorSlice(g.grad, L.weight)));
    list.push(matmul(arena, b, L.in, L.out, 0, whole(dOut), tensorSlice(g.params, L.weight), whole(dX)));
    return list;
  }
}
