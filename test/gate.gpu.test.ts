/**
 * The gate really gates, through the whole GPU step. With b = 2 examples the exact
 * rule μ² > σ²/(b−1) reads ((g₁+g₂)/2)² > ((g₁−g₂)/2)², i.e. g₁·g₂ > 0: a parameter
 * whose two per-example gradients disagree in sign (or where one is zero — an
 * embedding row only one example uses) must not move; every other one must.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, type RunConfig } from '../src/config/settings';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { GpuTrainer } from '../src/engine/trainer';
import { initParams, modelLayout } from '../src/model/layout';
import { lossAndGrad } from '../src/reference/mlp';
import { makeDataset } from '../src/tasks/modular';
import { gpu } from './gpu';

describe('exact-hard gate, hand-built batch of two', () => {
  it('leaves exactly the parameters whose per-example gradients cancel unchanged', async () => {
    // p = 5, train 0.08 → round(0.08·25) = 2 training examples, full batch
    const cfg: RunConfig = { ...defaultConfig(), task: 'add', p: 5, train: 0.08, embed: 4, width: 8, gate: 'exact-hard', wd: 0, lr: 1e-2, seed: 5 };
    const ds = makeDataset(cfg);
    expect(ds.trainIdx.length).toBe(2);
    const layout = modelLayout(cfg);
    const w0 = initParams(layout, cfg.seed);
    const w64 = Float64Array.from(w0);
    const g = [0, 1].map((j) => {
      const e = ds.trainIdx[j];
      return lossAndGrad(layout, w64, ds.tokens.subarray(2 * e, 2 * e + 2), ds.labels.subarray(e, e + 1), 1).grad;
    });
    const { ctx } = await gpu();
    const t = await GpuTrainer.create(cfg, ctx, nodeShaderSources(), ds);
    t.train(1);
    const st = await t.readState();
    const q = await t.readGateMask();
    t.destroy();
    let closed = 0;
    let open = 0;
    for (const tensor of layout.tensors)
      for (let k = tensor.offset; k < tensor.offset + tensor.size; k++) {
        const prod = g[0][k] * g[1][k];
        // skip coordinates whose sign is decided by float32 noise (|g| at rounding level)
        if (Math.abs(g[0][k]) < 1e-6 || Math.abs(g[1][k]) < 1e-6) {
          if (g[0][k] === 0 || g[1][k] === 0) {
            expect(st.params[k]).toBe(w0[k]);
            closed++;
          }
          continue;
        }
        if (prod > 0) {
          expect(q[k]).toBe(1);
          expect(st.params[k]).not.toBe(w0[k]);
          open++;
        } else {
          expect(q[k]).toBe(0);
          expect(st.params[k]).toBe(w0[k]); // bit-identical: not one ulp of movement
          closed++;
        }
      }
    // the check is not vacuous: both kinds occur
    expect(open).toBeGreaterThan(10);
    expect(closed).toBeGreaterThan(10);
  });
});
