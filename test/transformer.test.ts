/**
 * The float64 transformer twin (src/reference/transformer.ts): its forward against a
 * second, written-out implementation of the contract (one example, plain loops, no
 * shared helpers); its gradient against central finite differences; its batch gradient
 * against the sum of explicit per-example gradients, whose squares are Σg².
 */
import { describe, expect, it } from 'vitest';
import { initParams } from '../src/model/layout';
import { LN_EPS, SEQ, sequenceTokens, transformerLayout, type TransformerLayout } from '../src/model/transformerLayout';
import { transformerForward, transformerLoss, transformerLossAndGrad } from '../src/reference/transformer';
import { Rng } from '../src/util/rng';
import { expectCentralDifferences } from './gradcheck';

/** logits of one sequence, straight from the contract's formulas */
function directLogits(lay: TransformerLayout, w: Float64Array, seq: number[]): number[] {
  const { d, dh, heads: H, ffn: F, p } = lay;
  const at = (t: { offset: number }, k: number) => w[t.offset + k];
  const ln = (x: number[], gw: { offset: number }, gb: { offset: number }) => {
    const mu = x.reduce((a, b) => a + b, 0) / d;
    const v = x.reduce((a, b) => a + (b - mu) ** 2, 0) / d;
    return x.map((xi, j) => ((xi - mu) / Math.sqrt(v + LN_EPS)) * at(gw, j) + at(gb, j));
  };
  const mv = (W: { offset: number }, x: number[], rows: number) => Array.from({ length: rows }, (_, r) => x.reduce((s, xj, j) => s + at(W, r * x.length + j) * xj, 0));
  let x = seq.map((tok, t) => Array.from({ length: d }, (_, j) => at(lay.tokEmbed, tok * d + j) + at(lay.posEmbed, t * d + j)));
  for (const B of lay.blocks) {
    const h = x.map((xt) => ln(xt, B.ln1w, B.ln1b));
    const q = h.map((ht) => mv(B.q, ht, d));
    const k = h.map((ht) => mv(B.k, ht, d));
    const v = h.map((ht) => mv(B.v, ht, d));
    const o = x.map((_, t) => {
      const out = new Array<number>(d).fill(0);
      for (let hd = 0; hd < H; hd++) {
        const cols = Array.from({ length: dh }, (_, c) => hd * dh + c);
        const s = Array.from({ length: t + 1 }, (_, u) => cols.reduce((a, c) => a + q[t][c] * k[u][c], 0) / Math.sqrt(dh));
        const mx = Math.max(...s);
        const e = s.map((si) => Math.exp(si - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let u = 0; u <= t; u++) for (const c of cols) out[c] += (e[u] / z) * v[u][c];
      }
      return out;
    });
    x = x.map((xt, t) => {
      const y = mv(B.o, o[t], d);
      return xt.map((xi, j) => xi + y[j]);
    });
    x = x.map((xt) => {
      const r = mv(B.fc1, ln(xt, B.ln2w, B.ln2b), F).map((u) => Math.max(u, 0));
      const y = mv(B.fc2, r, d);
      return xt.map((xi, j) => xi + y[j]);
    });
  }
  return mv(lay.unembed, ln(x[SEQ - 1], lay.lnfW, lay.lnfB), p);
}

function setup(layers: number, seed: number) {
  const lay = transformerLayout({ p: 5, dmodel: 8, heads: 2, ffn: 12, layers });
  const w = Float64Array.from(initParams(lay, seed));
  // move the LayerNorm gains and shifts off (1, 0) so their gradients are generic
  const rng = new Rng(seed, 'perturb');
  for (const t of lay.tensors) if (t.kind === 'gain' || t.kind === 'shift') for (let k = 0; k < t.size; k++) w[t.offset + k] += 0.3 * rng.normal();
  const n = 4;
  const pairs = Uint32Array.from({ length: 2 * n }, () => rng.int(5));
  const tokens = sequenceTokens(pairs, n, 5);
  const labels = Uint32Array.from({ length: n }, () => rng.int(5));
  return { lay, w, n, tokens, labels };
}

describe('transformer twin', () => {
  it('layout follows the contract: names, shapes, V = p + 2', () => {
    const lay = transformerLayout({ p: 7, dmodel: 8, heads: 2, ffn: 16, layers: 2 });
    const names = lay.tensors.map((t) => `${t.name}:${t.shape.join('x')}`);
    expect(names).toEqual([
      'tok_embed:9x8',
      'pos_embed:4x8',
      ...[0, 1].flatMap((l) => [
        `blocks.${l}.ln1.weight:8`,
        `blocks.${l}.ln1.bias:8`,
        `blocks.${l}.attn.q.weight:8x8`,
        `blocks.${l}.attn.k.weight:8x8`,
        `blocks.${l}.attn.v.weight:8x8`,
        `blocks.${l}.attn.o.weight:8x8`,
        `blocks.${l}.ln2.weight:8`,
        `blocks.${l}.ln2.bias:8`,
        `blocks.${l}.mlp.fc1.weight:16x8`,
        `blocks.${l}.mlp.fc2.weight:8x16`,
      ]),
      'ln_f.weight:8',
      'ln_f.bias:8',
      'unembed.weight:7x8',
    ]);
    expect(() => transformerLayout({ p: 7, dmodel: 10, heads: 4, ffn: 16, layers: 1 })).toThrow(/multiple of heads/);
  });

  for (const layers of [1, 2])
    it(`forward matches the written-out contract (L=${layers})`, () => {
      const { lay, w, n, tokens } = setup(layers, 11 + layers);
      const { logits } = transformerForward(lay, w, tokens, n);
      for (let i = 0; i < n; i++) {
        const want = directLogits(lay, w, Array.from(tokens.subarray(SEQ * i, SEQ * i + SEQ)));
        // two float64 evaluations of the same sums in different orders: agreement to ~1e-12
        for (let c = 0; c < lay.p; c++) expect(Math.abs(logits[i * lay.p + c] - want[c])).toBeLessThan(1e-10);
      }
    });

  for (const layers of [1, 2])
    it(`gradient matches central finite differences on every parameter (L=${layers})`, () => {
      const { lay, w, n, tokens, labels } = setup(layers, layers);
      const { grad } = transformerLossAndGrad(lay, w, tokens, labels, n);
      expectCentralDifferences(lay, w, grad, () => transformerLoss(lay, w, tokens, labels, n), 0.95);
    });

  it('batch gradient = Σ of explicit per-example gradients; Σg² is their squares', () => {
    const { lay, w, n, tokens, labels } = setup(2, 5);
    const batch = transformerLossAndGrad(lay, w, tokens, labels, n);
    const per = transformerLossAndGrad(lay, w, tokens, labels, n, true);
    expect(Math.abs(batch.loss - per.loss)).toBeLessThan(1e-12);
    for (let k = 0; k < lay.totalSize; k++) expect(Math.abs(batch.grad[k] - per.grad[k])).toBeLessThan(1e-12 + 1e-9 * Math.abs(batch.grad[k]));
    // Σg² from one-example runs built here independently
    const sq = new Float64Array(lay.totalSize);
    for (let i = 0; i < n; i++) {
      const g = transformerLossAndGrad(lay, w, tokens.subarray(SEQ * i, SEQ * i + SEQ), labels.subarray(i, i + 1), 1).grad;
      for (let k = 0; k < sq.length; k++) sq[k] += (g[k] / n) ** 2;
    }
    let nonzero = 0;
    for (let k = 0; k < sq.length; k++) {
      expect(Math.abs(per.sq![k] - sq[k])).toBeLessThan(1e-15 + 1e-9 * sq[k]);
      if (sq[k] > 0) nonzero++;
    }
    expect(nonzero).toBeGreaterThan(0.9 * lay.paramCount - lay.V * lay.d); // unused token rows have zero gradient
  });
});
