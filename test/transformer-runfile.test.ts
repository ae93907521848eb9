/**
 * Transformer run files: the contract's tensor names, a round trip through the loader,
 * and the recorded epoch orders, which must reproduce the sampler's minibatches (fresh
 * permutation per epoch, tail dropped) so an outside replay takes the same batches.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, type RunConfig } from '../src/config/settings';
import { BatchSampler, epochOrders } from '../src/model/run';
import { buildRunFile, parseRunFile } from '../src/model/runfile';
import { ReferenceTrainer } from '../src/reference/trainer';
import { makeDataset } from '../src/tasks/modular';

const cfg: RunConfig = { ...defaultConfig(), arch: 'transformer', task: 'add', p: 7, train: 0.6, dmodel: 8, heads: 2, ffn: 16, layers: 2, batch: 8, lr: 1e-3, evalEvery: 5 };

describe('transformer run file', () => {
  it('names tensors as the contract, records the batches, round-trips', async () => {
    const t = new ReferenceTrainer(cfg);
    t.train(10);
    const state = await t.readState();
    const file = buildRunFile({ config: t.config, dataset: t.dataset, step: t.step, metrics: t.drainMetrics(), events: t.events, state, layout: t.paramLayout });
    expect(file.weights['tok_embed'].shape).toEqual([9, 8]);
    expect(file.weights['pos_embed'].shape).toEqual([4, 8]);
    expect(file.weights['blocks.1.attn.q.weight'].shape).toEqual([8, 8]);
    expect(file.weights['blocks.0.mlp.fc1.weight'].shape).toEqual([16, 8]);
    expect(file.weights['blocks.0.mlp.fc2.weight'].shape).toEqual([8, 16]);
    expect(file.weights['unembed.weight'].shape).toEqual([7, 8]);
    // 29 training pairs, b = 8: 3 batches per epoch (tail of 5 dropped), 10 steps → 4 epochs begun
    expect(file.batches!.b).toBe(8);
    expect(file.batches!.epochs.length).toBe(4);
    const p = parseRunFile(JSON.stringify(file));
    expect(p.config).toEqual(t.config);
    expect(Array.from(p.state.params)).toEqual(Array.from(state.params));
  });

  it('epoch orders reproduce the sampler batch by batch', () => {
    const ds = makeDataset(cfg);
    const b = 8;
    const steps = 17;
    const orders = epochOrders(ds.trainIdx, b, cfg.seed, steps);
    const s = new BatchSampler(ds.trainIdx, b, cfg.seed);
    const batch = new Uint32Array(b);
    const perEpoch = Math.floor(ds.trainIdx.length / b);
    for (let t = 0; t < steps; t++) {
      s.next(batch);
      const e = Math.floor(t / perEpoch);
      const k = t % perEpoch;
      expect(Array.from(batch)).toEqual(Array.from(orders[e].subarray(k * b, (k + 1) * b)));
      expect(s.position).toEqual({ epoch: e + 1, index: k, count: perEpoch });
    }
    // every epoch is a permutation of the training set
    for (const o of orders) expect(Array.from(o).sort((x, y) => x - y)).toEqual(Array.from(ds.trainIdx).sort((x, y) => x - y));
  });
});
