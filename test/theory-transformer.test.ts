/**
 * The theory instruments on the transformer (src/theory/network.ts): the forward-mode
 * tangent against central differences and against the reverse mode (the adjoint
 * identity), the dense probe Jacobian against both, the dense kernel blocks against
 * their explicit products, and the instruments end to end on a small transformer —
 * the GD prediction closing on the whole held-out set, no parameter owning λ_max(K̃).
 *
 * Float64 throughout. Central differences with h = 1e-5 carry a truncation error
 * h²/6·|∂³u| ≈ 1e-10 and a rounding error ε·|u|/h ≈ 1e-11 per entry, so 1e-7 relative
 * on a whole vector is a margin of ~100× on the worse of the two; the adjoint identity
 * and the two routes to J·v are the same sums in a different order (1e-12, 1e-10).
 */
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/config/presets';
import { crossCheck, defaultConfig, type RunConfig } from '../src/config/settings';
import { initParams } from '../src/model/layout';
import { transformerLayout } from '../src/model/transformerLayout';
import { relativeError } from '../src/theory/dense';
import { recordInstruments } from './instrumentRun';
import { jacobianVectorProduct, traceView } from '../src/theory/jacobian';
import { compactVector, denseKernel, kernelBlock } from '../src/theory/kernels';
import { theoryNet } from '../src/theory/network';
import { Rng } from '../src/util/rng';

const shape = (layers: number) => transformerLayout({ p: 7, dmodel: 8, heads: 2, ffn: 16, layers });

function randomPairs(rng: Rng, m: number, p: number): Uint32Array {
  const t = new Uint32Array(2 * m);
  for (let i = 0; i < 2 * m; i++) t[i] = rng.int(p);
  t[0] = t[1]; // a = b: one token used at two positions
  return t;
}

/** random weights with LayerNorm gains away from 1 and non-zero biases, so every tangent term is exercised */
function randomWeights(lay: ReturnType<typeof shape>, seed: number): Float64Array {
  const w = Float64Array.from(initParams(lay, seed));
  const rng = new Rng(seed + 100);
  for (const t of lay.tensors) if (t.kind === 'gain' || t.kind === 'shift') for (let k = 0; k < t.size; k++) w[t.offset + k] = (t.kind === 'gain' ? 1 : 0) + 0.5 * rng.normal();
  return w;
}

function randomDirection(lay: ReturnType<typeof shape>, seed: number): Float64Array {
  const v = new Float64Array(lay.totalSize);
  const rng = new Rng(seed);
  for (const t of lay.tensors) for (let k = 0; k < t.size; k++) v[t.offset + k] = rng.normal();
  return v;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('the transformer tangent (forward mode)', () => {
  for (const L of [1, 2])
    it(`L = ${L}: J·v equals central differences of the logits along v, and ⟨G, Jv⟩ = ⟨JᵀG, v⟩`, () => {
      const lay = shape(L);
      const net = theoryNet(lay);
      const w = randomWeights(lay, 3 + L);
      const v = randomDirection(lay, 11 + L);
      const m = 6;
      const pairs = randomPairs(new Rng(5), m, lay.p);
      const cache = net.forward(w, pairs, m);
      const jv = net.jvp(w, cache, v);
      const h = 1e-5;
      const up = net.forward(
        w.map((x, k) => x + h * v[k]),
        pairs,
        m,
      ).logits;
      const dn = net.forward(
        w.map((x, k) => x - h * v[k]),
        pairs,
        m,
      ).logits;
      const fd = up.map((u, r) => (u - dn[r]) / (2 * h));
      expect(relativeError(jv, fd)).toBeLessThan(1e-7);
      // the adjoint identity ties the tangent to the (separately tested) back-propagation
      const G = Float64Array.from({ length: m * lay.p }, (_, r) => Math.sin(1.7 * r + 0.3));
      const jtg = net.vjp(w, cache, G);
      const lhs = dot(G, jv);
      const rhs = dot(jtg, v);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * (Math.abs(lhs) + 1));
    });
});

