/**
 * The GPU transformer against the float64 reference, 50 whole steps from the same
 * initial weights and batches (AdamW with the contract's warm-up, SGD, every gate;
 * L = 1 and 2; minibatch b < n and full batch b = n), and the engine's per-example
 * Σ(g_i/b)² — cross-position terms included — against the reference's explicit
 * per-example gradients.
 *
 * Tolerances. The forward is a chain of short float32 sums (≤ F = 16 terms), LayerNorms
 * and 4-way softmaxes: relative error a few 1e-7 per stage. Over 50 smooth steps this
 * stays near 1e-6 (the MLP's engine test measures the same); the bounds 1e-4 on the
 * loss and 1e-4 relative on the weights leave headroom for the deeper graph while a
 * wiring error (a missing head, a dropped residual, an unscaled gradient) moves the
 * loss by O(0.1). Hard gates flip a mask bit where μ² ≈ σ²/(b−1) to f32 precision,
 * each flip changing one coordinate's step by ≈ η: bounds 5e-2 (loss) and 5e-2 (weights).
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, type RunConfig } from '../src/config/settings';
import { GpuTrainer } from '../src/engine/trainer';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { ReferenceTrainer } from '../src/reference/trainer';
import { gpu, raceGpuVsReference } from './gpu';

const base: RunConfig = { ...defaultConfig(), arch: 'transformer', task: 'add', p: 7, train: 0.6, dmodel: 8, heads: 2, ffn: 16, layers: 1, lr: 3e-3, betas: [0.9, 0.98], evalEvery: 10, seed: 4 };

const race = raceGpuVsReference;

interface Case {
  name: string;
  over: Partial<RunConfig>;
  hard?: boolean;
}
const cases: Case[] = [
  { name: 'AdamW, full batch, L=1', over: {} },
  { name: 'AdamW, minibatch 8, L=2', over: { batch: 8, layers: 2 } },
  { name: 'SGD momentum, minibatch 12, L=2, H=4', over: { opt: 'sgd', lr: 0.05, batch: 12, layers: 2, heads: 4 } },
  { name: 'AdamW + exact-soft, minibatch 10, L=1', over: { gate: 'exact-soft', batch: 10 } },
  { name: 'AdamW + exact-soft, full batch, L=2', over: { gate: 'exact-soft', layers: 2 } },
  { name: 'AdamW + exact-hard, minibatch 10, L=2', over: { gate: 'exact-hard', batch: 10, layers: 2 }, hard: true },
  { name: 'AdamW + exact-hard, full batch, L=1', over: { gate: 'exact-hard' }, hard: true },
  { name: 'AdamW + stream, minibatch 8, L=2', over: { gate: 'stream', batch: 8, layers: 2 } },
  { name: 'AdamW + stream-hard, full batch, L=1', over: { gate: 'stream-hard' }, hard: true },
  { name: 'Grokfast, minibatch 8, L=1', over: { opt: 'grokfast', batch: 8 } },
];

describe('GPU transformer vs reference, 50 steps', () => {
  for (const { name, over, hard } of cases)
    it(name, async () => {
      const { gRows, rRows, relW } = await race({ ...base, ...over });
      expect(gRows.map((r) => r.step)).toEqual([10, 20, 30, 40, 50]);
      const lossTol = hard ? 5e-2 : 1e-4;
      for (let i = 0; i < gRows.length; i++) {
        const [g, r] = [gRows[i], rRows[i]];
        expect(Math.abs(g.trainLoss - r.trainLoss), `train loss at ${g.step}`).toBeLessThan(lossTol);
        expect(Math.abs(g.testLoss - r.testLoss), `test loss at ${g.step}`).toBeLessThan(lossTol);
        if (over.gate && !hard) expect(Math.abs(g.gateOpen! - r.gateOpen!)).toBeLessThan(1e-3);
      }
      expect(relW).toBeLessThan(hard ? 5e-2 : 1e-4);
      expect(rRows[4].trainLoss).toBeLessThan(rRows[0].trainLoss);
    });

  for (const [layers, batch] of [
    [1, 0],
    [2, 9],
  ])
    it(`per-example Σ(g_i/b)² on the GPU = explicit per-example gradients (L=${layers}, b=${batch || 'n'})`, async () => {
      const cfg: RunConfig = { ...base, layers, batch, gate: 'exact-soft' };
      const { ctx } = await gpu();
      const g = await GpuTrainer.create(cfg, ctx, nodeShaderSources());
      const r = new ReferenceTrainer(cfg);
      g.train(1);
      r.train(1);
      const gs = await g.readGradientStats();
      const rs = await r.readGradientStats(); // the reference's sq: Σ over one-example backward passes
      g.destroy();
      expect(gs.fresh).toBe(true);
      // Σg² is a sum of b squares of O(1/b) float32 gradients: relative error ~1e-6;
      // bound 1e-4 relative to the largest entry of its tensor
      for (const t of r.paramLayout.tensors) {
        let scale = 0;
        for (let k = t.offset; k < t.offset + t.size; k++) scale = Math.max(scale, rs.sq[k]);
        expect(scale, t.name).toBeGreaterThan(0);
        for (let k = t.offset; k < t.offset + t.size; k++) expect(Math.abs(gs.sq[k] - rs.sq[k]), `${t.name}[${k - t.offset}]`).toBeLessThan(1e-4 * scale);
        for (let k = t.offset; k < t.offset + t.size; k++) expect(Math.abs(gs.mean[k] - rs.mean[k]), `mean ${t.name}`).toBeLessThan(1e-4 * Math.sqrt(scale) * 10 + 1e-7);
      }
    });
});
