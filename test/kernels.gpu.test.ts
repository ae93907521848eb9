/**
 * Every WGSL kernel against its TypeScript twin (src/reference/kernels.ts,
 * optimizer.ts) on random inputs, including awkward shapes: 1, tile−1, tile+1
 * and primes (the matmul tile is 32×32 with 4×4 register blocks).
 */
import { describe, expect, it } from 'vitest';
import * as ref from '../src/reference/kernels';
import { MM_ACCUMULATE, MM_SQUARE, MM_TRANS_A, MM_TRANS_B } from '../src/reference/kernels';
import { Rng } from '../src/util/rng';
import { GENERAL_VARIANTS, variantApplies, variantFor, type MatmulShape } from '../src/engine/modules/matmul';
import type { KernelName } from '../src/engine/pipelines';
import { BINDINGS } from '../src/engine/bindings';
import { expectClose, gpu, runKernel, u32s } from './gpu';

const U = 2 ** -24; // float32 unit roundoff

function rand(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * rng.uniform() - 1) * scale;
  return a;
}

/**
 * A sum of K float32 products has error ≤ (K + 2)·u·Σ|a_k b_k| (standard bound for
 * recursive summation, one rounding per product and per add); checked per element.
 */
function expectWithinSumBound(actual: Float32Array, expected: Float64Array, absSum: Float64Array, K: number, what: string) {
  for (let i = 0; i < expected.length; i++) {
    const tol = (K + 2) * U * absSum[i] + 1e-30;
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) throw new Error(`${what}: element ${i}: got ${actual[i]}, expected ${expected[i]}, bound ${tol}`);
  }
}

describe('GPU adapter', () => {
  it('is a real WebGPU adapter (the suite fails, not skips, without one)', async () => {
    const { ctx } = await gpu();
    expect(ctx.adapterName.length).toBeGreaterThan(0);
    console.log(`GPU tests run on: ${ctx.adapterName}`);
  });
});

/** the binding numbers of A and B: 1, 2 for the scalar kernels, 5, 6 (A4, B4) for the vec4 forms */
function operandSlots(kernel: KernelName): [number, number] {
  const t = BINDINGS[kernel] as Record<string, number>;
  return 'A4' in t ? [t.A4, t.B4] : [t.A, t.B];
}

/** one matmul kernel on C (+)= op(A)·op(B) against the twin, within the summation bound (K + 1 roundings) */
async function checkPlain(kernel: KernelName, M: number, N: number, K: number, flags: number, stream: string): Promise<void> {
  const rng = new Rng(M * 1000 + N * 10 + K, stream);
  const A = rand(M * K, rng);
  const B = rand(K * N, rng);
  const C0 = rand(M * N, rng);
  const expected = Float64Array.from(C0);
  ref.matmul(A, B, expected, { M, N, K, flags });
  const absSum = Float64Array.from(C0, Math.abs);
  ref.matmul(Float64Array.from(A, Math.abs), Float64Array.from(B, Math.abs), absSum, { M, N, K, flags: flags | MM_ACCUMULATE });
  const [a, b] = operandSlots(kernel);
  const out = await runKernel(kernel, { 0: u32s([M, N, K, flags]), [a]: { data: A }, [b]: { data: B }, 3: { data: C0 } }, Math.ceil(N / 32), Math.ceil(M / 32));
  expectWithinSumBound(out[3], expected, absSum, K + 1, 'C');
}

/** a dual kernel (weight gradient C and its Σg² C2 = op(A∘A)·op(B∘B) in one pass) against the twin */
async function checkDual(dual: KernelName, M: number, N: number, K: number, flags: number): Promise<void> {
  const rng = new Rng(M + N + K, `dual${flags}`);
  const A = rand(M * K, rng);
  const B = rand(K * N, rng);
  const C0 = rand(M * N, rng);
  const out: Float64Array[] = [];
  const sums: Float64Array[] = [];
  for (const sq of [0, MM_SQUARE]) {
    const e = Float64Array.from(C0);
    ref.matmul(A, B, e, { M, N, K, flags: flags | sq });
    out.push(e);
    const abs = Float64Array.from(C0, Math.abs);
    ref.matmul(Float64Array.from(A, Math.abs), Float64Array.from(B, Math.abs), abs, { M, N, K, flags: flags | sq | MM_ACCUMULATE });
    sums.push(abs);
  }
  const [a, b] = operandSlots(dual);
  const o = await runKernel(dual, { 0: u32s([M, N, K, flags]), [a]: { data: A }, [b]: { data: B }, 3: { data: C0 }, 4: { data: C0 } }, Math.ceil(N / 32), Math.ceil(M / 32));
  expectWithinSumBound(o[3], out[0], sums[0], K + 1, 'C');
  // a², b² add one rounding each before the product: K + 3
  expectWithinSumBound(o[4], out[1], sums[1], K + 3, 'C2');
}

