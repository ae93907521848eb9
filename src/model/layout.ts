/**
 * The model: x = concat(embed[a], embed[b]); h_{l+1} = act(W_l h_l + b_l);
 * logits = head.weight h + head.bias; loss = mean cross-entropy.
 *
 * All parameters live in one flat buffer w (length P, padded): every tensor starts
 * at a multiple of 64 floats (256 bytes, WebGPU's minStorageBufferOffsetAlignment),
 * so each kernel binds exactly its tensor, and the optimizer, the gate and the
 * per-example statistics run over all of w in one dispatch. Gradients, Σg²,
 * moments and masks share the same layout.
 */
import type { Activation, RunConfig } from '../config/settings';
import { Rng } from '../util/rng';

export const ALIGN_FLOATS = 64;

/** embed N(0,1); weight/bias U(±1/√fan_in); LayerNorm gain 1 and shift 0 */
export type TensorKind = 'embed' | 'weight' | 'bias' | 'gain' | 'shift';

export interface TensorInfo {
  /** run-file name: embed, hidden.0.weight, hidden.0.bias, …, head.weight, head.bias */
  name: string;
  kind: TensorKind;
  /** row-major shape: embed [p, d]; weights [out, in]; biases [out] */
  shape: number[];
  size: number;
  /** offset in floats into the flat buffer (multiple of ALIGN_FLOATS) */
  offset: number;
  /** fan-in, for initialisation */
  fanIn: number;
}

export interface Layer {
  in: number;
  out: number;
  weight: TensorInfo;
  bias: TensorInfo;
}

export interface ModelLayout {
  arch: 'mlp';
  p: number;
  d: number;
  width: number;
  depth: number;
  act: Activation;
  embed: TensorInfo;
  /** hidden layers then the head (last entry, identity activation) */
  layers: Layer[];
  tensors: TensorInfo[];
  /** padded length of the flat buffer */
  totalSize: number;
  /** true parameter count P (without padding) */
  paramCount: number;
}

const alignUp = (n: number) => Math.ceil(n / ALIGN_FLOATS) * ALIGN_FLOATS;

/** A growing tensor table: `add` places each tensor at the next aligned offset. */
export function tensorTable() {
  const tensors: TensorInfo[] = [];
  let offset = 0;
  const add = (name: string, kind: TensorKind, shape: number[], fanIn: number): TensorInfo => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t: TensorInfo = { name, kind, shape, size, offset, fanIn };
    offset = alignUp(offset + size);
    tensors.push(t);
    return t;
  };
  return { tensors, add, totalSize: () => offset };
}

export function modelLayout(cfg: Pick<RunConfig, 'p' | 'embed' | 'width' | 'depth' | 'act'>): ModelLayout {
  const { tensors, add, totalSize } = tensorTable();
  const { p, embed: d, width, depth } = cfg;
  const embed = add('embed', 'embed', [p, d], 1);
  const layers: Layer[] = [];
  let fan = 2 * d;
  for (let l = 0; l < depth; l++) {
    const weight = add(`hidden.${l}.weight`, 'weight', [width, fan], fan);
    const bias = add(`hidden.${l}.bias`, 'bias', [width], fan);
    layers.push({ in: fan, out: width, weight, bias });
    fan = width;
  }
  const hw = add('head.weight', 'weight', [p, fan], fan);
  const hb = add('head.bias', 'bias', [p], fan);
  layers.push({ in: fan, out: p, weight: hw, bias: hb });
  return {
    arch: 'mlp',
    p,
    d,
    width,
    depth,
    act: cfg.act,
    embed,
    layers,
    tensors,
    totalSize: totalSize(),
    paramCount: tensors.reduce((a, t) => a + t.size, 0),
  };
}

/**
 * PyTorch-default scales: embedding N(0, 1); nn.Linear weight and bias
 * U(−1/√fan_in, 1/√fan_in). Drawn in float64, stored as float32, so the CPU
 * reference and the GPU start from bit-identical weights.
 */
export function initParams(layout: Pick<ModelLayout, 'tensors' | 'totalSize'>, seed: number): Float32Array {
  const w = new Float32Array(layout.totalSize);
  const rng = new Rng(seed, 'init');
  for (const t of layout.tensors) {
    const bound = 1 / Math.sqrt(t.fanIn);
    for (let i = 0; i < t.size; i++) w[t.offset + i] = t.kind === 'embed' ? rng.normal() : t.kind === 'gain' ? 1 : t.kind === 'shift' ? 0 : (2 * rng.uniform() - 1) * bound;
  }
  return w;
}

/** Copies a tensor out of a flat buffer. */
export function tensorView<T extends Float32Array | Float64Array>(flat: T, t: TensorInfo): T {
  return flat.subarray(t.offset, t.offset + t.size) as T;
}

/**
 * FLOPs of the matrix products of one plain training step at batch size b (2 per
 * multiply–add), as the GPU engine runs them and the bench reports: forward, input
 * gradient and weight gradient of every linear layer over the b rows, except the first
 * hidden layer, whose three products run over the p-row table instead (P = E·W'ᵀ,
 * dW' = Sᵀ·E, dE = S·W': src/engine/modules/embedding.ts), so over p rows.
 */
export function stepFlops(layout: ModelLayout, b: number): number {
  let f = 0;
  layout.layers.forEach((L, l) => (f += 3 * 2 * (l === 0 ? layout.p : b) * L.in * L.out));
  return f;
}
