/**
 * The Fourier view (src/theory/fourier.ts) against explicit small-matrix
 * computations: a synthetic embedding built from known frequencies gives exactly
 * those frequencies, the projections sum back to the original, the discrete log
 * turns × into + , and the restricted / excluded losses are the losses of the
 * explicitly rebuilt embeddings.
 */
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/config/presets';
import { initParams, modelLayout } from '../src/model/layout';
import { forward } from '../src/reference/mlp';
import { makeDataset } from '../src/tasks/modular';
import {
  basisOf,
  eigenvectorFourier,
  FourierMeter,
  fourierGroup,
  frequencyCount,
  frequencyPower,
  frequencyShares,
  keyFrequencies,
  meanCrossEntropy,
  primitiveRoot,
  projectFrequencies,
  topShare,
} from '../src/theory/fourier';
import { Rng } from '../src/util/rng';

// float64 sums of ≤ 113 terms of size ≤ ~10: rounding ~1e-13; 1e-10 leaves room and still catches any wrong factor
const TOL = 1e-10;

/** E[x, col] = Σ_(k, amp, phase) amp·cos(2πk·pos(x)/n + phase), one term per column group */
function synthetic(p: number, d: number, n: number, pos: (x: number) => number | null, terms: { k: number; amp: number; phase: number; col: number }[]): Float64Array {
  const E = new Float64Array(p * d);
  for (let x = 0; x < p; x++) {
    const j = pos(x);
    if (j === null) continue;
    for (const t of terms) E[x * d + t.col] += t.amp * Math.cos((2 * Math.PI * t.k * j) / n + t.phase);
  }
  return E;
}

describe('Fourier basis', () => {
  it.each([7, 12, 23])('is orthonormal and complete on ℤ_%i', (n) => {
    const all: Float64Array[] = [];
    for (let k = 0; k <= frequencyCount(n); k++) all.push(...basisOf(n, k));
    expect(all.length).toBe(n);
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += all[a][j] * all[b][j];
        expect(Math.abs(s - (a === b ? 1 : 0))).toBeLessThan(TOL);
      }
  });
});

describe('embedding power', () => {
  it('a synthetic embedding of frequencies 3 and 7 on ℤ_23 has power exactly there, with Parseval', () => {
    const p = 23;
    const d = 4;
    const group = fourierGroup('add', p);
    const E = synthetic(p, d, p, (x) => x, [
      { k: 3, amp: 2, phase: 0.3, col: 0 },
      { k: 7, amp: 1, phase: -1.1, col: 1 },
      { k: 3, amp: 0.5, phase: 2, col: 3 },
    ]);
    const power = frequencyPower(E, d, group);
    // amp·cos over n points has energy amp²·n/2: frequency 3 holds (4 + 0.25)·23/2, frequency 7 holds 23/2
    expect(power[3]).toBeCloseTo((4.25 * p) / 2, 9);
    expect(power[7]).toBeCloseTo(p / 2, 9);
    power.forEach((v, k) => {
      if (k !== 3 && k !== 7) expect(v).toBeLessThan(TOL);
    });
    // Parseval: Σ_k power = ‖E‖²
    const norm2 = E.reduce((a, v) => a + v * v, 0);
    expect(Math.abs(power.reduce((a, b) => a + b, 0) - norm2)).toBeLessThan(TOL * norm2);
    const shares = frequencyShares(power);
    expect(keyFrequencies(shares)).toEqual([3, 7]);
    expect(topShare(shares, 2)).toBeCloseTo(1, 12);
  });

  it('× is relabelled by the discrete logarithm: an embedding periodic in log_g x has its frequency on ℤ_{p−1}', () => {
    const p = 13;
    const g = primitiveRoot(p);
    expect(g).toBe(2); // 2 generates ℤ_13^×
    const group = fourierGroup('mul', p);
    expect(group.n).toBe(12);
    expect(new Set(group.order)).toEqual(new Set(Array.from({ length: 12 }, (_, i) => i + 1)));
    // order[j] = g^j, so log_g(order[j]) = j, and order[j]·order[i] = order[(i+j) mod 12]
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) expect((group.order[i] * group.order[j]) % p).toBe(group.order[(i + j) % 12]);
    const log = new Map(group.order.map((x, j) => [x, j]));
    const E = synthetic(p, 2, 12, (x) => (x === 0 ? null : log.get(x)!), [{ k: 5, amp: 1, phase: 0.4, col: 0 }]);
    E[0] = 9; // token 0 is outside the group and must not leak into the spectrum
    const power = frequencyPower(E, 2, group);
    expect(power[5]).toBeCloseTo(6, 9);
    power.forEach((v, k) => k !== 5 && expect(v).toBeLessThan(TOL));
    // in the natural order the same embedding is spread over many frequencies
    const natural = frequencyShares(frequencyPower(E, 2, { ...fourierGroup('add', p), n: p }));
    expect(Math.max(...natural)).toBeLessThan(0.9);
  });

  it('the Nyquist frequency of an even group has one basis vector and its own power', () => {
    const group = fourierGroup('div', 7); // n = 6, frequencies 0..3
    const E = synthetic(7, 1, 6, (x) => (x === 0 ? null : group.order.indexOf(x)), [{ k: 3, amp: 2, phase: 0, col: 0 }]);
    const power = frequencyPower(E, 1, group);
    expect(power).toHaveLength(4);
    expect(power[3]).toBeCloseTo(24, 9); // (±2)² over 6 points
  });
});

