/**
 * The whole GPU training step against the whole float64 reference step: 50 steps
 * from the same initial weights, same batches, compared through the metrics the
 * engine reads back asynchronously and through the final weights.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, type RunConfig } from '../src/config/settings';
import { GpuTrainer } from '../src/engine/trainer';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { ReferenceTrainer } from '../src/reference/trainer';
import { gpu, raceGpuVsReference } from './gpu';

const base: RunConfig = { ...defaultConfig(), task: 'add', p: 11, train: 0.6, embed: 8, width: 16, depth: 1, evalEvery: 10, seed: 3 };

/**
 * Tolerances. Each float32 dot product of K ≤ 2·width = 32 terms carries a relative
 * error ≤ (K+2)·u ≈ 2e-6 (u = 2⁻²⁴); the loss (~2.4 nats at init) inherits a few of those
 * per layer, and a smooth optimizer does not amplify them much over 50 steps (Adam's
 * step is bounded by η per coordinate). Measured on SwiftShader: loss ≤ 1e-6, weights
 * ≤ 1.2e-6 relative. Bounds: loss 2e-5 absolute, weights 2e-5 relative (~10× headroom).
 * Hard masks are discontinuous: where μ² ≈ σ²/(b−1) to float32 precision a mask bit may
 * flip, changing that coordinate's step by η·|u| ≈ η; measured 8e-3 relative weight
 * difference after 50 steps with exact-hard. Bounds for hard gates: loss 5e-3, weights 5e-2.
 */
interface Case {
  name: string;
  over: Partial<RunConfig>;
  hard?: boolean;
}
const cases: Case[] = [
  { name: 'AdamW, full batch, relu', over: {} },
  { name: 'SGD momentum, minibatch 16, gelu, depth 2', over: { opt: 'sgd', lr: 0.1, batch: 16, act: 'gelu', depth: 2 } },
  { name: 'plain gradient descent (sgd, momentum 0)', over: { opt: 'sgd', momentum: 0, lr: 0.5 } },
  { name: 'AdamW + exact-hard gate, minibatch 24', over: { gate: 'exact-hard', batch: 24 }, hard: true },
  { name: 'Cautious + exact-soft, quadratic', over: { opt: 'cautious', gate: 'exact-soft', act: 'quadratic', lr: 3e-3 } },
  { name: 'Grokfast + stream gate, depth 3', over: { opt: 'grokfast', gate: 'stream', depth: 3 } },
  { name: 'AdamW + stream-hard, minibatch 32', over: { gate: 'stream-hard', batch: 32 }, hard: true },
];

describe('GPU engine vs reference, 50 steps', () => {
  for (const { name, over, hard } of cases)
    it(name, async () => {
      const { gRows, rRows, relW } = await raceGpuVsReference({ ...base, ...over });
      expect(gRows.map((r) => r.step)).toEqual([10, 20, 30, 40, 50]);
      const lossTol = hard ? 5e-3 : 2e-5;
      for (let i = 0; i < gRows.length; i++) {
        const [g, r] = [gRows[i], rRows[i]];
        expect(Math.abs(g.trainLoss - r.trainLoss)).toBeLessThan(lossTol);
        expect(Math.abs(g.testLoss - r.testLoss)).toBeLessThan(lossTol);
        // accuracies are counts/n: they may differ only by examples whose top two logits tie to f32 precision
        expect(Math.abs(g.trainAcc! - r.trainAcc!)).toBeLessThanOrEqual(hard ? 0.05 : 0.02);
        if (over.gate && !hard) expect(Math.abs(g.gateOpen! - r.gateOpen!)).toBeLessThan(1e-4);
      }
      expect(relW).toBeLessThan(hard ? 5e-2 : 2e-5);
      // training actually moved: the loss fell
      expect(rRows[4].trainLoss).toBeLessThan(rRows[0].trainLoss);
    });

  it('a live gate toggle keeps weights and moments and is recorded', async () => {
    const { ctx } = await gpu();
    const cfg = { ...base };
    const g = await GpuTrainer.create(cfg, ctx, nodeShaderSources());
    const r = new ReferenceTrainer(cfg);
    for (const t of [g, r] as const) {
      t.train(20);
      t.applyLive({ gate: 'exact-soft' });
      t.train(20);
      t.applyLive({ gate: 'off' });
      t.train(10);
    }
    await g.flush();
    const gRows = g.drainMetrics();
    const rRows = r.drainMetrics();
    expect(g.events).toEqual([
      { step: 20, kind: 'gate', from: 'off', to: 'exact-soft' },
      { step: 40, kind: 'gate', from: 'exact-soft', to: 'off' },
    ]);
    expect(gRows.map((x) => x.gateOpen === null)).toEqual([true, true, false, false, true]);
    for (let i = 0; i < 5; i++) expect(Math.abs(gRows[i].trainLoss - rRows[i].trainLoss)).toBeLessThan(2e-5);
    g.destroy();
  });

  it("an adapter whose buffer limit is below the config's largest buffer refuses the run by name, before allocating", async () => {
    const { ctx } = await gpu();
    const small = { maxStorageBufferBindingSize: 4096, maxBufferSize: 4096 };
    // only `limits` is read before the check throws: a device view with smaller limits is enough
    const device = Object.create(ctx.device, { limits: { value: { ...small } } }) as GPUDevice;
    await expect(GpuTrainer.create(base, { ...ctx, device }, nodeShaderSources())).rejects.toThrow(/this adapter cannot run the config: width=.* MiB limit/);
  });

  it('divergence: the metrics kernel flags lr = 1e6 in the rows the host reads anyway, as the reference does; a sane run never', async () => {
    const { ctx } = await gpu();
    const cfg = { ...base, lr: 1e6, evalEvery: 5 };
    const g = await GpuTrainer.create(cfg, ctx, nodeShaderSources());
    const r = new ReferenceTrainer(cfg);
    g.train(30);
    r.train(30);
    await g.flush();
    const gFlag = g.drainMetrics().map((x) => (x.nonFinite ?? 0) > 0);
    const rFlag = r.drainMetrics().map((x) => (x.nonFinite ?? 0) > 0);
    g.destroy();
    // Adam moves every weight by ~η = 1e6 per step: logits overflow float32 within a few steps
    expect(gFlag.some(Boolean)).toBe(true);
    expect(rFlag.some(Boolean)).toBe(true);
    // once non-finite, always non-finite (NaN is absorbing through the optimizer)
    expect(gFlag.slice(gFlag.indexOf(true)).every(Boolean)).toBe(true);
    const healthy = await raceGpuVsReference(base, 20);
    expect(healthy.gRows.every((x) => x.nonFinite === undefined)).toBe(true);
  });

  it('a destroyed trainer gives back every buffer it made, and the device-lost flag follows device.destroy()', async () => {
    const { gpuResources } = await import('../src/engine/resources');
    const { nodeGpuContext } = await import('../src/engine/node');
    const before = gpuResources.buffers;
    const own = await nodeGpuContext(); // a device of its own: this test destroys it
    const g = await GpuTrainer.create(base, own, nodeShaderSources());
    expect(gpuResources.buffers).toBeGreaterThan(before);
    g.train(3);
    await g.flush();
    g.loseDevice();
    await own.device.lost;
    expect(g.deviceLost).toBe(true);
    expect(g.lostReason).toMatch(/GPU device lost \(destroyed\)/);
    expect(() => g.train(1)).toThrow(/GPU device lost/);
    g.destroy();
    expect(gpuResources.buffers).toBe(before);
  });
});