// the vec4 forms (shaders/matmul.wgsl kvec, outer4, bvec and their 8×8-block twins kvec8,
// outer8, bvec8; operands bound again as A4, B4), each on the products it applies to,
// against the twin. The shapes cross the 32×32 tile and leave partial 4- and 8-wide
// blocks (M, N ≡ 1..7 mod 8), so a wrong clamp or quadrant offset shows.
const VEC4_FORMS = [
  {
    kernels: [
      ['matmulKvec', 'kvec'],
      ['matmulKvec8', 'kvec8'],
    ],
    flags: [MM_TRANS_B, MM_TRANS_B | MM_ACCUMULATE],
    shapes: [
      [1, 1, 4],
      [31, 33, 8],
      [33, 31, 64],
      [13, 37, 4],
      [70, 3, 128],
      [65, 66, 68],
    ],
  },
  {
    kernels: [
      ['matmulOuter4', 'outer4'],
      ['matmulOuter8', 'outer8'],
    ],
    flags: [MM_TRANS_A, MM_TRANS_A | MM_ACCUMULATE],
    shapes: [
      [4, 4, 1],
      [32, 36, 7],
      [8, 64, 129],
      [68, 12, 70],
      [44, 100, 5],
    ],
  },
  {
    kernels: [
      ['matmulBvec', 'bvec'],
      ['matmulBvec8', 'bvec8'],
    ],
    flags: [0, MM_ACCUMULATE],
    shapes: [
      [1, 4, 4],
      [31, 36, 8],
      [70, 4, 64],
      [65, 68, 12],
      [13, 100, 16],
    ],
  },
] as const;
for (const form of VEC4_FORMS)
  for (const [kernel, variant] of form.kernels)
    describe(`${kernel} (vec4 loads, ${variant})`, () => {
      for (const [M, N, K] of form.shapes)
        for (const flags of form.flags)
          it(`M=${M} N=${N} K=${K} flags=${flags}`, async () => {
            expect(variantApplies(variant, { M, N, K, flags })).toBe(true);
            // the same K + 1 roundings bound as the scalar loop (sums of 4 products are formed in another order)
            await checkPlain(kernel, M, N, K, flags, `${variant}${flags}`);
          });
    });

for (const dual of ['matmulOuter4Dual', 'matmulOuter8Dual'] as const)
  describe(`${dual} (weight gradient + Σg² in one pass, vec4)`, () => {
    for (const [M, N, K] of [
      [4, 4, 1],
      [32, 36, 7],
      [64, 68, 129],
      [44, 12, 9],
    ] as [number, number, number][])
      for (const flags of [MM_TRANS_A, MM_TRANS_A | MM_ACCUMULATE]) it(`M=${M} N=${N} K=${K} flags=${flags}`, () => checkDual(dual, M, N, K, flags));
  });

