import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/config/presets';
import { buildRunFile, parseRunFile } from '../src/model/runfile';
import { ReferenceTrainer } from '../src/reference/trainer';

async function sample() {
  const cfg = { ...presetConfig('tiny')!, noise: 0.1, evalEvery: 5 };
  const t = new ReferenceTrainer(cfg);
  t.train(10);
  t.applyLive({ gate: 'exact-soft' });
  t.train(5);
  const state = await t.readState();
  const file = buildRunFile({ config: t.config, dataset: t.dataset, step: t.step, metrics: t.drainMetrics(), events: t.events, state, layout: t.layout });
  return { t, file, text: JSON.stringify(file) };
}

describe('run file', () => {
  it('round-trips config, split, metrics, events, weights and optimizer state', async () => {
    const { t, file, text } = await sample();
    expect(file.weights['hidden.0.weight'].shape).toEqual([32, 32]);
    expect(file.split.flipped.length).toBeGreaterThan(0);
    const p = parseRunFile(text);
    expect(p.config).toEqual(t.config);
    expect(p.step).toBe(15);
    expect(p.metrics.map((m) => m.step)).toEqual([5, 10, 15]);
    expect(p.metrics[2].gateOpen).not.toBeNull();
    expect(p.metrics[2].gateOpenByTensor).toHaveLength(t.layout.tensors.length);
    expect(p.events).toEqual(t.events);
    const st = await t.readState();
    expect(Array.from(p.state.params)).toEqual(Array.from(st.params));
    expect(Array.from(p.state.v)).toEqual(Array.from(st.v));
  });

  it('resuming from the file continues exactly where the run was', async () => {
    const { t, text } = await sample();
    const p = parseRunFile(text);
    const resumed = new ReferenceTrainer(p.config);
    resumed.loadState(p.state);
    t.train(10);
    resumed.train(10);
    // the reference trains in float64 but a run file stores float32: the resumed run starts
    // from weights and moments rounded by ≤ 2⁻²⁴ relative, and 10 Adam steps (each bounded by
    // η = 0.01 per coordinate) keep that at rounding level; 1e-5 absolute leaves ample room
    // while any real resume bug (wrong step, wrong batch, lost moments) moves weights by ~η.
    let worst = 0;
    for (let k = 0; k < t.w.length; k++) worst = Math.max(worst, Math.abs(resumed.w[k] - t.w[k]));
    expect(worst).toBeLessThan(1e-5);
    expect(resumed.step).toBe(t.step);
  });

  it('says what is wrong with a corrupt file', async () => {
    const { file } = await sample();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutating arbitrary fields
    const bad = (mut: (f: Record<string, any>) => void) => {
      const f = structuredClone(file) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mutating arbitrary fields
      mut(f);
      return () => parseRunFile(JSON.stringify(f));
    };
    expect(() => parseRunFile('{"format": "grokscope-run", "version": 1, ')).toThrow(/not valid JSON/);
    expect(() => parseRunFile('[]')).toThrow(/format/);
    expect(bad((f) => (f.version = 9))).toThrow(/version 9/);
    expect(bad((f) => (f.config.p = 12))).toThrow(/not prime/);
    expect(bad((f) => (f.weights['head.bias'].shape = [3]))).toThrow(/head.bias: shape/);
    expect(bad((f) => (f.weights.embed.data[3] = 'x'))).toThrow(/embed\[3\]/);
    expect(bad((f) => delete f.weights['hidden.0.bias'])).toThrow(/hidden.0.bias/);
    expect(bad((f) => (f.split.train = f.split.train.slice(1)))).toThrow(/split does not match/);
    expect(bad((f) => (f.config.seed = 99))).toThrow(/split does not match/);
    expect(bad((f) => delete f.optimizer.m)).toThrow(/optimizer.m/);
    expect(bad((f) => (f.metrics[0].testAcc = null))).toThrow(/metrics\[0\].testAcc/);
  });

  it('never accepts truncated text', async () => {
    const { text } = await sample();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 1 }), (cut) => {
        expect(() => parseRunFile(text.slice(0, cut))).toThrow();
      }),
      { numRuns: 50 },
    );
  });
});
