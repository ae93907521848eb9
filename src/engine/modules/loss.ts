/**
 * Softmax cross-entropy over the p answers (shaders/loss.wgsl softmax_ce, twin
 * src/reference/kernels.ts#softmaxCE): per-example (loss, correct) for the
 * metrics, and on training rows the output gradient g = (softmax − onehot)/b
 * written over the logits, which the network's backward then reads.
 */
import { whole, type Dispatch, type GpuArena } from '../arena';
import type { LayerModule, ModuleSpec } from './module';

export const SoftmaxCrossEntropySpec = { name: 'softmax cross-entropy', kernels: ['softmaxCE'], twins: ['src/reference/kernels.ts#softmaxCE'] } as const satisfies ModuleSpec;

export class SoftmaxCrossEntropy implements LayerModule {
  readonly name = SoftmaxCrossEntropySpec.name;
  readonly kernels = SoftmaxCrossEntropySpec.kernels;
  readonly twins = SoftmaxCrossEntropySpec.twins;
  readonly params = [];

  constructor(
    private readonly arena: GpuArena,
    private readonly p: number,
  ) {}

  /** `scale` = 1/b with `withGrad` (the mean loss's gradient), any value without */
  dispatch(rows: number, labels: GPUBuffer, logits: GPUBuffer, perEx: GPUBuffer, withGrad: boolean, scale: number): Dispatch {
    const { arena } = this;
    const s = arena.slot();
    new Uint32Array(arena.uniformData, s, 3).set([rows, this.p, withGrad ? 1 : 0]);
    new Float32Array(arena.uniformData, s + 12, 1)[0] = scale;
    return arena.bind('softmaxCE', { L: { buffer: arena.uniform, offset: s, size: 16 }, labels: whole(labels), Z: whole(logits), perEx: whole(perEx) }, Math.ceil(rows / 64));
  }
}