describe('which products the vec4 forms serve', () => {
  it('never where they would be wrong, and a stale plan naming them falls back to block4', () => {
    expect(variantApplies('kvec', { M: 8, N: 8, K: 6, flags: MM_TRANS_B })).toBe(false);
    expect(variantApplies('kvec', { M: 8, N: 8, K: 8, flags: MM_TRANS_A })).toBe(false);
    expect(variantApplies('kvec', { M: 8, N: 8, K: 8, flags: MM_TRANS_B | MM_SQUARE })).toBe(false);
    expect(variantApplies('kvec', { M: 8, N: 8, K: 8, flags: 0 })).toBe(false);
    expect(variantApplies('outer4', { M: 6, N: 8, K: 8, flags: MM_TRANS_A })).toBe(false);
    expect(variantApplies('outer4', { M: 8, N: 6, K: 8, flags: MM_TRANS_A })).toBe(false);
    expect(variantApplies('outer4', { M: 8, N: 8, K: 8, flags: MM_TRANS_A | MM_SQUARE })).toBe(false);
    expect(variantApplies('outer4', { M: 8, N: 8, K: 8, flags: MM_TRANS_B })).toBe(false);
    expect(variantApplies('bvec', { M: 8, N: 8, K: 23, flags: 0 })).toBe(false);
    expect(variantApplies('bvec', { M: 8, N: 6, K: 8, flags: 0 })).toBe(false);
    expect(variantApplies('bvec', { M: 8, N: 8, K: 8, flags: MM_TRANS_B })).toBe(false);
    expect(variantFor({ choice: { '8x8x6/2': 'kvec' }, fallback: 'kvec' }, { M: 8, N: 8, K: 6, flags: MM_TRANS_B })).toBe('block4');
    // the wide forms serve exactly what their 4×4 twins serve
    const cases: MatmulShape[] = [];
    for (const [M, N, K] of [
      [8, 8, 8],
      [6, 8, 8],
      [8, 6, 8],
      [8, 8, 6],
      [8, 8, 23],
    ])
      for (const flags of [0, MM_TRANS_A, MM_TRANS_B, MM_TRANS_B | MM_ACCUMULATE, MM_TRANS_A | MM_SQUARE]) cases.push({ M, N, K, flags });
    for (const [narrow, wide] of [
      ['kvec', 'kvec8'],
      ['outer4', 'outer8'],
      ['bvec', 'bvec8'],
    ] as const)
      for (const c of cases) expect(variantApplies(wide, c)).toBe(variantApplies(narrow, c));
    // the general kernels serve every product (the autotuner hands them untimed products of any form)
    for (const g of GENERAL_VARIANTS) for (const c of cases) expect(variantApplies(g, c)).toBe(true);
  });
});

// every kept matmul variant (src/engine/autotune.ts) answers to the same reference
for (const [kernel, dual] of [
  ['matmul', 'matmulDual'],
  ['matmulTiled', 'matmulTiledDual'],
  ['matmulBlock8', 'matmulBlock8Dual'],
] as const) {
  describe(`${kernel}`, () => {
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [31, 33, 7],
      [33, 31, 64],
      [32, 32, 32],
      [13, 37, 5],
      [4, 97, 1],
      [70, 3, 129],
      [65, 66, 70],
      [44, 12, 3],
    ];
    const flagSets = [MM_TRANS_B, 0, MM_TRANS_A, MM_TRANS_A | MM_SQUARE, MM_TRANS_B | MM_ACCUMULATE];
    for (const [M, N, K] of shapes) for (const flags of flagSets) it(`M=${M} N=${N} K=${K} flags=${flags}`, () => checkPlain(kernel, M, N, K, flags, `mm${flags}`));
  });

  describe(`${dual} (weight gradient + Σg² in one pass)`, () => {
    for (const [M, N, K] of [
      [1, 1, 1],
      [31, 33, 7],
      [64, 70, 129],
    ] as [number, number, number][])
      for (const flags of [MM_TRANS_A, MM_TRANS_A | MM_ACCUMULATE]) it(`M=${M} N=${N} K=${K} flags=${flags}`, () => checkDual(dual, M, N, K, flags));
  });
}

