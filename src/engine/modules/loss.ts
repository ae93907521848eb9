/**
 * The output losses, one module each; the task picks one (squared for task=regress,
 * softmax cross-entropy otherwise). Both read the network's outputs and the targets,
 * write per-example (loss_i, second slot) for the metrics, and on training rows write
 * the output gradient over the outputs, which the network's backward then reads.
 *
 * - Softmax cross-entropy over the p answers (shaders/loss.wgsl softmax_ce, twin
 *   src/reference/kernels.ts#softmaxCE): second slot correct_i, g = (softmax − onehot)/b.
 * - Squared loss over the k real outputs (shaders/loss.wgsl squared, twin
 *   src/reference/kernels.ts#squaredLoss): Φ = (1/(2b)) Σ_i ‖u_i − y_i‖², second slot
 *   ‖u_i − y_i‖²/k (the metrics turn it into the MSE per output), g = (u − y)/b.
 */
import { whole, type Dispatch, type GpuArena } from '../arena';
import type { Slice } from '../bindings';
import type { LayerModule, ModuleSpec } from './module';

export const SoftmaxCrossEntropySpec = { name: 'softmax cross-entropy', kernels: ['softmaxCE'], twins: ['src/reference/kernels.ts#softmaxCE'] } as const satisfies ModuleSpec;
export const SquaredLossSpec = { name: 'squared loss', kernels: ['squaredLoss'], twins: ['src/reference/kernels.ts#squaredLoss'] } as const satisfies ModuleSpec;

/** What the trainer needs of a loss module. */
export interface OutputLoss extends LayerModule {
  /**
   * `targets`: u32 labels (cross-entropy) or rows × k floats (squared); `scale` = 1/b
   * with `withGrad` (the mean loss's gradient), any value without.
   */
  dispatch(rows: number, targets: GPUBuffer, outputs: GPUBuffer, perEx: GPUBuffer, withGrad: boolean, scale: number): Dispatch;
}

/** the LossParams uniform both entry points read: (rows, outputs per row, flags, scale) */
function lossParams(arena: GpuArena, rows: number, k: number, withGrad: boolean, scale: number): Slice {
  const s = arena.slot();
  new Uint32Array(arena.uniformData, s, 3).set([rows, k, withGrad ? 1 : 0]);
  new Float32Array(arena.uniformData, s + 12, 1)[0] = scale;
  return { buffer: arena.uniform, offset: s, size: 16 };
}

export class SoftmaxCrossEntropy implements OutputLoss {
  readonly name = SoftmaxCrossEntropySpec.name;
  readonly kernels = SoftmaxCrossEntropySpec.kernels;
  readonly twins = SoftmaxCrossEntropySpec.twins;
  readonly params = [];

  constructor(
    private readonly arena: GpuArena,
    private readonly p: number,
  ) {}

  dispatch(rows: number, labels: GPUBuffer, logits: GPUBuffer, perEx: GPUBuffer, withGrad: boolean, scale: number): Dispatch {
    const { arena } = this;
    return arena.bind('softmaxCE', { L: lossParams(arena, rows, this.p, withGrad, scale), labels: whole(labels), Z: whole(logits), perEx: whole(perEx) }, Math.ceil(rows / 64));
  }
}

export class SquaredLoss implements OutputLoss {
  readonly name = SquaredLossSpec.name;
  readonly kernels = SquaredLossSpec.kernels;
  readonly twins = SquaredLossSpec.twins;
  readonly params = [];

  /** `k`: real outputs per example (the network's output width) */
  constructor(
    private readonly arena: GpuArena,
    private readonly k: number,
  ) {}

  dispatch(rows: number, targets: GPUBuffer, outputs: GPUBuffer, perEx: GPUBuffer, withGrad: boolean, scale: number): Dispatch {
    const { arena } = this;
    return arena.bind('squaredLoss', { S: lossParams(arena, rows, this.k, withGrad, scale), targets: whole(targets), U: whole(outputs), perExSq: whole(perEx) }, Math.ceil(rows / 64));
  }
}
