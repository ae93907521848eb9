/**
 * shaders/transformer.wgsl against its float64 twins (src/reference/transformer.ts) on
 * random float32 inputs, with per-example Σg² (cross-position terms) included.
 *
 * Tolerances: every output is a short float32 computation — sums of at most d·dh or
 * n·S products (≤ 64 terms here), a LayerNorm (mean, variance, 1/√ of O(1) values) or a
 * 4-way softmax — whose rounding error is a few tens of u = 2⁻²⁴ ≈ 6e-8 relative to the
 * magnitudes summed. Inputs are O(1), so an absolute bound of 2e-5 plus 2e-5 relative
 * leaves ≥ 10× headroom while a wrong index, a dropped 1/√dh or a missing cross term
 * (all O(0.1–1) changes) fails by orders of magnitude.
 */
import { describe, expect, it } from 'vitest';
import { BINDINGS } from '../src/engine/bindings';
import type { KernelName } from '../src/engine/pipelines';
import { buildSequenceIndex } from '../src/model/rules';
import { SEQ } from '../src/model/transformerLayout';
import { causalAttention, causalAttentionBackward, layerNorm, layerNormBackward, lnParamGrad, seqEmbedGather, seqWeightGrad, tokScatter } from '../src/reference/transformer';
import { Rng } from '../src/util/rng';
import { expectClose, runKernel, u32s, type Binding } from './gpu';

const ATOL = 2e-5;
const RTOL = 2e-5;

function rand(n: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * scale);
}
const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

/** runKernel with resources named as in BINDINGS */
async function run<K extends KernelName>(kernel: K, named: Partial<Record<keyof (typeof BINDINGS)[K], Binding>>, x: number, y = 1): Promise<Record<string, Float32Array>> {
  const table = BINDINGS[kernel] as Record<string, number>;
  const byNumber: Record<number, Binding> = {};
  for (const [name, b] of Object.entries(named) as [string, Binding][]) byNumber[table[name]] = b;
  const out = await runKernel(kernel, byNumber, x, y);
  const res: Record<string, Float32Array> = {};
  for (const [name, n] of Object.entries(table)) if (out[n]) res[name] = out[n];
  return res;
}