describe('activation.wgsl', () => {
  const acts = ['relu', 'gelu', 'quadratic'] as const;
  acts.forEach((act, code) =>
    it(`bias_act and act_backward, ${act}`, async () => {
      const rng = new Rng(7, act);
      const rows = 37;
      const cols = 33;
      const Y = rand(rows * cols, rng, 3);
      const bias = rand(cols, rng);
      const Z = new Float64Array(rows * cols);
      const H = new Float64Array(rows * cols);
      ref.biasAct(Y, bias, Z, H, rows, cols, act);
      const o = await runKernel('biasAct', { 0: u32s([rows, cols, code, 0]), 1: { data: bias }, 2: { data: Y }, 3: { size: rows * cols } }, Math.ceil((rows * cols) / 256));
      // one rounded add, then act: |z| ≤ 4, so 1e-6 absolute covers the add; GELU's tanh
      // and the cube add a few ulps of its O(1) output (WGSL tanh is not correctly rounded)
      expectClose(o[2], Z, 1e-6, 1e-6, 'Z');
      expectClose(o[3], H, 2e-6, 1e-5, 'H');
      const dH = rand(rows * cols, rng);
      const dZ = new Float64Array(rows * cols);
      ref.actBackward(dH, Float32Array.from(Z), dZ, rows * cols, act);
      const ob = await runKernel('actBackward', { 4: u32s([rows, cols, code, 0]), 5: { data: Float32Array.from(Z) }, 6: { data: dH } }, Math.ceil((rows * cols) / 256));
      expectClose(ob[6], dZ, 2e-6, 1e-5, 'dZ');
      // the fused backward (act_backward then bias_grad, one invocation per column); with and without Σ dZ²
      for (const flags of [0, 1]) {
        const db = new Float64Array(cols);
        const sdb = new Float64Array(cols);
        ref.biasGrad(dZ, rows, cols, db, sdb);
        const of = await runKernel(
          'actBiasGrad',
          { 11: u32s([rows, cols, code, flags]), 12: { data: Float32Array.from(Z) }, 13: { data: dH }, 14: { size: cols }, 15: { size: cols } },
          Math.ceil(cols / 64),
        );
        expectClose(of[13], dZ, 2e-6, 1e-5, 'fused dZ');
        // as bias_grad: rows terms, each |dZ| ≤ 4·|dH| here, plus dZ's own rounding carried through the sum
        expectClose(of[14], db, 4 * (rows + 1) * U * rows + rows * 2e-6, 1e-5, 'fused db');
        if (flags) expectClose(of[15], sdb, 16 * (rows + 2) * U * rows + rows * 2e-5, 1e-5, 'fused Σ dZ²');
        else expect(Array.from(of[15]).every((v) => v === 0)).toBe(true);
      }
    }),
  );

  it('add_bias', async () => {
    const rng = new Rng(3, 'ab');
    const rows = 5;
    const cols = 97;
    const Y = rand(rows * cols, rng);
    const bias = rand(cols, rng);
    const expected = Float64Array.from(Y, (v, i) => v + bias[i % cols]);
    const o = await runKernel('addBias', { 4: u32s([rows, cols, 0, 0]), 5: { data: bias }, 6: { data: Y } }, Math.ceil((rows * cols) / 256));
    expectClose(o[6], expected, 0, U, 'logits'); // one correctly rounded add
  });

  it('bias_grad with Σ dZ²', async () => {
    const rng = new Rng(4, 'bg');
    for (const [rows, cols] of [
      [1, 1],
      [63, 65],
      [370, 23],
    ]) {
      const dZ = rand(rows * cols, rng);
      const g = new Float64Array(cols);
      const s = new Float64Array(cols);
      ref.biasGrad(dZ, rows, cols, g, s);
      const o = await runKernel('biasGrad', { 7: u32s([rows, cols, 0, 1]), 8: { data: dZ }, 9: { size: cols }, 10: { size: cols } }, Math.ceil(cols / 64));
      // rows terms of magnitude ≤ 1: (rows + 1)·u·rows bounds the summation error
      expectClose(o[9], g, (rows + 1) * U * rows, 0, 'db');
      expectClose(o[10], s, (rows + 2) * U * rows, 0, 'Σ dZ²');
    }
  });
});

