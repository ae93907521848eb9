/**
 * shaders/kernel.wgsl through GpuKernelBlock (src/engine/probeKernel.ts) against the
 * float64 CPU oracle kernelBlock (src/theory/kernels.ts): K = J Jᵀ, K̃ = J diag(ω) Jᵀ and
 * the cross kernel K_AB (mA ≠ mB), full and trace views, on random tiny nets of every
 * activation and depth 1..3 (and a head-only net), with points whose operands coincide
 * (a = b) and that share embedding rows across A and B, p not a multiple of the 4- and
 * 8-wide register blocks (p = 5, 7 inside one block; 11, 17 across several), and m = 1.
 *
 * Float32 error bound, per entry. Every term of K's sum is a product of inputs (ω, x_i,
 * x_j, Δ_A, Δ_B; embedding: ω_E, dX0_A, dX0_B), so with n the longest chain of roundings
 * any term passes through, |K̂ − K| ≤ γ_n·Σ|terms| ≤ 1.01·n·u·Σ|terms| (u = 2⁻²⁴, n·u ≪ 1),
 * where Σ|terms| = kernelBlock of |X|, |Δ|, |dX0|, |ω| — the same formula on absolute values.
 * The chains (uploads round each float64 input to float32 once):
 *   full, layer l   inputs 5 · T: x_i·x_j, ·ω, in_l adds, + ω_b = in_l + 3 · ·Δ_A, ·Δ_B, out_l adds
 *                   = out_l + 2 · adds into K by the later dispatches ≤ depth + 1
 *                   → n = in_l + out_l + depth + 11
 *   full, embed     inputs 3 · B-slot combination 1 · 2 products · d adds per slot, 2 slots = 2d
 *                   · depth + 1 later adds → n = 2d + depth + 8
 *   trace, layer l  inputs 5 · T in_l + 3 · Σ_c Δ_AΔ_B: 1 product, p adds · ·T 1 · out_l adds
 *                   · depth + 1 → n = in_l + out_l + p + depth + 11
 *   trace, embed    inputs 3 · combination 1 · product 1 · p adds · ·ω_E 1 · 2d adds · depth + 1
 *                   → n = 2d + p + depth + 7
 * The bound is a worst case; the measured errors (printed, in units of u·Σ|terms|) sit far below.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Activation } from '../src/config/settings';
import { GpuKernelBlock, GpuKernelBlocks } from '../src/engine/probeKernel';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { initParams, modelLayout, type ModelLayout } from '../src/model/layout';
import { probeSensitivities, type MlpSensitivities, type Sensitivities } from '../src/theory/jacobian';
import { kernelBlock, type KernelView } from '../src/theory/kernels';
import { Rng } from '../src/util/rng';
import { gpu } from './gpu';

const U = 2 ** -24;

interface Net {
  p: number;
  d: number;
  width: number;
  depth: number;
  act: Activation;
  /** probe sizes: [m, m] is the symmetric K of one probe, [mA, mB] a cross kernel */
  sizes: [number, number][];
}

const NETS: Net[] = [
  {
    p: 5,
    d: 3,
    width: 4,
    depth: 1,
    act: 'relu',
    sizes: [
      [6, 6],
      [5, 9],
    ],
  },
  {
    p: 7,
    d: 4,
    width: 8,
    depth: 1,
    act: 'quadratic',
    sizes: [
      [4, 4],
      [1, 6],
    ],
  },
  {
    p: 7,
    d: 4,
    width: 8,
    depth: 2,
    act: 'gelu',
    sizes: [
      [9, 9],
      [7, 3],
    ],
  },
  {
    p: 5,
    d: 4,
    width: 8,
    depth: 3,
    act: 'quadratic',
    sizes: [
      [5, 5],
      [6, 10],
    ],
  },
  {
    p: 7,
    d: 3,
    width: 4,
    depth: 3,
    act: 'relu',
    sizes: [
      [7, 7],
      [9, 2],
    ],
  },
  {
    p: 5,
    d: 3,
    width: 8,
    depth: 2,
    act: 'relu',
    sizes: [
      [8, 8],
      [3, 5],
    ],
  },
  {
    p: 7,
    d: 3,
    width: 4,
    depth: 1,
    act: 'gelu',
    sizes: [
      [6, 6],
      [4, 7],
    ],
  },
  {
    p: 5,
    d: 4,
    width: 4,
    depth: 3,
    act: 'gelu',
    sizes: [
      [3, 3],
      [2, 9],
    ],
  },
  {
    p: 7,
    d: 4,
    width: 4,
    depth: 0,
    act: 'relu',
    sizes: [
      [5, 5],
      [4, 6],
    ],
  }, // the head alone
  // several 8-wide logit blocks (layer_full's register block), p mod 8 = 3 and 1
  {
    p: 11,
    d: 3,
    width: 4,
    depth: 1,
    act: 'relu',
    sizes: [
      [5, 5],
      [3, 6],
    ],
  },
  {
    p: 17,
    d: 4,
    width: 8,
    depth: 2,
    act: 'gelu',
    sizes: [
      [4, 4],
      [5, 3],
    ],
  },
];

