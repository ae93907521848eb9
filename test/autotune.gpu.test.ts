/**
 * The matmul autotuner (src/engine/autotune.ts): every product of a run gets a
 * timed choice or the adapter's fallback, choices are cached per adapter and shader
 * source (memory and the CLI's file), and a trainer built on the tiled variant
 * trains like the float64 reference (the variant is really wired in: its plan says
 * so and a wrong kernel would break the comparison). No timing asserts.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileTuneCache } from '../src/cli/tuneCache';
import { defaultConfig, type RunConfig } from '../src/config/settings';
import {
  cacheKey,
  fillUntimed,
  generalWinner,
  memoryCache,
  MATMUL_VARIANTS,
  probeShape,
  PROBE_ROWS,
  PROBE_VOLUME,
  setTuneCache,
  shapeKey,
  stepShapes,
  timingOrder,
  tuneMatmul,
  variantFor,
  type MatmulShape,
  type MatmulVariant,
  type TuneRow,
} from '../src/engine/autotune';
import { GENERAL_VARIANTS, variantApplies } from '../src/engine/modules/matmul';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { GpuTrainer } from '../src/engine/trainer';
import { MM_SQUARE, MM_TRANS_A, MM_TRANS_B } from '../src/reference/kernels';
import { modelLayout, stepFlops } from '../src/model/layout';
import { ReferenceTrainer } from '../src/reference/trainer';
import { relativeError } from '../src/theory/dense';
import { gpu } from './gpu';

const cfg: RunConfig = { ...defaultConfig(), task: 'add', p: 11, train: 0.6, embed: 12, width: 16, depth: 2, evalEvery: 10, seed: 5 };

afterEach(() => setTuneCache(memoryCache()));

describe('autotune', () => {
  it('lists the step products and caps the batch dimension for timing', () => {
    const shapes = stepShapes(cfg);
    // depth 2: the first layer through the p-row table (P = E·W'ᵀ, dW' = Sᵀ·E, dE = S·W'), and for the
    // exact gates its Σg² (R∘R)ᵀ(E∘E) and the input gradient δ₀W₀ over the batch; the second layer and the head four
    // products each (forward, evaluation forward, weight and input gradient)
    expect(shapes.length).toBe(3 + 2 + 2 * 4);
    const n = Math.round(0.6 * 121);
    expect(shapes.map(shapeKey)).toEqual(
      expect.arrayContaining(
        [
          { M: 11, N: 32, K: 12, flags: MM_TRANS_B },
          { M: 32, N: 12, K: 11, flags: MM_TRANS_A },
          { M: 11, N: 12, K: 32, flags: 0 },
        ].map(shapeKey),
      ),
    );
    // no product over the n examples reads the first layer's inputs in the forward
    expect(shapes.some((s) => s.K === 24 && s.flags === MM_TRANS_B)).toBe(false);
    expect(shapes.some((s) => s.M === n && s.flags === MM_TRANS_B)).toBe(true);
    // the benchmark's FLOPs per step are those of the plain step's products: the first layer's three
    // over p rows (P, dW', dE), the others' three over the batch (the forward, weight and input gradient)
    const flops = (s: MatmulShape) => 2 * s.M * s.N * s.K;
    const plain = shapes.filter((s) => (s.flags & MM_SQUARE) === 0 && s.M !== 121 && !(s.M === n && s.N === 24));
    expect(plain.length).toBe(3 + 2 * 3);
    expect(stepFlops(modelLayout(cfg), n)).toBe(plain.reduce((a, s) => a + flops(s), 0));
    expect(shapes.some((s) => s.M === 121 && s.flags === MM_TRANS_B)).toBe(true);
    expect(shapes.some((s) => s.K === n && s.flags === MM_TRANS_A)).toBe(true);
    expect(probeShape({ M: 5000, N: 7, K: 9, flags: MM_TRANS_B })).toEqual({ M: PROBE_ROWS, N: 7, K: 9, flags: MM_TRANS_B });
    expect(probeShape({ M: 7, N: 9, K: 5000, flags: MM_TRANS_A })).toEqual({ M: 7, N: 9, K: PROBE_ROWS, flags: MM_TRANS_A });
    // a wide product's stand-in is capped by volume too (128×128: 128 rows), never below 64 rows (256×256)
    expect(probeShape({ M: 884, N: 128, K: 128, flags: MM_TRANS_B })).toEqual({ M: PROBE_VOLUME / 16384, N: 128, K: 128, flags: MM_TRANS_B });
    expect(probeShape({ M: 128, N: 128, K: 884, flags: MM_TRANS_A })).toEqual({ M: 128, N: 128, K: PROBE_VOLUME / 16384, flags: MM_TRANS_A });
    expect(probeShape({ M: 2328, N: 256, K: 256, flags: 0 }).M).toBe(64);
    expect(probeShape({ M: 5000, N: 4096, K: 4096, flags: 0 }).M).toBe(64);
    expect(probeShape({ M: 40, N: 4096, K: 4096, flags: 0 }).M).toBe(40);
  });

  it('times the largest product of each form first, then the rest, largest first', () => {
    const shapes = stepShapes(cfg);
    const order = timingOrder(shapes);
    expect([...order].sort((a, b) => a - b)).toEqual(shapes.map((_, i) => i));
    const forms = [...new Set(shapes.map((s) => s.flags))];
    const head = order.slice(0, forms.length).map((i) => shapes[i]);
    expect(new Set(head.map((s) => s.flags))).toEqual(new Set(forms));
    const vol = (s: MatmulShape) => s.M * s.N * s.K;
    for (const h of head) for (const s of shapes) if (s.flags === h.flags) expect(vol(s)).toBeLessThanOrEqual(vol(h));
    const tail = order.slice(forms.length).map((i) => vol(shapes[i]));
    expect(tail).toEqual([...tail].sort((a, b) => b - a));
  });

  it('times every product within an unbounded budget, then answers from the cache', async () => {
    const { ctx, pl } = await gpu();
    const src = nodeShaderSources();
    // four products (one of each form) keep this short on a loaded software adapter
    const shapes = stepShapes(cfg).slice(0, 4);
    const plan = await tuneMatmul(ctx, pl, src, shapes, Infinity);
    expect(plan.fromCache).toBe(false);
    expect(plan.table.length).toBe(shapes.length);
    for (const [r, s] of plan.table.map((r, i) => [r, shapes[i]] as const)) {
      expect(r.ms.block4).toBeGreaterThan(0);
      expect(r.ms.tiled).toBeGreaterThan(0);
      // kvec is a candidate exactly where it applies (A·Bᵀ, K % 4 = 0), and then it is timed too
      expect('kvec' in r.ms).toBe(variantApplies('kvec', s));
      if (variantApplies('kvec', s)) expect(r.ms.kvec).toBeGreaterThan(0);
      // the choice is the fastest of the timings
      const fastest = Object.entries(r.ms).sort((a, b) => a[1]! - b[1]!)[0][0];
      expect(r.chosen).toBe(fastest);
    }
    expect(plan.table.some((r) => 'kvec' in r.ms)).toBe(true);
    for (const s of shapes) expect(plan.choice[shapeKey(s)]).toBe(plan.table.find((r) => r.shape === shapeKey(s))!.chosen);
    const again = await tuneMatmul(ctx, pl, src, shapes, Infinity);
    expect(again.fromCache).toBe(true);
    expect(again.choice).toEqual(plan.choice);
  });

  it('a zero budget times nothing: every product takes the adapter fallback, nothing is cached', async () => {
    const { ctx, pl } = await gpu();
    const plan = await tuneMatmul(ctx, pl, nodeShaderSources(), stepShapes(cfg), 0);
    expect(plan.fallback).toBe(ctx.software ? 'block4' : 'tiled');
    // no product is timed: each takes the adapter default, and none is stored
    expect(plan.table).toHaveLength(stepShapes(cfg).length);
    for (const r of plan.table) {
      expect(Object.values(r.ms).every((x) => x === null)).toBe(true);
      expect(r.chosen).toBe(plan.fallback);
    }
    expect(variantFor(plan, { M: 3, N: 3, K: 3, flags: 0 })).toBe(plan.fallback);
  });

  it('an untimed product takes the timed choice of its form, else the general kernel fastest on the most timed products', () => {
    const row = (shape: string, ms: TuneRow['ms'], chosen: MatmulVariant): TuneRow => ({ shape, timed: shape, ms, chosen });
    const timed = [
      row('8x8x8/2', { block4: 3, block8: 2, tiled: 5, kvec: 1 }, 'kvec'),
      row('8x8x8/1', { block4: 3, block8: 2, tiled: 1, outer4: 4 }, 'tiled'),
      row('8x8x8/0', { block4: 3, block8: 2, tiled: 4, bvec: 5 }, 'block8'),
    ];
    // block8 is the fastest general kernel on two of three rows (kvec's win does not count: it serves one form)
    expect(generalWinner(timed)).toBe('block8');
    expect(generalWinner([])).toBe(null);
    // ties go to the earlier listed
    expect(generalWinner([timed[1], row('8x8x8/0', { block4: 1, block8: 2, tiled: 3 }, 'block4')])).toBe(GENERAL_VARIANTS[0]);
    // fillUntimed: the same form's choice where it serves the product (K % 4 = 0 for kvec), else block8, the general winner
    const untimed = (shape: string, ms: TuneRow['ms']) => row(shape, ms, 'block4');
    const rows = [
      ...timed,
      untimed('16x8x8/2', { block4: null, block8: null, tiled: null, kvec: null }),
      untimed('16x8x7/2', { block4: null, block8: null, tiled: null }),
      untimed('16x8x8/10', { block4: null, block8: null, tiled: null, kvec: null }),
    ];
    const shapes = rows.map((r) => {
      const [M, N, K, flags] = r.shape.split(/[x/]/).map(Number);
      return { M, N, K, flags };
    });
    fillUntimed(rows, shapes, 'tiled');
    expect(rows.slice(3).map((r) => r.chosen)).toEqual(['kvec', 'block8', 'block8']);
    // and with nothing timed, the adapter default
    const none = [untimed('16x8x8/2', { block4: null, kvec: null })];
    fillUntimed(none, [shapes[3]], 'tiled');
    expect(none[0].chosen).toBe('tiled');
  });

  it('the CLI cache is a file keyed by adapter and shader source', async () => {
    const { ctx, pl } = await gpu();
    const path = join(mkdtempSync(join(tmpdir(), 'grokscope-tune-')), 'autotune.json');
    setTuneCache(fileTuneCache(path));
    const shapes = stepShapes(cfg).slice(0, 2);
    const plan = await tuneMatmul(ctx, pl, nodeShaderSources(), shapes, Infinity);
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, MatmulVariant>>;
    expect(stored[cacheKey(ctx, nodeShaderSources())]).toEqual(plan.choice);
    // an edited kernel is a different key
    const edited = { ...nodeShaderSources(), matmul: nodeShaderSources().matmul + '\n// edit' };
    expect(cacheKey(ctx, edited)).not.toBe(cacheKey(ctx, nodeShaderSources()));
  });

  /**
   * A trainer whose tune cache names `v` for every product of `c`, 30 steps beside the float64
   * reference. Products `v` does not serve run the adapter default, and the label says so.
   */
  async function forcedRun(c: RunConfig, v: MatmulVariant) {
    const { ctx } = await gpu();
    const shapes = stepShapes(c);
    const forced = memoryCache();
    await forced.set(cacheKey(ctx, nodeShaderSources()), Object.fromEntries(shapes.map((s) => [shapeKey(s), v])));
    setTuneCache(forced);
    const g = await GpuTrainer.create(c, ctx, nodeShaderSources());
    const fallback: MatmulVariant = ctx.software ? 'block4' : 'tiled';
    const runs = shapes.map((s) => (variantApplies(v, s) ? v : fallback));
    const served = runs.filter((x) => x === v).length;
    // counted in the order the products first name each kernel, as the lab shows it
    const counts = new Map<MatmulVariant, number>();
    for (const x of runs) counts.set(x, (counts.get(x) ?? 0) + 1);
    const label = `matmul ${[...counts].map(([x, n]) => `${x} ×${n}`).join(', ')}`;
    const r = new ReferenceTrainer(c);
    g.train(30);
    r.train(30);
    await g.flush();
    const st = await g.readState();
    const built = new Set(g.matmulShapes);
    g.destroy();
    return { label, kernels: g.info.kernels, served, built, shapes: shapes.map(shapeKey), error: relativeError(st.params, r.w) };
  }

  for (const v of Object.keys(MATMUL_VARIANTS) as MatmulVariant[])
    it(`a trainer forced onto ${v} trains like the float64 reference (30 steps; gate off: the p-row first layer; exact-soft: the per-example path and the dual pass)`, async () => {
      for (const gate of ['off', 'exact-soft'] as const) {
        const f = await forcedRun({ ...cfg, gate, lr: 3e-3 }, v);
        expect(f.kernels).toBe(f.label);
        // same bound as test/engine.gpu.test.ts for smooth optimizers: float32 dot products of ≤ 32 terms, 2e-5 relative
        expect(f.error, gate).toBeLessThan(2e-5);
        // the tuner's list is exactly what the modules build (both backward paths are built: the gate can be switched mid-run)
        expect([...f.built].sort(), gate).toEqual([...f.shapes].sort());
      }
    });

  it('the transformer: the step products are exactly those its modules issue, and runs forced onto tiled or a vec4 form or block8 train like the reference', async () => {
    const c: RunConfig = {
      ...defaultConfig(),
      arch: 'transformer',
      task: 'add',
      p: 7,
      train: 0.6,
      dmodel: 8,
      heads: 2,
      ffn: 16,
      layers: 2,
      batch: 8,
      lr: 3e-3,
      betas: [0.9, 0.98],
      evalEvery: 10,
      seed: 4,
      instrumentEvery: 0,
    };
    const tiled = await forcedRun(c, 'tiled');
    // every product the network built has a timed entry (none falls back), and no listed shape is idle
    expect(tiled.built).toEqual(new Set(tiled.shapes));
    expect(tiled.kernels).toBe(`matmul tiled ×${tiled.shapes.length}`);
    // test/transformer-engine.gpu.test.ts's bound for smooth optimizers (chains of short float32 sums, LayerNorms, softmaxes)
    expect(tiled.error).toBeLessThan(1e-4);
    // kvec(8) runs the forward maps (d = 8, F = 16: K % 4 = 0), outer(8) the weight gradients, bvec(8) the
    // input gradients, block8 everything; the default the rest
    for (const v of ['kvec', 'kvec8', 'outer8', 'bvec8', 'block8'] as const) {
      const f = await forcedRun(c, v);
      expect(f.served).toBeGreaterThan(0);
      expect(f.kernels).toBe(f.label);
      expect(f.error).toBeLessThan(1e-4);
    }
  });
});