describe('embed.wgsl', () => {
  it('scatter sums per-example row gradients, squaring each example once (a = b included)', async () => {
    const rng = new Rng(6, 's');
    const p = 11;
    const d = 5;
    const n = 60;
    const tokens = Uint32Array.from({ length: 2 * n }, () => rng.int(p));
    for (let i = 0; i < 10; i++) tokens[2 * i + 1] = tokens[2 * i]; // a = b examples
    const dX = rand(n * 2 * d, rng);
    const index = ref.buildEmbedIndex(tokens, n, p);
    const dE = new Float64Array(p * d);
    const sq = new Float64Array(p * d);
    ref.embedScatter(dX, index, dE, sq, p, d);
    // the a = b rule, checked directly: example 0 uses row r twice
    const r = tokens[0];
    let direct = 0;
    for (let i = 0; i < n; i++) {
      const g = (tokens[2 * i] === r ? dX[i * 2 * d] : 0) + (tokens[2 * i + 1] === r ? dX[i * 2 * d + d] : 0);
      direct += g * g;
    }
    expect(sq[r * d]).toBeCloseTo(direct, 12);
    const o = await runKernel(
      'scatter',
      { 4: u32s([n, d, p, 1]), 5: { data: dX }, 6: { data: index.rowStart }, 7: { data: index.entries }, 8: { size: p * d }, 9: { size: p * d } },
      Math.ceil((p * d) / 256),
    );
    // ≤ 2n terms of magnitude ≤ 2 (sq ≤ 4): summation bound
    expectClose(o[8], dE, (2 * n + 2) * U * 2 * n, 0, 'dE');
    expectClose(o[9], sq, (2 * n + 2) * U * 4 * n, 0, 'Σ g²');
  });
});