/** Points (a, b): some a = b, and A and B drawing from a few shared rows so embedding terms occur. */
function probeTokens(rng: Rng, m: number, p: number): Uint32Array {
  const t = new Uint32Array(2 * m);
  for (let i = 0; i < m; i++) {
    t[2 * i] = rng.int(p);
    t[2 * i + 1] = i % 3 === 0 ? t[2 * i] : rng.int(p);
  }
  return t;
}

function absSens(s: MlpSensitivities): MlpSensitivities {
  const abs = (a: Float64Array) => Float64Array.from(a, Math.abs);
  return { ...s, X: s.X.map(abs), delta: s.delta.map(abs), dX0: abs(s.dX0), logits: s.logits };
}

/** n of the header comment: the longest rounding chain of any term, per view. */
function chainLength(layout: ModelLayout, view: KernelView): number {
  const { p, d, depth, layers } = layout;
  const layer = Math.max(...layers.map((L) => L.in + L.out));
  return view === 'full' ? Math.max(layer + depth + 11, 2 * d + depth + 8) : Math.max(layer + p + depth + 11, 2 * d + p + depth + 7);
}

const report: string[] = [];
const created: GpuKernelBlock[] = [];
afterAll(() => {
  for (const g of created) g.destroy();
  console.log(`kernel.wgsl vs kernelBlock, worst |K̂ − K| per case, in units of u·Σ|terms| (bound: n) and of max|K|:\n${report.join('\n')}`);
});