describe('projections', () => {
  it('P_0 + P_key + P_other sums back to E on the group rows, and each part is idempotent', () => {
    for (const task of ['add', 'mul'] as const) {
      const p = 11;
      const d = 3;
      const group = fourierGroup(task, p);
      const rng = new Rng(5, 'fourier');
      const E = Float64Array.from({ length: p * d }, () => rng.normal());
      const key = [2, 4];
      const other = Array.from({ length: frequencyCount(group.n) }, (_, i) => i + 1).filter((k) => !key.includes(k));
      const parts = [projectFrequencies(E, d, group, [0]), projectFrequencies(E, d, group, key), projectFrequencies(E, d, group, other)];
      for (let x = 0; x < p; x++)
        for (let c = 0; c < d; c++) {
          const sum = parts.reduce((a, P) => a + P[x * d + c], 0);
          // rows outside the group (token 0 under ×) belong to no frequency
          expect(Math.abs(sum - (group.outside.includes(x) ? 0 : E[x * d + c]))).toBeLessThan(TOL);
        }
      const twice = projectFrequencies(parts[1], d, group, key);
      twice.forEach((v, i) => expect(Math.abs(v - parts[1][i])).toBeLessThan(TOL));
      // the key part has power only at the key frequencies
      frequencyPower(parts[1], d, group).forEach((v, k) => !key.includes(k) && expect(v).toBeLessThan(TOL));
    }
  });
});

