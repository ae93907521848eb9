/**
 * The regress task on the GPU: loss.wgsl `squared` against its float64 twin, the
 * whole engine against the reference for 50 steps (AdamW and plain gradient descent,
 * full batch; SGD momentum on minibatches), and the Σg² pass of the exact gate with
 * the squared loss against explicit per-example gradients of ½‖u_i − y_i‖².
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, type RunConfig } from '../src/config/settings';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { GpuTrainer } from '../src/engine/trainer';
import { initParams, modelLayout } from '../src/model/layout';
import * as ref from '../src/reference/kernels';
import { lossAndGrad } from '../src/reference/mlp';
import { makeDataset } from '../src/tasks/modular';
import { Rng } from '../src/util/rng';
import { expectClose, gpu, raceGpuVsReference, runKernel, u32s } from './gpu';

const U = 2 ** -24; // float32 unit roundoff

describe('loss.wgsl squared', () => {
  for (const k of [5, 13, 97])
    it(`k=${k}, gradient in place and without`, async () => {
      const rng = new Rng(k, 'sq');
      const n = 67;
      const Z = Float32Array.from({ length: n * k }, () => 3 * rng.normal());
      const Y = Float32Array.from({ length: n * k }, () => rng.normal());
      const perEx = new Float64Array(2 * n);
      const G = new Float64Array(n * k);
      ref.squaredLoss(Z, Y, n, k, 1 / n, perEx, G);
      const o = await runKernel('squaredLoss', { 4: u32s([n, k, 1, 0], { 3: 1 / n }), 5: { data: Y }, 6: { data: Z }, 7: { size: 2 * n } }, Math.ceil(n / 64));
      // k squared residuals summed: (k + 3)·u relative error on a sum of positive terms
      expectClose(o[7], perEx, 1e-30, (k + 3) * U, 'loss, sqerr');
      // g = (u − y)·fl(1/n): the subtraction, the multiply and the float32 rounding of the scale, 3u relative
      expectClose(o[6], G, 1e-30, 4 * U, 'g');
      const o2 = await runKernel('squaredLoss', { 4: u32s([n, k, 0, 0], { 3: 1 / n }), 5: { data: Y }, 6: { data: Z }, 7: { size: 2 * n } }, Math.ceil(n / 64));
      expect(Array.from(o2[6].subarray(0, n * k))).toEqual(Array.from(Z)); // flags 0 (evaluation): outputs untouched
    });
});

const base: RunConfig = { ...defaultConfig(), task: 'regress', p: 11, train: 0.5, noiseStd: 0.5, embed: 8, width: 16, depth: 1, evalEvery: 10, seed: 3, wd: 0 };

/**
 * Tolerances, as in engine.gpu.test.ts: float32 dot products of ≤ 2·width = 32 terms
 * carry ≤ (K+2)·u ≈ 2e-6 relative error; the loss ½‖u − y‖² (≈ 0.6 per example at
 * init, outputs O(1)) inherits a few of those per layer; Adam's per-coordinate step is
 * bounded by η, GD at η = 0.05 is contractive on this loss. Bounds: loss and MSE 2e-5
 * absolute, weights 2e-5 relative.
 */
describe('GPU engine vs reference on the regress task, 50 steps', () => {
  const cases: { name: string; over: Partial<RunConfig> }[] = [
    { name: 'AdamW, full batch', over: { opt: 'adamw', lr: 1e-2 } },
    { name: 'plain gradient descent (sgd, momentum 0), full batch', over: { opt: 'sgd', momentum: 0, lr: 0.05 } },
    { name: 'SGD momentum, minibatch 16, gelu', over: { opt: 'sgd', momentum: 0.9, lr: 0.02, batch: 16, act: 'gelu' } },
  ];
  for (const { name, over } of cases)
    it(name, async () => {
      const { gRows, rRows, relW } = await raceGpuVsReference({ ...base, ...over });
      expect(gRows.map((r) => r.step)).toEqual([10, 20, 30, 40, 50]);
      for (let i = 0; i < gRows.length; i++) {
        const [g, r] = [gRows[i], rRows[i]];
        expect(g.trainAcc).toBeNull();
        expect(g.testAcc).toBeNull();
        expect(Math.abs(g.trainLoss - r.trainLoss)).toBeLessThan(2e-5);
        expect(Math.abs(g.testLoss - r.testLoss)).toBeLessThan(2e-5);
        expect(Math.abs(g.trainMse! - r.trainMse!)).toBeLessThan(2e-5);
        expect(Math.abs(g.testMse! - r.testMse!)).toBeLessThan(2e-5);
      }
      expect(relW).toBeLessThan(2e-5);
      expect(rRows[4].trainLoss).toBeLessThan(0.8 * rRows[0].trainLoss); // it trained
    });
});

describe('Σg² with the squared loss (exact gate path)', () => {
  it('equals Σ_i (g_i/b)² of explicit per-example gradients of ½‖u_i − y_i‖²', async () => {
    const cfg: RunConfig = { ...base, gate: 'exact-soft', batch: 0 };
    const ds = makeDataset(cfg);
    const reg = ds.regression!;
    const layout = modelLayout(cfg);
    const w = Float64Array.from(initParams(layout, cfg.seed));
    const n = ds.trainIdx.length;
    const sumSq = new Float64Array(layout.totalSize);
    const mean = new Float64Array(layout.totalSize);
    for (const e of ds.trainIdx) {
      const gi = lossAndGrad(layout, w, ds.tokens.subarray(2 * e, 2 * e + 2), Float64Array.from(reg.targets.subarray(e * reg.k, (e + 1) * reg.k)), 1).grad;
      for (let j = 0; j < gi.length; j++) {
        sumSq[j] += (gi[j] / n) ** 2;
        mean[j] += gi[j] / n;
      }
    }
    const { ctx } = await gpu();
    const t = await GpuTrainer.create(cfg, ctx, nodeShaderSources(), ds);
    t.train(1); // the statistics of step 1 are taken at the initial weights
    const stats = await t.readGradientStats();
    t.destroy();
    expect(stats.fresh).toBe(true);
    expect(stats.b).toBe(n);
    // float32: each Σ over n = 61 examples of positive terms, after a backward of ≤ 32-term
    // dot products: relative 1e-4 with an absolute floor at float32 resolution of the largest entry
    const maxSq = Math.max(...sumSq);
    const maxMean = Math.max(...mean.map(Math.abs));
    for (const tensor of layout.tensors)
      for (let j = tensor.offset; j < tensor.offset + tensor.size; j++) {
        expect(Math.abs(stats.sq[j] - sumSq[j])).toBeLessThan(1e-4 * sumSq[j] + 1e-6 * maxSq);
        expect(Math.abs(stats.mean[j] - mean[j])).toBeLessThan(1e-4 * Math.abs(mean[j]) + 1e-6 * maxMean);
      }
    expect(maxSq).toBeGreaterThan(0);
  });
});