describe('kernel.wgsl (GpuKernelBlock) vs kernelBlock', () => {
  for (const net of NETS)
    it(`p=${net.p} d=${net.d} width=${net.width} depth=${net.depth} ${net.act}`, async () => {
      const { ctx } = await gpu();
      const sources = nodeShaderSources();
      const layout = modelLayout({ p: net.p, embed: net.d, width: net.width, depth: net.depth, act: net.act });
      const seed = 100 * net.p + 10 * net.depth + net.width;
      const w = Float64Array.from(initParams(layout, seed));
      const rng = new Rng(seed, 'kernel-gpu');
      // ω = D·Q: preconditioner values over four decades, a gate closing ~30% of entries
      const omega = Float64Array.from({ length: layout.totalSize }, () => (rng.uniform() < 0.3 ? 0 : Math.exp(9 * rng.uniform() - 4.5)));
      const absOmega = Float64Array.from(omega, Math.abs);
      for (const [mA, mB] of net.sizes) {
        const sym = mA === mB;
        const A = probeSensitivities(layout, w, probeTokens(rng, mA, net.p), mA);
        const B = sym ? A : probeSensitivities(layout, w, probeTokens(rng, mB, net.p), mB);
        const absA = absSens(A);
        const absB = sym ? absA : absSens(B);
        const g = await GpuKernelBlock.create(ctx, sources, layout, mA, mB);
        created.push(g);
        for (const view of ['full', 'trace'] as const)
          for (const om of [null, omega]) {
            const what = `${om ? 'K̃' : 'K'}${sym ? '' : '_AB'} ${mA}×${mB} ${view}`;
            const expected = kernelBlock(layout, A, B, om, view);
            const absSum = kernelBlock(layout, absA, absB, om ? absOmega : null, view);
            const got = await g.compute(A, B, om, view);
            const rows = view === 'full' ? mA * net.p : mA;
            const cols = view === 'full' ? mB * net.p : mB;
            expect(got.length, what).toBe(rows * cols);
            const n = chainLength(layout, view);
            let worst = 0;
            let worstRel = 0;
            let scale = 0;
            for (let k = 0; k < expected.length; k++) scale = Math.max(scale, Math.abs(expected[k]));
            expect(scale, what).toBeGreaterThan(1e-3);
            for (let k = 0; k < expected.length; k++) {
              const err = Math.abs(got[k] - expected[k]);
              const tol = 1.01 * n * U * absSum[k] + 1e-30;
              if (!(err <= tol)) throw new Error(`${what}: entry ${k} (row ${Math.floor(k / cols)}, col ${k % cols}): got ${got[k]}, expected ${expected[k]}, bound ${tol}`);
              if (absSum[k] > 0) worst = Math.max(worst, err / (U * absSum[k]));
              worstRel = Math.max(worstRel, err / scale);
            }
            if (sym) for (let r = 0; r < rows; r++) for (let c = 0; c < r; c++) expect(got[r * cols + c], `${what} symmetric`).toBe(got[c * cols + r]);
            report.push(`  ${`p=${net.p} d=${net.d} w=${net.width} L=${net.depth} ${net.act}`.padEnd(32)} ${what.padEnd(22)} ${worst.toFixed(2).padStart(6)} u (n=${n})  ${worstRel.toExponential(1)}`);
          }
      }
    });

  it('GpuKernelBlocks: one instance per (mA, mB, view), a drop-in for kernelBlock', async () => {
    const { ctx } = await gpu();
    const layout = modelLayout({ p: 7, embed: 3, width: 8, depth: 2, act: 'gelu' });
    const w = Float64Array.from(initParams(layout, 2));
    const rng = new Rng(2, 'blocks');
    const S = probeSensitivities(layout, w, probeTokens(rng, 6, 7), 6);
    const Q = probeSensitivities(layout, w, probeTokens(rng, 4, 7), 4);
    const omega = Float64Array.from({ length: layout.totalSize }, () => rng.uniform());
    const blocks = new GpuKernelBlocks(ctx, nodeShaderSources(), layout);
    try {
      const calls: [Sensitivities, Sensitivities, Float64Array | null, KernelView][] = [
        [S, S, null, 'full'],
        [S, S, omega, 'full'],
        [S, S, omega, 'trace'],
        [Q, S, omega, 'full'],
      ];
      // issued together, as an async caller might: the per-instance queue keeps them apart
      const got = await Promise.all(calls.map(([A, B, om, view]) => blocks.compute(A, B, om, view)));
      calls.forEach(([A, B, om, view], k) => {
        const expected = kernelBlock(layout, A, B, om, view);
        const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        for (let e = 0; e < expected.length; e++) expect(Math.abs(got[k][e] - expected[e]), `call ${k}`).toBeLessThan(1e-5 * scale);
      });
    } finally {
      blocks.destroy();
    }
  });

  it('rejects factors of the wrong probe size and views it was not built for', async () => {
    const { ctx } = await gpu();
    const layout = modelLayout({ p: 5, embed: 3, width: 4, depth: 1, act: 'relu' });
    const w = Float64Array.from(initParams(layout, 1));
    const rng = new Rng(1, 'reject');
    const S = probeSensitivities(layout, w, probeTokens(rng, 3, 5), 3);
    const g = await GpuKernelBlock.create(ctx, nodeShaderSources(), layout, 4, 3, ['trace']);
    created.push(g);
    await expect(g.compute(S, S, null, 'trace')).rejects.toThrow(/mA=4/);
    const S4 = probeSensitivities(layout, w, probeTokens(rng, 4, 5), 4);
    await expect(g.compute(S4, S, null, 'full')).rejects.toThrow(/view 'full'/);
    // a trace-only instance still computes the trace view after the rejections
    const got = await g.compute(S4, S, null, 'trace');
    const expected = kernelBlock(layout, S4, S, null, 'trace');
    for (let k = 0; k < expected.length; k++) expect(Math.abs(got[k] - expected[k])).toBeLessThan(1e-5 * (1 + Math.abs(expected[k])));
  });
});
