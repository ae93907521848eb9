/**
 * What the trainer needs from a model composed of layer modules: its modules, a
 * forward over any number of rows into one logits buffer, a backward over the
 * training batch (from the output gradient the loss wrote over the logits), and
 * the host-side work each new batch needs.
 */
import type { Dispatch } from '../arena';
import type { LayerModule } from './module';

export interface GpuNetwork {
  readonly modules: readonly LayerModule[];
  /** rows × p, the logits of the last forward (the loss's gradient overwrites it) */
  readonly logits: GPUBuffer;
  /** tokens per example in the buffers the forward reads (MLP: a, b; transformer: a, op, b, =) */
  readonly tokensPerExample: number;
  /** the network's tokens of n (a, b) pairs */
  encodeTokens(pairs: Uint32Array, n: number, out: Uint32Array): Uint32Array;
  /** forward over `rows` examples whose tokens are in `tokens` */
  forward(rows: number, tokens: GPUBuffer): Dispatch[];
  /** backward over the b training rows; `withSq` adds the per-example Σ(g_i/b)² pass */
  backward(withSq: boolean): Dispatch[];
  /** host-side preparation of a new training batch (its encoded tokens) */
  prepareBatch(tokens: Uint32Array): void;
}
