/**
 * The whole model in plain TypeScript, composed from the kernel twins in the same
 * order the GPU engine encodes them. Float64 by default: the oracle for the
 * engine and for finite-difference checks.
 */
import type { ModelLayout } from '../model/layout';
import { actBackward, biasAct, biasGrad, buildEmbedIndex, embedGather, embedScatter, matmul, MM_SQUARE, MM_TRANS_A, MM_TRANS_B, softmaxCE, squaredLoss, type FloatArray } from './kernels';

/**
 * What the outputs are compared with: class labels (one per example; softmax
 * cross-entropy) or real-valued targets (n × p row-major; the squared loss of the
 * regress task). The same choice the engine makes between loss.wgsl's two entry points.
 */
export type Targets = Uint32Array | FloatArray;

/** The task's loss kernel: perExample gets (loss_i, correct_i or sqerr_i); G, when given, scale·∂loss_i/∂u_i. */
export function outputLoss(outputs: FloatArray, targets: Targets, n: number, k: number, scale: number, perExample: FloatArray, G: FloatArray | null): void {
  if (targets instanceof Uint32Array) softmaxCE(outputs, targets, n, k, scale, perExample, G);
  else squaredLoss(outputs, targets, n, k, scale, perExample, G);
}

export interface ForwardCache {
  n: number;
  /** inputs of each layer: X[0] = concat embeddings, X[l] = H of hidden layer l−1 */
  X: Float64Array[];
  /** pre-activations of each layer (the last one is the logits) */
  Z: Float64Array[];
  logits: Float64Array;
}

export function forward(layout: ModelLayout, w: FloatArray, tokens: Uint32Array, n: number): ForwardCache {
  const { d, layers } = layout;
  const X: Float64Array[] = [new Float64Array(n * 2 * d)];
  embedGather(w.subarray(layout.embed.offset, layout.embed.offset + layout.embed.size), tokens, X[0], n, d);
  const Z: Float64Array[] = [];
  layers.forEach((L, l) => {
    const head = l === layers.length - 1;
    const Y = new Float64Array(n * L.out);
    matmul(X[l], w.subarray(L.weight.offset, L.weight.offset + L.weight.size), Y, { M: n, N: L.out, K: L.in, flags: MM_TRANS_B });
    const z = new Float64Array(n * L.out);
    const h = new Float64Array(n * L.out);
    biasAct(Y, w.subarray(L.bias.offset, L.bias.offset + L.bias.size), z, h, n, L.out, head ? 'identity' : layout.act);
    Z.push(z);
    if (!head) X.push(h);
  });
  return { n, X, Z, logits: Z[Z.length - 1] };
}

/**
 * Back-propagates an output gradient G (n × p, any scaling) into the flat
 * gradient `grad`, and — when `sq` is given — the per-example Σ_i g_i² (in the
 * scaling of G) by squared operands.
 */
export function backward(layout: ModelLayout, w: FloatArray, tokens: Uint32Array, cache: ForwardCache, G: FloatArray, grad: Float64Array, sq: Float64Array | null): void {
  const { n, X, Z } = cache;
  const { layers, d, p } = layout;
  let dOut: FloatArray = G;
  for (let l = layers.length - 1; l >= 0; l--) {
    const L = layers[l];
    const head = l === layers.length - 1;
    const dZ = new Float64Array(n * L.out);
    actBackward(dOut, Z[l], dZ, n * L.out, head ? 'identity' : layout.act);
    const gw = grad.subarray(L.weight.offset, L.weight.offset + L.weight.size);
    matmul(dZ, X[l], gw, { M: L.out, N: L.in, K: n, flags: MM_TRANS_A });
    biasGrad(dZ, n, L.out, grad.subarray(L.bias.offset, L.bias.offset + L.bias.size), sq ? sq.subarray(L.bias.offset, L.bias.offset + L.bias.size) : null);
    if (sq) matmul(dZ, X[l], sq.subarray(L.weight.offset, L.weight.offset + L.weight.size), { M: L.out, N: L.in, K: n, flags: MM_TRANS_A | MM_SQUARE });
    const dX = new Float64Array(n * L.in);
    matmul(dZ, w.subarray(L.weight.offset, L.weight.offset + L.weight.size), dX, { M: n, N: L.in, K: L.out, flags: 0 });
    dOut = dX;
  }
  const index = buildEmbedIndex(tokens, n, p);
  const E = layout.embed;
  embedScatter(dOut, index, grad.subarray(E.offset, E.offset + E.size), sq ? sq.subarray(E.offset, E.offset + E.size) : null, p, d);
}

export interface LossGrad {
  loss: number;
  /** mean correct_i (cross-entropy) or mean squared error per output (squared loss) */
  acc: number;
  grad: Float64Array;
  /** Σ_i (g_i/b)² per parameter (present when asked for) */
  sq: Float64Array | null;
  perExample: Float64Array;
  cache: ForwardCache;
}

/** Mean loss over the n examples (cross-entropy, or ½‖u − y‖² for real targets), its gradient, optionally Σ(g_i/b)². */
export function lossAndGrad(layout: ModelLayout, w: FloatArray, tokens: Uint32Array, labels: Targets, n: number, wantSq = false): LossGrad {
  const cache = forward(layout, w, tokens, n);
  const perExample = new Float64Array(2 * n);
  const G = new Float64Array(n * layout.p);
  outputLoss(cache.logits, labels, n, layout.p, 1 / n, perExample, G);
  const grad = new Float64Array(layout.totalSize);
  const sq = wantSq ? new Float64Array(layout.totalSize) : null;
  backward(layout, w, tokens, cache, G, grad, sq);
  let loss = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    loss += perExample[2 * i];
    acc += perExample[2 * i + 1];
  }
  return { loss: loss / n, acc: acc / n, grad, sq, perExample, cache };
}

/** Mean loss only (for finite differences). */
export function lossOnly(layout: ModelLayout, w: FloatArray, tokens: Uint32Array, labels: Targets, n: number): number {
  const cache = forward(layout, w, tokens, n);
  const perExample = new Float64Array(2 * n);
  outputLoss(cache.logits, labels, n, layout.p, 1 / n, perExample, null);
  let s = 0;
  for (let i = 0; i < n; i++) s += perExample[2 * i];
  return s / n;
}