describe('transformer.wgsl vs twins', () => {
  const rng = new Rng(7, 'transformer kernels');

  it('seq_gather and tok_scatter (with per-example Σg², repeated tokens)', async () => {
    const V = 9;
    const d = 6;
    const n = 5;
    const rows = n * SEQ;
    const tokens = Uint32Array.from({ length: rows }, (_, r) => (r % SEQ === 1 ? 7 : r % SEQ === 3 ? 8 : rng.int(7)));
    tokens[0] = tokens[2]; // a = b in example 0: one row at two positions
    const E = rand(V * d, rng);
    const P = rand(SEQ * d, rng);
    const g = await run('seqGather', { SG: u32s([rows, d, SEQ, 0]), tokE: { data: E }, posE: { data: P }, tokS: { data: tokens }, Xs: { size: rows * d } }, Math.ceil((rows * d) / 256));
    const X = new Float64Array(rows * d);
    seqEmbedGather(f64(E), f64(P), tokens, X, rows, d);
    expectClose(g.Xs, X, ATOL, RTOL, 'seq_gather');

    const dX = rand(rows * d, rng);
    const index = buildSequenceIndex(tokens, n, SEQ, V);
    const s = await run(
      'tokScatter',
      { TS: u32s([V, d, SEQ, 1]), dXt: { data: dX }, rowStartT: { data: index.rowStart }, entriesT: { data: index.entries }, dEt: { size: V * d }, SQt: { size: V * d } },
      Math.ceil((V * d) / 256),
    );
    const dE = new Float64Array(V * d);
    const sq = new Float64Array(V * d);
    tokScatter(f64(dX), index, dE, sq, V, d);
    expectClose(s.dEt, dE, ATOL, RTOL, 'tok_scatter dE');
    expectClose(s.SQt, sq, ATOL, RTOL, 'tok_scatter Σg²');
    // the twin itself against explicit per-example gradients of the embedding rows
    const explicit = new Float64Array(V * d);
    for (let i = 0; i < n; i++) {
      const gi = new Float64Array(V * d);
      for (let t = 0; t < SEQ; t++) for (let j = 0; j < d; j++) gi[tokens[i * SEQ + t] * d + j] += dX[(i * SEQ + t) * d + j];
      for (let k = 0; k < gi.length; k++) explicit[k] += gi[k] * gi[k];
    }
    expectClose(sq, explicit, 1e-12, 1e-12, 'tokScatter twin vs explicit');
  });

  for (const stride of [1, SEQ])
    it(`layer_norm and layer_norm_back (stride ${stride})`, async () => {
      const rows = 7;
      const d = 12;
      const X = rand(rows * stride * d, rng, 2);
      const gm = rand(d, rng);
      const bt = rand(d, rng);
      const f = await run(
        'layerNorm',
        { LN: u32s([rows, d, stride, 0]), Xln: { data: X }, gLn: { data: gm }, bLn: { data: bt }, Yln: { size: rows * d }, XH: { size: rows * d }, RS: { size: rows } },
        1,
      );
      const Xin = new Float64Array(rows * d);
      for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) Xin[r * d + j] = X[(r * stride + stride - 1) * d + j];
      const Y = new Float64Array(rows * d);
      const xh = new Float64Array(rows * d);
      const rs = new Float64Array(rows);
      layerNorm(Xin, rows, d, f64(gm), f64(bt), Y, xh, rs);
      expectClose(f.Yln, Y, ATOL, RTOL, 'layer_norm Y');
      expectClose(f.XH, xh, ATOL, RTOL, 'layer_norm x̂');
      expectClose(f.RS, rs, ATOL, RTOL, 'layer_norm 1/σ');

      const dY = rand(rows * d, rng);
      for (const acc of [0, 1]) {
        const dX0 = rand(rows * stride * d, rng);
        const b = await run(
          'layerNormBack',
          { LB: u32s([rows, d, stride, acc]), dYb: { data: dY }, XHb: { data: Float32Array.from(xh) }, RSb: { data: Float32Array.from(rs) }, gB: { data: gm }, dXb: { data: dX0 } },
          1,
        );
        const dXc = new Float64Array(rows * d);
        layerNormBackward(f64(dY), xh, rs, f64(gm), rows, d, dXc, new Float64Array(d), new Float64Array(d), false);
        const want = new Float64Array(rows * stride * d);
        for (let r = 0; r < rows * stride; r++)
          for (let j = 0; j < d; j++) {
            const last = r % stride === stride - 1;
            const v = last ? dXc[Math.floor(r / stride) * d + j] : 0;
            want[r * d + j] = acc ? dX0[r * d + j] + v : v;
          }
        expectClose(b.dXb, want, ATOL, RTOL, `layer_norm_back dX (accumulate ${acc})`);
      }
    });

  it('ln_param_grad with per-example Σg² over positions', async () => {
    const n = 6;
    const d = 10;
    const dY = rand(n * SEQ * d, rng);
    const xh = rand(n * SEQ * d, rng, 2);
    const r = await run('lnParamGrad', { LP: u32s([n, d, SEQ, 1]), dYp: { data: dY }, XHp: { data: xh }, Gg: { size: d }, Gb: { size: d }, SQg: { size: d }, SQb: { size: d } }, 1);
    const [dg, db, qg, qb] = [0, 1, 2, 3].map(() => new Float64Array(d));
    lnParamGrad(f64(dY), f64(xh), n, d, SEQ, dg, db, qg, qb);
    expectClose(r.Gg, dg, ATOL, RTOL, 'dγ');
    expectClose(r.Gb, db, ATOL, RTOL, 'dβ');
    expectClose(r.SQg, qg, ATOL, RTOL, 'Σ dγ_i²');
    expectClose(r.SQb, qb, ATOL, RTOL, 'Σ dβ_i²');
    // with one position per example there are no cross terms: Σ dβ_i² = Σ_r dY_r²
    const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
    expect(Math.abs(sum(qb) - Array.from(dY).reduce((s, v) => s + v * v, 0))).toBeGreaterThan(1e-3);
  });

  for (const [H, dh] of [
    [1, 8],
    [2, 4],
    [4, 3],
  ])
    it(`attention and attention_back (H=${H}, dh=${dh})`, async () => {
      const n = 5;
      const d = H * dh;
      const rows = n * SEQ;
      const [Q, K, V, dO] = [0, 1, 2, 3].map(() => rand(rows * d, rng, 1.5));
      const f = await run(
        'attention',
        { AT: u32s([n, H, dh, SEQ]), Qa: { data: Q }, Ka: { data: K }, Va: { data: V }, Aa: { size: n * H * SEQ * SEQ }, Oa: { size: rows * d } },
        Math.ceil((n * H * SEQ) / 64),
      );
      const A = new Float64Array(n * H * SEQ * SEQ);
      const O = new Float64Array(rows * d);
      causalAttention(f64(Q), f64(K), f64(V), n, H, dh, A, O);
      expectClose(f.Aa, A, ATOL, RTOL, 'attention A');
      expectClose(f.Oa, O, ATOL, RTOL, 'attention O');
      const b = await run(
        'attentionBack',
        {
          AB: u32s([n, H, dh, SEQ]),
          dOb: { data: dO },
          Qb: { data: Q },
          Kb: { data: K },
          Vb: { data: V },
          Ab: { data: Float32Array.from(A) },
          dQb: { data: rand(rows * d, rng) },
          dKb: { data: rand(rows * d, rng) },
          dVb: { data: rand(rows * d, rng) },
        },
        Math.ceil((n * H) / 64),
      );
      const [dQ, dK, dV] = [0, 1, 2].map(() => new Float64Array(rows * d));
      causalAttentionBackward(f64(dO), f64(Q), f64(K), f64(V), A, n, H, dh, dQ, dK, dV);
      expectClose(b.dQb, dQ, ATOL, RTOL, 'dQ');
      expectClose(b.dKb, dK, ATOL, RTOL, 'dK');
      expectClose(b.dVb, dV, ATOL, RTOL, 'dV');
    });

  it('seq_weight_grad: Σ_i g_i and Σ_i g_i² with cross-position terms, against explicit per-example gradients', async () => {
    const n = 7;
    const M = 9;
    const N = 13;
    const dY = rand(n * SEQ * M, rng);
    const X = rand(n * SEQ * N, rng);
    const r = await run('seqWeightGrad', { WG: u32s([M, N, n, SEQ]), dYw: { data: dY }, Xw: { data: X }, Gw: { size: M * N }, SQw: { size: M * N } }, Math.ceil(N / 16), Math.ceil(M / 16));
    const G = new Float64Array(M * N);
    const SQ = new Float64Array(M * N);
    seqWeightGrad(f64(dY), f64(X), M, N, n, SEQ, G, SQ);
    expectClose(r.Gw, G, ATOL, RTOL, 'dW');
    expectClose(r.SQw, SQ, ATOL, RTOL, 'Σ g_i²');
    // several 16×16 tiles in both directions, edges not multiples of the 4×4 register block
    {
      const [M2, N2, n2] = [37, 18, 5];
      const dY2 = rand(n2 * SEQ * M2, rng);
      const X2 = rand(n2 * SEQ * N2, rng);
      const r2 = await run(
        'seqWeightGrad',
        { WG: u32s([M2, N2, n2, SEQ]), dYw: { data: dY2 }, Xw: { data: X2 }, Gw: { size: M2 * N2 }, SQw: { size: M2 * N2 } },
        Math.ceil(N2 / 16),
        Math.ceil(M2 / 16),
      );
      const G2 = new Float64Array(M2 * N2);
      const SQ2 = new Float64Array(M2 * N2);
      seqWeightGrad(f64(dY2), f64(X2), M2, N2, n2, SEQ, G2, SQ2);
      expectClose(r2.Gw, G2, ATOL, RTOL, 'dW (37×18)');
      expectClose(r2.SQw, SQ2, ATOL, RTOL, 'Σ g_i² (37×18)');
    }
    // explicit: g_i = δ_iᵀ x_i (S × M by S × N), squared elementwise
    const explicit = new Float64Array(M * N);
    let squaredOperand = 0;
    for (let i = 0; i < n; i++)
      for (let o = 0; o < M; o++)
        for (let k = 0; k < N; k++) {
          let g = 0;
          for (let t = 0; t < SEQ; t++) {
            const a = dY[(i * SEQ + t) * M + o] * X[(i * SEQ + t) * N + k];
            g += a;
            squaredOperand += a * a;
          }
          explicit[o * N + k] += g * g;
        }
    expectClose(SQ, explicit, 1e-12, 1e-12, 'twin vs explicit');
    // the squared-operand shortcut (no cross terms) would be a different number
    expect(Math.abs(explicit.reduce((s, v) => s + v, 0) - squaredOperand)).toBeGreaterThan(0.1);
  });
});
