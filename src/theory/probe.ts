/**
 * The probe (THEORY.md "Probe sets"): m_S training points and m_Q held-out points
 * drawn once per run from the seed's own 'probe' stream, on which every kernel
 * instrument runs. Points are ordered by label so a class's pairs form a block in
 * the heatmaps.
 */
import type { RunConfig } from '../config/settings';
import type { Dataset } from '../tasks/modular';
import { Rng } from '../util/rng';

export interface ProbeSide {
  /** example indices into the dataset arrays, ordered by `labels` (then by index) */
  examples: Uint32Array;
  /** operands, 2 per point, in probe order */
  tokens: Uint32Array;
  /** the label each point is ordered by: trained label (train side), true label (held-out side) */
  labels: Uint32Array;
  /** true labels a∘b mod p */
  trueLabels: Uint32Array;
  /** 1 where the trained label was replaced by label noise (always 0 on the held-out side) */
  flipped: Uint8Array;
}

export interface Probe {
  p: number;
  /** S: m_S training points */
  train: ProbeSide;
  /** Q: m_Q held-out points */
  test: ProbeSide;
}

function side(ds: Dataset, pool: Uint32Array, count: number, rng: Rng, trained: boolean): ProbeSide {
  const order = Array.from(pool);
  rng.shuffle(order);
  const m = Math.min(count, order.length);
  const labelOf = (e: number) => (trained ? ds.labels[e] : ds.trueLabels[e]);
  const chosen = order.slice(0, m).sort((a, b) => labelOf(a) - labelOf(b) || a - b);
  const flippedSet = new Set(ds.flippedIdx);
  const examples = Uint32Array.from(chosen);
  const tokens = new Uint32Array(2 * m);
  chosen.forEach((e, i) => {
    tokens[2 * i] = ds.tokens[2 * e];
    tokens[2 * i + 1] = ds.tokens[2 * e + 1];
  });
  return {
    examples,
    tokens,
    labels: Uint32Array.from(chosen, labelOf),
    trueLabels: Uint32Array.from(chosen, (e) => ds.trueLabels[e]),
    flipped: Uint8Array.from(chosen, (e) => (trained && flippedSet.has(e) ? 1 : 0)),
  };
}

/** Deterministic in (seed, 'probe'); sizes clamped to the available points. */
export function chooseProbe(ds: Dataset, cfg: Pick<RunConfig, 'seed' | 'probeTrain' | 'probeTest'>): Probe {
  const rng = new Rng(cfg.seed, 'probe');
  const train = side(ds, ds.trainIdx, cfg.probeTrain, rng, true);
  const test = side(ds, ds.testIdx, cfg.probeTest, rng, false);
  return { p: ds.p, train, test };
}

/** `count` of m positions spread evenly (keeps the label spread of a label-sorted probe). */
export function evenlySpaced(m: number, count: number): Uint32Array {
  const c = Math.min(m, count);
  return Uint32Array.from({ length: c }, (_, j) => Math.floor(((j + 0.5) * m) / c));
}

/**
 * `count` positions of a probe side for the Gramian's sub-probe. With label noise,
 * flipped points come first (up to half the rows), so the noise part of the label
 * vector has support in W's coordinates — evenly spaced picks can miss every flipped
 * point (at 20% noise, 11 of 32 probe points often hold none). The clean and noise
 * energy fractions are each normalised by their own vector, so over-representing
 * flipped points does not tilt either fraction. Positions come back sorted.
 */
export function gramianPositions(flipped: ArrayLike<number>, count: number): Uint32Array {
  const m = flipped.length;
  const c = Math.min(m, count);
  const noisy: number[] = [];
  const clean: number[] = [];
  for (let i = 0; i < m; i++) (flipped[i] ? noisy : clean).push(i);
  if (noisy.length === 0) return evenlySpaced(m, c);
  const takeNoisy = Math.min(noisy.length, Math.max(1, Math.floor(c / 2)));
  const pickNoisy = Array.from(evenlySpaced(noisy.length, takeNoisy), (j) => noisy[j]);
  const pickClean = Array.from(evenlySpaced(clean.length, c - takeNoisy), (j) => clean[j]);
  return Uint32Array.from([...pickNoisy, ...pickClean].sort((a, b) => a - b));
}

/** A sub-probe: the points at `positions` of one side. */
export function subSide(s: ProbeSide, positions: ArrayLike<number>): ProbeSide {
  const pick = <T extends Uint32Array | Uint8Array>(a: T, stride: number): T => {
    const out = new (a.constructor as new (n: number) => T)(positions.length * stride);
    for (let i = 0; i < positions.length; i++) for (let k = 0; k < stride; k++) out[i * stride + k] = a[positions[i] * stride + k];
    return out;
  };
  return { examples: pick(s.examples, 1), tokens: pick(s.tokens, 2), labels: pick(s.labels, 1), trueLabels: pick(s.trueLabels, 1), flipped: pick(s.flipped, 1) };
}