describe('the first layer through the p-row table (lookup_act, token_sum)', () => {
  // shared data: a pair MLP's first layer, W₀ (out × 2d), E (p × d), a batch with a = b examples
  const setup = (seed: number) => {
    const rng = new Rng(seed, 'lookup');
    const p = 13;
    const d = 6;
    const out = 9;
    const n = 57;
    const E = rand(p * d, rng);
    const W = rand(out * 2 * d, rng);
    const bias = rand(out, rng);
    const tokens = Uint32Array.from({ length: 2 * n }, () => rng.int(p));
    for (let i = 0; i < 8; i++) tokens[2 * i + 1] = tokens[2 * i];
    const delta = rand(n * out, rng);
    return { rng, p, d, out, n, E, W, bias, tokens, delta, index: ref.buildEmbedIndex(tokens, n, p) };
  };

  it("the reassociation is the layer (float64): lookup = gather + matmul + bias_act, Sᵀ·E = δᵀX, S·W' = scatter(δ·W₀), (R∘R)ᵀ(E∘E) = (δ∘δ)ᵀ(X∘X)", () => {
    const { p, d, out, n, E, W, bias, tokens, delta, index } = setup(1);
    // the per-example form
    const X = new Float64Array(n * 2 * d);
    ref.embedGather(E, tokens, X, n, d);
    const Y = new Float64Array(n * out);
    ref.matmul(X, W, Y, { M: n, N: out, K: 2 * d, flags: MM_TRANS_B });
    const [Z, H] = [new Float64Array(n * out), new Float64Array(n * out)];
    ref.biasAct(Y, bias, Z, H, n, out, 'gelu');
    const dW = new Float64Array(out * 2 * d);
    ref.matmul(delta, X, dW, { M: out, N: 2 * d, K: n, flags: MM_TRANS_A });
    const dX = new Float64Array(n * 2 * d);
    ref.matmul(delta, W, dX, { M: n, N: 2 * d, K: out, flags: 0 });
    const dE = new Float64Array(p * d);
    ref.embedScatter(dX, index, dE, null, p, d);
    // the p-row form: W read as W' (2·out × d)
    const P = new Float64Array(p * 2 * out);
    ref.matmul(E, W, P, { M: p, N: 2 * out, K: d, flags: MM_TRANS_B });
    const [Zl, Hl] = [new Float64Array(n * out), new Float64Array(n * out)];
    ref.lookupAct(P, tokens, bias, Zl, Hl, n, out, 'gelu');
    const S = new Float64Array(p * 2 * out);
    ref.tokenSum(delta, index, S, p, out);
    const dWl = new Float64Array(out * 2 * d);
    ref.matmul(S, E, dWl, { M: 2 * out, N: d, K: p, flags: MM_TRANS_A });
    const dEl = new Float64Array(p * d);
    ref.matmul(S, W, dEl, { M: p, N: d, K: 2 * out, flags: 0 });
    // the exact gates' Σ_i g_i(W₀)² = (δ∘δ)ᵀ(X∘X), from R = √(δ² summed by token and slot): (R∘R)ᵀ(E∘E)
    const sq = new Float64Array(out * 2 * d);
    ref.matmul(delta, X, sq, { M: out, N: 2 * d, K: n, flags: MM_TRANS_A | MM_SQUARE });
    const R = new Float64Array(p * 2 * out);
    ref.tokenSum(delta, index, new Float64Array(p * 2 * out), p, out, R);
    const sql = new Float64Array(out * 2 * d);
    ref.matmul(R, E, sql, { M: 2 * out, N: d, K: p, flags: MM_TRANS_A | MM_SQUARE });
    const close = (a: Float64Array, b: Float64Array, what: string) => a.forEach((v, i) => expect(v, `${what}[${i}]`).toBeCloseTo(b[i], 11));
    close(Zl, Z, 'Z');
    close(Hl, H, 'H');
    close(dWl, dW, 'dW');
    close(dEl, dE, 'dE');
    close(sql, sq, 'Σg²(W₀)');
  });

  for (const [act, code] of [
    ['relu', 0],
    ['gelu', 1],
    ['quadratic', 2],
  ] as const)
    it(`lookup_act (out = 9) and lookup_act4 (out = 12), ${act}`, async () => {
      const { rng, p, n, tokens } = setup(2);
      for (const [kernel, out] of [
        ['lookupAct', 9],
        ['lookupAct4', 12],
      ] as const) {
        const P = rand(p * 2 * out, rng, 1.5);
        const bias = rand(out, rng);
        const [Z, H] = [new Float64Array(n * out), new Float64Array(n * out)];
        ref.lookupAct(P, tokens, bias, Z, H, n, out, act);
        const [u, pl, tk, bs, z, h] = Object.values(BINDINGS[kernel]);
        const perInvocation = kernel === 'lookupAct4' ? 4 : 1;
        const o = await runKernel(
          kernel,
          { [u]: u32s([n, out, code, 0]), [pl]: { data: P }, [tk]: { data: tokens }, [bs]: { data: bias }, [z]: { size: n * out }, [h]: { size: n * out } },
          Math.ceil((n * out) / perInvocation / 256),
        );
        // two rounded adds of terms ≤ 1.5, 1.5, 1 (|z| ≤ 4): 1e-6 absolute; then act as bias_act's test
        expectClose(o[z], Z, 1e-6, 1e-6, `${kernel} Z`);
        expectClose(o[h], H, 2e-6, 1e-5, `${kernel} H`);
      }
    });

  it('token_sum (out = 9) and token_sum4 (out = 12) sum δ by token and slot (a = b adds to both slots), and with flag 1 also R = √(Σδ²)', async () => {
    const { rng, p, n, index, tokens } = setup(3);
    for (const [kernel, out] of [
      ['tokenSum', 9],
      ['tokenSum4', 12],
    ] as const) {
      const delta = rand(n * out, rng);
      const S = new Float64Array(p * 2 * out);
      const R = new Float64Array(p * 2 * out);
      ref.tokenSum(delta, index, S, p, out, R);
      // the slot rule, checked directly on the twin: row r's slot-b column o sums the examples whose b is r
      const r = tokens[1];
      let direct = 0;
      let direct2 = 0;
      for (let i = 0; i < n; i++)
        if (tokens[2 * i + 1] === r) {
          direct += delta[i * out + 4];
          direct2 += delta[i * out + 4] ** 2;
        }
      expect(S[r * 2 * out + 2 * 4 + 1]).toBeCloseTo(direct, 12);
      expect(R[r * 2 * out + 2 * 4 + 1]).toBeCloseTo(Math.sqrt(direct2), 12);
      const [u, dz, rs, en, sb, rb] = Object.values(BINDINGS[kernel]);
      const perInvocation = kernel === 'tokenSum4' ? 4 : 1;
      for (const flags of [0, 1]) {
        const o = await runKernel(
          kernel,
          { [u]: u32s([n, out, p, flags]), [dz]: { data: delta }, [rs]: { data: index.rowStart }, [en]: { data: index.entries }, [sb]: { size: p * 2 * out }, [rb]: { size: p * 2 * out } },
          Math.ceil((p * out) / perInvocation / 256),
        );
        // ≤ n terms of magnitude ≤ 1 per entry: summation bound
        expectClose(o[sb], S, (n + 1) * U * n, 0, `${kernel} S`);
        // Σδ² ≤ n, then a square root (a few ulps): relative 8U on R plus the sum's bound carried through √
        if (flags === 1) expectClose(o[rb], R, (n + 1) * U * n, 8 * U, `${kernel} R`);
        else expect(o[rb].every((v) => v === 0)).toBe(true);
      }
    }
  });
});