describe('the dense probe Jacobian', () => {
  const lay = shape(2);
  const net = theoryNet(lay);
  const w = randomWeights(lay, 9);
  const m = 5;
  const pairs = randomPairs(new Rng(2), m, lay.p);
  const S = net.sensitivities(w, pairs, m);

  it('rows are ∂u_ic/∂w: J·v matches the tangent on the batch, logits match the batch forward', () => {
    if (S.kind !== 'dense') throw new Error('expected dense sensitivities');
    expect(S.P).toBe(lay.paramCount);
    const cache = net.forward(w, pairs, m);
    expect(relativeError(S.logits, cache.logits)).toBeLessThan(1e-14);
    for (const seed of [1, 2]) {
      const v = randomDirection(lay, seed);
      expect(relativeError(jacobianVectorProduct(lay, S, v), net.jvp(w, cache, v))).toBeLessThan(1e-10);
    }
  });

  it('kernel blocks: full view = J diag(ω) Jᵀ, trace view = Σ_c of the full view, cross blocks with another point set', () => {
    if (S.kind !== 'dense') throw new Error('expected dense sensitivities');
    const omega = Float64Array.from({ length: lay.totalSize }, (_, k) => 0.5 + Math.abs(Math.sin(k)));
    const N = m * lay.p;
    const full = kernelBlock(lay, S, S, omega, 'full');
    expect(relativeError(full, denseKernel(S.J, S.J, N, N, S.P, compactVector(lay, omega)))).toBeLessThan(1e-13);
    expect(relativeError(kernelBlock(lay, S, S, omega, 'trace'), traceView(full, m, m, lay.p))).toBeLessThan(1e-13);
    const Q = net.sensitivities(w, randomPairs(new Rng(8), 3, lay.p), 3);
    if (Q.kind !== 'dense') throw new Error('expected dense sensitivities');
    const cross = kernelBlock(lay, Q, S, null, 'full');
    expect(relativeError(cross, denseKernel(Q.J, S.J, 3 * lay.p, N, S.P, null))).toBeLessThan(1e-13);
  });
});

/** a transformer small enough for the CPU: a+b mod 11 at 50% (61 training points), L = 1, H = 2, d = 8, F = 16, full batch */
const smallTransformer = (over: Partial<RunConfig> = {}): RunConfig => ({
  ...defaultConfig(),
  arch: 'transformer',
  task: 'add',
  p: 11,
  train: 0.5,
  layers: 1,
  heads: 2,
  dmodel: 8,
  ffn: 16,
  batch: 0,
  probeTrain: 8,
  probeTest: 8,
  ...over,
});

const record = recordInstruments;

describe('the instruments on a transformer', () => {
  it('AdamW: every snapshot finite and serialisable, no parameter owns λ_max(K̃), the Gramian on the whole training set', () => {
    const snaps = record(smallTransformer({ opt: 'adamw', lr: 3e-3 }), 30, 10);
    expect(snaps.length).toBe(4);
    for (const s of snaps) {
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
      expect(s.keffTopShare).toBeLessThan(0.5);
      expect(s.spectrumKeff.every((x) => Number.isFinite(x) && x >= -1e-9)).toBe(true);
      if (!s.gramian) continue;
      expect(s.gramian.set).toBe('train'); // 61 points × 10 centred rows ≤ 700
      expect(s.gramian.actual.length).toBe(60 * 11); // every held-out point, all p logits
      expect(s.gramian.rows).toBe(61 * 10);
      expect(s.gramian.stiffnessPerStep).toBeGreaterThan(0);
    }
  });

  // The same closure as the MLP's (theory-instruments.test.ts): η·r small, full batch, plain GD. The
  // warm-up's first 10 steps run at η·min((t−1)/10, 1): the flow's time is Σ η_t, so the closure holds
  // through them too. The held-kernel error is first order in η·r: measured 0.2–1.1% at η = 0.02, r = 2;
  // 0.5–1.6% at r = 5; 1.2–3.7% at η = 0.05, r = 5 (linear in η, as a held-kernel error must be; a wiring
  // error — a missing warm-up factor, a dropped 1/n, K for K̃ — is of order 1).
  it('plain GD: −G_Q g(s) closes on the whole held-out set to < 2%, through the warm-up', () => {
    const snaps = record(smallTransformer({ opt: 'sgd', momentum: 0, wd: 0, lr: 0.02 }), 30, 2, { gramianMaxRows: 4 * 10 });
    const errors = snaps.slice(1).map((s) => s.gramian!.predictionError);
    for (const e of errors) expect(e).toBeLessThan(0.02);
    expect(snaps[snaps.length - 1].fidelity!).toBeGreaterThan(0.99);
  });
});

describe('settings: the transformer instruments', () => {
  it('the small transformer runs its instruments; the paper transformer is refused with the size in the message', () => {
    expect(crossCheck({ ...presetConfig('small-transformer')!, instrumentEvery: 100 })).toEqual([]);
    const errs = crossCheck({ ...presetConfig('paper-transformer')!, instrumentEvery: 100 });
    expect(errs.map((e) => e.key)).toEqual(['instrumentEvery']);
    expect(errs[0].message).toMatch(/MiB probe Jacobian .* over 256 MiB/);
  });
});
