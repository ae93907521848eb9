/**
 * The step allocates nothing: after a trainer is built, 100 training steps (with
 * evaluations, metric readbacks and a live gate change) create no GPU buffer and no
 * bind group. Counted by wrapping the device's create calls.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, type RunConfig } from '../src/config/settings';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { GpuTrainer } from '../src/engine/trainer';
import { gpu } from './gpu';

function countCreations(device: GPUDevice) {
  const counts = { buffers: 0, bindGroups: 0 };
  const createBuffer = device.createBuffer.bind(device);
  const createBindGroup = device.createBindGroup.bind(device);
  device.createBuffer = (d: GPUBufferDescriptor) => (counts.buffers++, createBuffer(d));
  device.createBindGroup = (d: GPUBindGroupDescriptor) => (counts.bindGroups++, createBindGroup(d));
  const restore = () => {
    device.createBuffer = createBuffer;
    device.createBindGroup = createBindGroup;
  };
  return { counts, restore };
}

const cases: [string, Partial<RunConfig>][] = [
  ['full batch, AdamW', {}],
  ['minibatch 16, exact-hard gate', { batch: 16, gate: 'exact-hard' }],
];

describe('no allocation in the step', () => {
  for (const [name, over] of cases)
    it(`${name}: 100 steps create no buffer and no bind group`, async () => {
      const { ctx } = await gpu();
      const cfg: RunConfig = { ...defaultConfig(), task: 'add', p: 11, train: 0.6, embed: 8, width: 16, evalEvery: 10, ...over };
      const t = await GpuTrainer.create(cfg, ctx, nodeShaderSources());
      const { counts, restore } = countCreations(ctx.device);
      try {
        t.train(50);
        t.applyLive({ gate: cfg.gate === 'off' ? 'stream' : 'off' });
        t.train(50);
        await t.flush();
        expect(t.drainMetrics().length).toBe(10); // the readbacks really ran
      } finally {
        restore();
      }
      t.destroy();
      expect(counts).toEqual({ buffers: 0, bindGroups: 0 });
      // the wrapper does count: building a trainer allocates its buffers and bind groups
      const probe = countCreations(ctx.device);
      const t2 = await GpuTrainer.create(cfg, ctx, nodeShaderSources());
      probe.restore();
      t2.destroy();
      expect(probe.counts.buffers).toBeGreaterThan(0);
      expect(probe.counts.bindGroups).toBeGreaterThan(0);
    });

  it('reports its dispatches per step', async () => {
    const { ctx } = await gpu();
    const cfg: RunConfig = { ...defaultConfig(), task: 'add', p: 11, train: 0.6, embed: 8, width: 16, depth: 1 };
    const t = await GpuTrainer.create(cfg, ctx, nodeShaderSources());
    const d = t.dispatches;
    t.destroy();
    // depth 1 (two linear layers): forward P = E·W'ᵀ, lookup_act, the head's matmul and bias, loss = 5;
    // backward: the head's bias grad, weight grad, input grad; the hidden layer's act_bias_grad,
    // token_sum, dW' = Sᵀ·E, dE = S·W' = 7; optimizer 3 (direction+apply fused, the two mask-sum passes).
    // The exact gates' backward replaces dE = S·W' by W₀'s Σg² = (R∘R)ᵀ(E∘E), dX₀ = δ₀W₀ and scatter
    // (dE and its Σg²): 9. Evaluation: the forward and the two metrics passes = 7.
    expect(d).toEqual({ step: 15, stepExact: 17, evaluation: 7 });
    // Cautious needs its per-tensor rescale before the update: direction, sums, apply = 4
    const c = await GpuTrainer.create({ ...cfg, opt: 'cautious' }, ctx, nodeShaderSources());
    expect(c.dispatches.step).toBe(16);
    c.destroy();
  });
});