describe('loss.wgsl', () => {
  for (const p of [5, 13, 97])
    it(`softmax_ce, p=${p}`, async () => {
      const rng = new Rng(p, 'ce');
      const n = 67;
      const Z = rand(n * p, rng, 4);
      const labels = Uint32Array.from({ length: n }, () => rng.int(p));
      const perEx = new Float64Array(2 * n);
      const G = new Float64Array(n * p);
      ref.softmaxCE(Z, labels, n, p, 1 / n, perEx, G);
      const o = await runKernel('softmaxCE', { 0: u32s([n, p, 1, 0], { 3: 1 / n }), 1: { data: labels }, 2: { data: Z }, 3: { size: 2 * n } }, Math.ceil(n / 64));
      // loss = lse − z_y with |z| ≤ 4: exp/log of f32 are accurate to a few ulps; p terms in the sum
      expectClose(o[3], perEx, (p + 8) * U * 8, 1e-5, 'loss, correct');
      expectClose(o[2], G, 1e-7, 1e-5, 'g');
    });
});

describe('metrics.wgsl', () => {
  it('per-category sums', async () => {
    const rng = new Rng(9, 'm');
    const n = 1000;
    const perEx = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      perEx[2 * i] = 3 * rng.uniform();
      perEx[2 * i + 1] = rng.uniform() < 0.5 ? 1 : 0;
    }
    const category = Uint32Array.from({ length: n }, () => rng.int(3));
    const expected = ref.categorySums(perEx, category, n, 3);
    const weights = Float32Array.from({ length: 300 }, () => rng.normal());
    const a = await runKernel('metricsPartial', { 0: u32s([n, 300, 0, 0]), 1: { data: perEx }, 2: { data: category }, 3: { size: 64 * 10 }, 7: { data: weights } }, 1);
    const b = await runKernel('metricsFinish', { 4: u32s([n, 32, 123, 2]), 5: { data: a[3] }, 6: { size: 64 } }, 1);
    expect(b[6][32]).toBe(123);
    expect(b[6][33]).toBe(2);
    expect(b[6][43]).toBe(0); // all finite: no divergence flag
    expectClose(b[6].subarray(34, 43), expected, (n + 2) * U * 3 * n, 0, 'sums');
  });

  it('flags non-finite losses and weights, and counts them exactly like the reference', async () => {
    const rng = new Rng(10, 'm');
    for (const [nanLoss, infLoss, nanW, infW] of [
      [0, 0, 0, 1],
      [3, 0, 0, 0],
      [0, 2, 5, 0],
      [1, 1, 1, 1],
    ]) {
      const n = 257;
      const P = 333;
      const perEx = Float32Array.from({ length: 2 * n }, () => rng.uniform());
      const weights = Float32Array.from({ length: P }, () => rng.normal() * 1e30); // huge but finite: must not count
      // distinct positions: NaNs from slot 13 on, infinities from slot 131 on (97 is coprime to n and P)
      const put = (arr: Float32Array, count: number, value: number, stride: number, from: number) => {
        for (let c = 0; c < count; c++) arr[stride * ((c * 97 + from) % (arr.length / stride))] = value;
      };
      put(perEx, nanLoss, NaN, 2, 13);
      put(perEx, infLoss, Infinity, 2, 131);
      put(weights, nanW, NaN, 1, 13);
      put(weights, infW, -Infinity, 1, 131);
      const category = Uint32Array.from({ length: n }, () => rng.int(3));
      const expected = ref.nonFiniteCount(perEx, n, weights, P);
      expect(expected).toBe(nanLoss + infLoss + nanW + infW);
      const a = await runKernel('metricsPartial', { 0: u32s([n, P, 0, 0]), 1: { data: perEx }, 2: { data: category }, 3: { size: 64 * 10 }, 7: { data: weights } }, 1);
      const b = await runKernel('metricsFinish', { 4: u32s([n, 0, 7, 0]), 5: { data: a[3] }, 6: { size: 32 } }, 1);
      expect(b[6][11], `${nanLoss} ${infLoss} ${nanW} ${infW}`).toBe(expected);
    }
  });
});