describe('progress measures', () => {
  it('restricted and excluded losses are the losses of the explicitly rebuilt embeddings', () => {
    const config = { ...presetConfig('tiny')!, p: 11, embed: 6, width: 8 };
    const layout = modelLayout(config);
    const dataset = makeDataset(config);
    const params = Float64Array.from(initParams(layout, 3));
    // give the embedding a strong frequency 2 so there is a key frequency
    const { d } = layout;
    const E = synthetic(11, d, 11, (x) => x, [
      { k: 2, amp: 3, phase: 0.2, col: 0 },
      { k: 2, amp: 3, phase: 1.7, col: 1 },
    ]);
    for (let i = 0; i < E.length; i++) params[layout.embed.offset + i] += E[i];
    const meter = new FourierMeter(layout, config.task, dataset);
    const r = meter.measure(0, params);
    expect(r.key[0]).toBe(2);
    const group = fourierGroup('add', 11);
    const emb = params.slice(layout.embed.offset, layout.embed.offset + layout.embed.size);
    // explicit: rebuild the embedding from basis vectors by hand
    const keep = (freqs: number[]) => {
      const out = new Float64Array(emb.length);
      for (const k of freqs)
        for (const f of basisOf(11, k))
          for (let c = 0; c < d; c++) {
            let s = 0;
            for (let x = 0; x < 11; x++) s += f[x] * emb[x * d + c];
            for (let x = 0; x < 11; x++) out[x * d + c] += s * f[x];
          }
      return out;
    };
    const all = Array.from({ length: 6 }, (_, k) => k);
    const lossOf = (Enew: Float64Array) => {
      const w = params.slice();
      w.set(Enew, layout.embed.offset);
      const tokens = new Uint32Array(2 * dataset.trainIdx.length);
      dataset.trainIdx.forEach((e, i) => tokens.set(dataset.tokens.subarray(2 * e, 2 * e + 2), 2 * i));
      const labels = Array.from(dataset.trainIdx, (e) => dataset.labels[e]);
      return meanCrossEntropy(forward(layout, w, tokens, labels.length).logits, labels, 11);
    };
    const restrictedE = keep([0, ...r.key]);
    const excludedE = keep(all.filter((k) => !r.key.includes(k)));
    expect(Math.abs(r.restrictedLoss - lossOf(restrictedE))).toBeLessThan(1e-9);
    expect(Math.abs(r.excludedLoss - lossOf(excludedE))).toBeLessThan(1e-9);
    expect(Math.abs(r.trainLoss - lossOf(emb))).toBeLessThan(1e-9);
    // the two embeddings differ from E by complementary parts: restricted + excluded = E + P_0 E
    const dc = keep([0]);
    restrictedE.forEach((v, i) => expect(Math.abs(v + excludedE[i] - emb[i] - dc[i])).toBeLessThan(TOL));
    expect(group.relabel).toBe('identity');
    // a wrong (dropped) key set would change the restricted loss: it must differ from the all-but-key loss
    expect(Math.abs(r.restrictedLoss - r.excludedLoss)).toBeGreaterThan(1e-3);
    // a fixed key set overrides the embedding's own: none kept = only the mean row survives in the restricted embedding
    const none = meter.measure(0, params, null, []);
    expect(none.key).toEqual([]);
    expect(Math.abs(none.restrictedLoss - lossOf(keep([0])))).toBeLessThan(1e-9);
    expect(Math.abs(none.excludedLoss - r.trainLoss)).toBeLessThan(1e-9);
  });

  it('cross-entropy matches the log-sum-exp by hand', () => {
    const logits = Float64Array.of(1, 2, 3, 0, 0, 5);
    const expected = (Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 2 + Math.log(2 + Math.exp(5)) - 0) / 2;
    expect(meanCrossEntropy(logits, [1, 0], 3)).toBeCloseTo(expected, 12);
  });
});

describe('kernel eigenvectors', () => {
  it('full view: a vector that is cos(ω_k(y_i − c)) on every point has all its content at k', () => {
    const p = 13;
    const group = fourierGroup('add', p);
    const labels = [0, 3, 3, 9];
    const k = 4;
    const v = new Float64Array(labels.length * p);
    labels.forEach((y, i) => {
      for (let c = 0; c < p; c++) v[i * p + c] = Math.cos((2 * Math.PI * k * (y - c)) / p);
    });
    const shares = eigenvectorFourier(v, v.length, 'full', labels, p, group)[0];
    expect(shares[k]).toBeCloseTo(1, 12);
  });

  it('trace view: a vector that is a cosine of the label has its content at that frequency when labels cover ℤ_p', () => {
    const p = 7;
    const group = fourierGroup('add', p);
    const labels = [0, 0, 1, 2, 3, 3, 4, 5, 6, 6];
    const v = Float64Array.from(labels, (c) => Math.cos((2 * Math.PI * 2 * c) / p));
    const shares = eigenvectorFourier(v, v.length, 'trace', labels, p, group)[0];
    expect(shares.indexOf(Math.max(...shares))).toBe(2);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
