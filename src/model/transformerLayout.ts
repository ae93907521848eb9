/**
 * The decoder-only transformer of issue 11's contract, as a parameter table in the
 * same flat, 64-float-aligned layout as the MLP (src/model/layout.ts):
 *
 *   input tokens [a, op, b, =], vocabulary V = p + 2 (op = p, '=' = p + 1);
 *   x_t = tok_embed[token_t] + pos_embed[t], t = 0..3;
 *   L pre-LN blocks: x ← x + O·MHA(LN₁(x)) (causal, H heads of size d/H, scale 1/√(d/H)),
 *                    x ← x + W₂·relu(W₁·LN₂(x)); no biases in the attention or MLP maps;
 *   logits = unembed · LN_f(x₃) over the p answers; LayerNorm ε = 1e-5, with gain and bias.
 *
 * Run-file names and shapes (out × in, row-major): tok_embed V×d, pos_embed 4×d,
 * blocks.l.ln1.weight/.bias d, blocks.l.attn.{q,k,v,o}.weight d×d (q/k/v rows grouped by
 * head), blocks.l.ln2.weight/.bias d, blocks.l.mlp.fc1.weight F×d, blocks.l.mlp.fc2.weight
 * d×F, ln_f.weight/.bias d, unembed.weight p×d.
 */
import { tensorTable, type TensorInfo } from './layout';

/** positions per example: a, op, b, = */
export const SEQ = 4;
export const LN_EPS = 1e-5;

export interface TransformerShape {
  p: number;
  /** model width d */
  dmodel: number;
  /** H; d must be a multiple of H */
  heads: number;
  /** MLP width F */
  ffn: number;
  /** L */
  layers: number;
}

export interface BlockTensors {
  ln1w: TensorInfo;
  ln1b: TensorInfo;
  q: TensorInfo;
  k: TensorInfo;
  v: TensorInfo;
  o: TensorInfo;
  ln2w: TensorInfo;
  ln2b: TensorInfo;
  fc1: TensorInfo;
  fc2: TensorInfo;
}

export interface TransformerLayout {
  arch: 'transformer';
  p: number;
  /** vocabulary p + 2 */
  V: number;
  d: number;
  heads: number;
  /** head size d/H */
  dh: number;
  ffn: number;
  layers: number;
  tokEmbed: TensorInfo;
  posEmbed: TensorInfo;
  blocks: BlockTensors[];
  lnfW: TensorInfo;
  lnfB: TensorInfo;
  unembed: TensorInfo;
  tensors: TensorInfo[];
  totalSize: number;
  paramCount: number;
}

export function transformerLayout(s: TransformerShape): TransformerLayout {
  const { p, dmodel: d, heads, ffn: F, layers } = s;
  if (!(heads >= 1 && d % heads === 0)) throw new Error(`dmodel=${d} must be a multiple of heads=${heads}`);
  const { tensors, add, totalSize } = tensorTable();
  const V = p + 2;
  const tokEmbed = add('tok_embed', 'embed', [V, d], 1);
  const posEmbed = add('pos_embed', 'embed', [SEQ, d], 1);
  const blocks: BlockTensors[] = [];
  for (let l = 0; l < layers; l++) {
    const pre = `blocks.${l}`;
    blocks.push({
      ln1w: add(`${pre}.ln1.weight`, 'gain', [d], d),
      ln1b: add(`${pre}.ln1.bias`, 'shift', [d], d),
      q: add(`${pre}.attn.q.weight`, 'weight', [d, d], d),
      k: add(`${pre}.attn.k.weight`, 'weight', [d, d], d),
      v: add(`${pre}.attn.v.weight`, 'weight', [d, d], d),
      o: add(`${pre}.attn.o.weight`, 'weight', [d, d], d),
      ln2w: add(`${pre}.ln2.weight`, 'gain', [d], d),
      ln2b: add(`${pre}.ln2.bias`, 'shift', [d], d),
      fc1: add(`${pre}.mlp.fc1.weight`, 'weight', [F, d], d),
      fc2: add(`${pre}.mlp.fc2.weight`, 'weight', [d, F], F),
    });
  }
  const lnfW = add('ln_f.weight', 'gain', [d], d);
  const lnfB = add('ln_f.bias', 'shift', [d], d);
  const unembed = add('unembed.weight', 'weight', [p, d], d);
  return {
    arch: 'transformer',
    p,
    V,
    d,
    heads,
    dh: d / heads,
    ffn: F,
    layers,
    tokEmbed,
    posEmbed,
    blocks,
    lnfW,
    lnfB,
    unembed,
    tensors,
    totalSize: totalSize(),
    paramCount: tensors.reduce((a, t) => a + t.size, 0),
  };
}

/** The sequence [a, op, b, =] of each (a, b) pair: 4 tokens per example. */
export function sequenceTokens(pairs: Uint32Array, n: number, p: number, out: Uint32Array = new Uint32Array(SEQ * n)): Uint32Array {
  for (let i = 0; i < n; i++) {
    out[SEQ * i] = pairs[2 * i];
    out[SEQ * i + 1] = p;
    out[SEQ * i + 2] = pairs[2 * i + 1];
    out[SEQ * i + 3] = p + 1;
  }
  return out;
}
