/**
 * The regress task on the CPU: the teacher and the noise (seeded, separate, exposed
 * apart), the settings rules, and the float64 squared loss — its normalisation
 * Φ = (1/(2n)) Σ‖u_i − y_i‖² (g = (u − y)/n), finite differences, and Σg² against
 * explicit per-example gradients of ½‖u_i − y_i‖².
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, parseSettings, validateConfig, type RunConfig } from '../src/config/settings';
import { presetConfig } from '../src/config/presets';
import { initParams, modelLayout } from '../src/model/layout';
import { buildRunFile, parseRunFile } from '../src/model/runfile';
import { metricsCsv } from '../src/model/csv';
import { forward, lossAndGrad } from '../src/reference/mlp';
import { ReferenceTrainer } from '../src/reference/trainer';
import { makeDataset } from '../src/tasks/modular';
import { splitTargets } from '../src/tasks/regression';
import { expectFiniteDifferences, expectSquaredGradientsPerExample } from './gradcheck';

const cfg: RunConfig = { ...defaultConfig(), task: 'regress', p: 7, train: 0.5, noiseStd: 0.5, teacherSeed: 4, embed: 4, width: 8, wd: 0, seed: 2 };

describe('regress dataset', () => {
  it('teacher outputs are standardised per output and depend on teacherSeed only', () => {
    const a = makeDataset(cfg).regression!;
    const b = makeDataset({ ...cfg, seed: 9, train: 0.3 }).regression!;
    const c = makeDataset({ ...cfg, teacherSeed: 5 }).regression!;
    expect(a.k).toBe(7);
    expect(a.clean.length).toBe(49 * 7);
    expect(Array.from(b.clean)).toEqual(Array.from(a.clean)); // another student seed and split: same function
    let diff = 0;
    for (let j = 0; j < a.clean.length; j++) diff += Math.abs(a.clean[j] - c.clean[j]);
    expect(diff / a.clean.length).toBeGreaterThan(0.3); // another teacher: another function
    for (let col = 0; col < a.k; col++) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < 49; i++) m += a.clean[i * 7 + col] / 49;
      for (let i = 0; i < 49; i++) v += (a.clean[i * 7 + col] - m) ** 2 / 49;
      expect(Math.abs(m)).toBeLessThan(1e-6); // float32 storage of an exactly centred column
      expect(Math.abs(Math.sqrt(v) - 1)).toBeLessThan(1e-6);
    }
  });

  it('noise sits on training rows only, at std noiseStd, and targets = clean + ε', () => {
    const ds = makeDataset({ ...cfg, p: 11, noiseStd: 0.5 });
    const reg = ds.regression!;
    const k = reg.k;
    for (const i of ds.testIdx)
      for (let c = 0; c < k; c++) {
        expect(reg.noise[i * k + c]).toBe(0);
        expect(reg.targets[i * k + c]).toBe(reg.clean[i * k + c]);
      }
    let ss = 0;
    for (const i of ds.trainIdx)
      for (let c = 0; c < k; c++) {
        expect(reg.targets[i * k + c]).toBe(Math.fround(reg.clean[i * k + c] + reg.noise[i * k + c]));
        ss += reg.noise[i * k + c] ** 2;
      }
    const N = ds.trainIdx.length * k; // 61·11 = 671 draws: the sample std is within ±0.5/√(2N)·4 ≈ ±0.055 of 0.5 at 4σ
    expect(Math.abs(Math.sqrt(ss / N) - 0.5)).toBeLessThan(0.055);
    expect(makeDataset({ ...cfg, noiseStd: 0 }).regression!.noise.every((x) => x === 0)).toBe(true);
    // the split's views: training rows in trainIdx order, clean and noise apart, held-out clean
    const v = splitTargets(reg, ds.trainIdx, ds.testIdx);
    const e = ds.trainIdx[3];
    expect(v.trainClean[3 * k + 2]).toBe(reg.clean[e * k + 2]);
    expect(v.trainNoise[3 * k + 2]).toBe(reg.noise[e * k + 2]);
    expect(v.testClean.length).toBe(ds.testIdx.length * k);
    expect(v.testClean[0]).toBe(reg.clean[ds.testIdx[0] * k]);
  });

  it('settings: regress takes noiseStd, not the label-flip fraction (and the reverse)', () => {
    const r = parseSettings([
      ['task', 'regress'],
      ['noise', '0.2'],
    ]);
    expect(r.errors.map((e) => e.key)).toEqual(['noise']);
    expect(r.errors[0].message).toMatch(/noiseStd/);
    const m = parseSettings([['noiseStd', '0.3']]);
    expect(m.errors.map((e) => e.key)).toEqual(['noiseStd']);
    const ok = parseSettings([
      ['task', 'regress'],
      ['noiseStd', '0.3'],
      ['teacherSeed', '7'],
    ]);
    expect(ok.errors).toEqual([]);
    expect(ok.config.noiseStd).toBe(0.3);
    expect(ok.config.teacherSeed).toBe(7);
    expect(() => validateConfig({ ...cfg, noise: 0.1 })).toThrow(/noiseStd/);
    expect(presetConfig('regress')!.task).toBe('regress');
  });
});

describe('squared loss, float64', () => {
  const layout = modelLayout(cfg);
  const ds = makeDataset(cfg);
  const n = ds.trainIdx.length;
  const k = ds.regression!.k;
  const tokens = new Uint32Array(2 * n);
  const targets = new Float64Array(n * k);
  ds.trainIdx.forEach((e, i) => {
    tokens.set(ds.tokens.subarray(2 * e, 2 * e + 2), 2 * i);
    for (let c = 0; c < k; c++) targets[i * k + c] = ds.regression!.targets[e * k + c];
  });
  const w = Float64Array.from(initParams(layout, 3));

  it('is Φ = (1/(2n)) Σ‖u_i − y_i‖², with head-bias gradient Σ_i (u_i − y_i)/n', () => {
    const u = forward(layout, w, tokens, n).logits;
    let phi = 0;
    const gb = new Float64Array(k);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < k; c++) {
        const r = u[i * k + c] - targets[i * k + c];
        phi += (r * r) / (2 * n);
        gb[c] += r / n; // ∂Φ/∂(head.bias)_c = Σ_i g_ic with g = (u − y)/n
      }
    const lg = lossAndGrad(layout, w, tokens, targets, n);
    expect(Math.abs(lg.loss - phi)).toBeLessThan(1e-12 * phi);
    const hb = layout.tensors.find((t) => t.name === 'head.bias')!;
    for (let c = 0; c < k; c++) expect(Math.abs(lg.grad[hb.offset + c] - gb[c])).toBeLessThan(1e-12);
    // acc slot of the squared loss: mean squared error per output, 2Φ/k
    expect(Math.abs(lg.acc - (2 * phi) / k)).toBeLessThan(1e-12);
  });

  it('matches central finite differences', () => expectFiniteDifferences(layout, w, tokens, targets, n));

  it('Σ(g_i/b)² equals the sum over explicit per-example gradients of ½‖u_i − y_i‖²', () => expectSquaredGradientsPerExample(layout, w, tokens, targets, n));
});

describe('regress runs', () => {
  it('report MSE, not accuracy, in rows, CSV and the run file (which records the teacher)', async () => {
    const t = new ReferenceTrainer({ ...cfg, evalEvery: 5, lr: 1e-2 });
    t.train(10);
    const rows = t.drainMetrics();
    expect(rows.length).toBe(2);
    for (const r of rows) {
      expect(r.trainAcc).toBeNull();
      expect(r.testAcc).toBeNull();
      expect(r.flippedAcc).toBeNull();
    }
    // the MSE of the last row, recomputed from the weights
    const ds = t.dataset;
    const reg = ds.regression!;
    const u = forward(t.layout, t.w, ds.tokens, ds.labels.length).logits;
    const mse = (idx: Uint32Array) => {
      let s = 0;
      for (const i of idx) for (let c = 0; c < reg.k; c++) s += (u[i * reg.k + c] - reg.targets[i * reg.k + c]) ** 2;
      return s / (idx.length * reg.k);
    };
    expect(Math.abs(rows[1].trainMse! - mse(ds.trainIdx))).toBeLessThan(1e-12);
    expect(Math.abs(rows[1].testMse! - mse(ds.testIdx))).toBeLessThan(1e-12);
    expect(rows[1].trainMse!).toBeLessThan(rows[0].trainMse!);
    const csv = metricsCsv([{ metrics: rows }]).split('\n');
    expect(csv[1].split(',')[2]).toBe(''); // trainAcc: empty, never a made-up number
    expect(Number(csv[1].split(',')[5])).toBe(rows[0].trainMse);
    const state = await t.readState();
    const file = buildRunFile({ config: t.config, dataset: ds, step: t.step, metrics: rows, events: [], state, layout: t.layout });
    expect(file.teacher).toEqual({ seed: 4, embed: 8, width: 32, act: 'tanh', outputs: 7, standardised: true });
    const back = parseRunFile(JSON.stringify(file));
    expect(back.metrics[1].testMse).toBe(rows[1].testMse);
    expect(back.metrics[1].testAcc).toBeNull();
    expect(() => parseRunFile(JSON.stringify({ ...file, teacher: { ...file.teacher, seed: 5 } }))).toThrow(/teacher/);
  });
});
