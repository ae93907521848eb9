/**
 * The Fourier view of what the network learns (Nanda et al. 2023, "Progress
 * measures for grokking via mechanistic interpretability"): on a∘b mod p the
 * embedding of a token x concentrates on a few frequencies k of the group the
 * task lives in, and held-out accuracy jumps when those key frequencies take over.
 *
 * Groups. + and − live on ℤ_p, tokens in their natural order. × and ÷ live on the
 * multiplicative group ℤ_p^× = {1, …, p−1}, which is cyclic of order p−1: with a
 * primitive root g every x ≠ 0 is g^j, and relabelling x by its discrete logarithm
 * j = log_g x turns multiplication into addition on ℤ_{p−1}. Token 0 lies outside
 * that group (0·b = 0); it is left out of the spectrum and left as it is in the
 * projections below.
 *
 * Basis. On a cyclic group of order n the real orthonormal Fourier basis is
 *   f₀(j) = 1/√n,  c_k(j) = √(2/n) cos(2πkj/n),  s_k(j) = √(2/n) sin(2πkj/n),  1 ≤ k < n/2,
 * plus c_{n/2}(j) = (−1)^j/√n when n is even (no sine there). Frequency k collects
 * c_k and s_k; frequencies 0..⌊n/2⌋.
 *
 * Power. For a matrix M with one row per token (embedding E: p × d), the power at
 * frequency k is Σ_columns (⟨c_k, M_col⟩² + ⟨s_k, M_col⟩²), rows taken in group
 * order. The shares divide by the power over k ≥ 1: the constant f₀ is the mean
 * row, which carries no information about the token.
 *
 * Key frequencies: those holding more than KEY_FACTOR times the equal share 1/K
 * (K = ⌊n/2⌋ frequencies), strongest first, at most MAX_KEY.
 *
 * Progress measures (docs/theory.md "Fourier view"), both the mean cross-entropy on
 * the training set of the network with its embedding replaced:
 *   restricted loss: E − P_other E — every frequency that is neither key nor 0 removed;
 *   excluded loss:   E − P_key E — the key frequencies removed.
 * P_0 + P_key + P_other = I on the group rows, so the three parts sum back to E.
 */
import type { Task } from '../config/settings';
import type { NetLayout } from '../model/arch';
import type { ModelLayout, TensorInfo } from '../model/layout';
import type { FloatArray } from '../reference/kernels';
import { theoryNet, type TheoryNet } from './network';
import { evenlySpaced } from './probe';

/** a frequency is key above this multiple of the equal share 1/K */
export const KEY_FACTOR = 2;
/** at most this many key frequencies */
export const MAX_KEY = 6;
/**
 * The progress measures' losses run over at most this many training examples,
 * evenly spread: every example of tiny and lecture (370), an estimate for paper
 * (2,328), whose three full forward passes would cost seconds on the CPU.
 */
export const FOURIER_MAX_EXAMPLES = 512;

export interface FourierGroup {
  /** order of the cyclic group */
  n: number;
  /** token at group position j (rows in group order) */
  order: number[];
  /** 'identity' for + and −; 'discreteLog' for × and ÷ (x ↦ log_g x) */
  relabel: 'identity' | 'discreteLog';
  /** the primitive root g of the discrete logarithm (null for identity) */
  generator: number | null;
  /** tokens outside the group (token 0 under ×, ÷) */
  outside: number[];
}

/** smallest primitive root mod a prime p: g whose powers g¹…g^{p−1} are all of ℤ_p^× */
export function primitiveRoot(p: number): number {
  const n = p - 1;
  const factors: number[] = [];
  for (let q = 2, m = n; q <= m; q++) {
    if (m % q === 0) {
      factors.push(q);
      while (m % q === 0) m /= q;
    }
  }
  const powMod = (b: number, e: number) => {
    let r = 1;
    let x = b % p;
    for (; e > 0; e >>= 1) {
      if (e & 1) r = (r * x) % p;
      x = (x * x) % p;
    }
    return r;
  };
  // g is a generator iff g^(n/q) ≠ 1 for every prime q | n
  for (let g = 2; g < p; g++) if (factors.every((q) => powMod(g, n / q) !== 1)) return g;
  if (p === 2) return 1;
  throw new Error(`no primitive root mod ${p} (p must be prime)`);
}

export function fourierGroup(task: Task, p: number): FourierGroup {
  if (task === 'add' || task === 'sub') return { n: p, order: Array.from({ length: p }, (_, j) => j), relabel: 'identity', generator: null, outside: [] };
  const g = primitiveRoot(p);
  const order: number[] = [];
  for (let j = 0, x = 1; j < p - 1; j++, x = (x * g) % p) order.push(x); // order[j] = g^j, i.e. log_g order[j] = j
  return { n: p - 1, order, relabel: 'discreteLog', generator: g, outside: [0] };
}

/** number of frequencies k ≥ 1: ⌊n/2⌋ */
export function frequencyCount(n: number): number {
  return Math.floor(n / 2);
}

/**
 * The real orthonormal basis vectors of frequency k on ℤ_n (1 vector for k = 0 and
 * k = n/2, else cos and sin), each of length n.
 */
export function basisOf(n: number, k: number): Float64Array[] {
  if (k === 0) return [new Float64Array(n).fill(1 / Math.sqrt(n))];
  if (2 * k === n) return [Float64Array.from({ length: n }, (_, j) => (j % 2 === 0 ? 1 : -1) / Math.sqrt(n))];
  const s = Math.sqrt(2 / n);
  const w = (2 * Math.PI * k) / n;
  return [Float64Array.from({ length: n }, (_, j) => s * Math.cos(w * j)), Float64Array.from({ length: n }, (_, j) => s * Math.sin(w * j))];
}

/**
 * Power of each frequency 0..⌊n/2⌋ of M (rows: tokens 0..p−1, `cols` columns,
 * row-major), rows read in group order.
 */
export function frequencyPower(M: FloatArray, cols: number, group: FourierGroup): number[] {
  const { n, order } = group;
  const K = frequencyCount(n);
  const power: number[] = [];
  for (let k = 0; k <= K; k++) {
    let pk = 0;
    for (const f of basisOf(n, k)) {
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += f[j] * M[order[j] * cols + c];
        pk += s * s;
      }
    }
    power.push(pk);
  }
  return power;
}

/** shares of frequencies 1..K in the power over k ≥ 1 (index 0 ↔ frequency 1); all 0 for a constant M */
export function frequencyShares(power: number[]): number[] {
  const rest = power.slice(1);
  const total = rest.reduce((a, b) => a + b, 0);
  return rest.map((v) => (total > 0 ? v / total : 0));
}

/** key frequencies (1-based) from the shares of frequencies 1..K: above KEY_FACTOR/K, strongest first, ≤ MAX_KEY */
export function keyFrequencies(shares: number[], factor = KEY_FACTOR, max = MAX_KEY): number[] {
  const K = shares.length;
  return shares
    .map((s, i) => ({ k: i + 1, s }))
    .filter((x) => x.s > factor / K)
    .sort((a, b) => b.s - a.s)
    .slice(0, max)
    .map((x) => x.k);
}

/** share of the power over k ≥ 1 held by the strongest `top` frequencies */
export function topShare(shares: number[], top: number): number {
  return [...shares]
    .sort((a, b) => b - a)
    .slice(0, top)
    .reduce((a, b) => a + b, 0);
}

/**
 * P_F M: the part of M (p rows × cols) in the frequencies F (0 allowed), rows in
 * token order; rows outside the group are 0.
 */
export function projectFrequencies(M: FloatArray, cols: number, group: FourierGroup, freqs: Iterable<number>): Float64Array {
  const { n, order } = group;
  const out = new Float64Array(M.length);
  for (const k of new Set(freqs)) {
    if (k < 0 || k > frequencyCount(n)) throw new Error(`frequency ${k} is outside 0..${frequencyCount(n)}`);
    for (const f of basisOf(n, k)) {
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += f[j] * M[order[j] * cols + c];
        for (let j = 0; j < n; j++) out[order[j] * cols + c] += s * f[j];
      }
    }
  }
  return out;
}

/**
 * The first layer seen per token: row x of slot a is W₁[:, 0:d]·E[x], of slot b
 * W₁[:, d:2d]·E[x] (the pre-activation is their sum plus the bias). Returns the
 * p × (2·width) matrix [slot a | slot b].
 */
export function firstLayerPerToken(layout: ModelLayout, params: FloatArray): Float64Array {
  const { p, d } = layout;
  const L = layout.layers[0];
  const W = params.subarray(L.weight.offset, L.weight.offset + L.weight.size);
  const E = params.subarray(layout.embed.offset, layout.embed.offset + layout.embed.size);
  const h = L.out;
  const out = new Float64Array(p * 2 * h);
  for (let x = 0; x < p; x++)
    for (let o = 0; o < h; o++) {
      let a = 0;
      let b = 0;
      for (let i = 0; i < d; i++) {
        a += W[o * L.in + i] * E[x * d + i];
        b += W[o * L.in + d + i] * E[x * d + i];
      }
      out[x * 2 * h + o] = a;
      out[x * 2 * h + h + o] = b;
    }
  return out;
}

/** mean softmax cross-entropy of logits (n × p) against labels */
export function meanCrossEntropy(logits: FloatArray, labels: ArrayLike<number>, p: number): number {
  const n = labels.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let c = 0; c < p; c++) mx = Math.max(mx, logits[i * p + c]);
    let z = 0;
    for (let c = 0; c < p; c++) z += Math.exp(logits[i * p + c] - mx);
    total += mx + Math.log(z) - logits[i * p + labels[i]];
  }
  return total / n;
}

/**
 * Fourier content of kernel eigenvectors on the probe, shares over frequencies
 * 0..K per vector (each row sums to 1, or is all 0 for a vector with no support).
 *  - full view (n = m·p, entry (i, c) = point i, output class c): the power of the
 *    row v(i, ·) over the output axis in group order, summed over points. A cyclic
 *    shift does not change DFT power, so the shift by each point's label
 *    (cos ω(a+b−c)) does not matter.
 *  - trace view (n = m, one entry per point): the power of j ↦ Σ_i v_i e^{2πik·π(c_i)/n}
 *    over the points' labels c_i in group order π — a function of the label sampled
 *    on the probe (points labelled outside the group are left out).
 */
export function eigenvectorFourier(vectors: FloatArray, dim: number, view: 'full' | 'trace', labels: ArrayLike<number>, p: number, group: FourierGroup): number[][] {
  const K = frequencyCount(group.n);
  const count = vectors.length / dim;
  const m = labels.length;
  const position = new Map(group.order.map((x, j) => [x, j]));
  const rows: number[][] = [];
  for (let v = 0; v < count; v++) {
    const power = new Array<number>(K + 1).fill(0);
    if (view === 'full') {
      const row = new Float64Array(p);
      for (let i = 0; i < m; i++) {
        for (let c = 0; c < p; c++) row[c] = vectors[v * dim + i * p + c];
        frequencyPower(row, 1, group).forEach((w, k) => (power[k] += w));
      }
    } else {
      for (let k = 0; k <= K; k++) {
        let re = 0;
        let im = 0;
        for (let i = 0; i < m; i++) {
          const j = position.get(labels[i]);
          if (j === undefined) continue;
          const a = (2 * Math.PI * k * j) / group.n;
          re += vectors[v * dim + i] * Math.cos(a);
          im += vectors[v * dim + i] * Math.sin(a);
        }
        power[k] = re * re + im * im;
      }
    }
    const total = power.reduce((a, b) => a + b, 0);
    rows.push(power.map((w) => (total > 0 ? w / total : 0)));
  }
  return rows;
}

export interface FourierReadout {
  step: number;
  /** group order n, relabelling and generator (see FourierGroup) */
  n: number;
  relabel: FourierGroup['relabel'];
  generator: number | null;
  /** shares of frequencies 1..K of the embedding's power (index 0 ↔ k = 1) */
  embedShares: number[];
  /**
   * The same for the second matrix read per token (`second` says which): the MLP's
   * first layer per token W₁E (slot a and b together); the transformer's
   * unembedding, one row per answer class (its embedding is tok_embed's number rows)
   */
  firstLayerShares: number[];
  second: 'first-layer' | 'unembed';
  /** key frequencies of the embedding, strongest first */
  key: number[];
  /** share held by the key frequencies, and by the strongest min(6, K) */
  keyShare: number;
  top6Share: number;
  /** mean training cross-entropy: as trained, restricted to key (+0), key excluded */
  trainLoss: number;
  restrictedLoss: number;
  excludedLoss: number;
  /** Fourier shares (frequencies 0..K) of the top kernel eigenvectors, when the instruments gave them */
  eigen: number[][] | null;
}

/**
 * One Fourier measurement per instrument cadence, on the CPU from the weight
 * snapshot: three forward passes over (at most FOURIER_MAX_EXAMPLES of) the
 * training set and a few p × d projections.
 */
export class FourierMeter {
  readonly group: FourierGroup;
  private readonly tokens: Uint32Array;
  private readonly labels: Uint32Array;
  private readonly net: TheoryNet;
  /** the token embedding; its first p rows are the numbers 0..p−1 */
  private readonly embed: TensorInfo;

  constructor(
    private readonly layout: NetLayout,
    task: Task,
    dataset: { tokens: Uint32Array; labels: Uint32Array; trainIdx: Uint32Array },
    maxExamples = FOURIER_MAX_EXAMPLES,
  ) {
    this.group = fourierGroup(task, layout.p);
    this.net = theoryNet(layout);
    this.embed = layout.arch === 'mlp' ? layout.embed : layout.tokEmbed;
    const idx = Array.from(evenlySpaced(dataset.trainIdx.length, maxExamples), (i) => dataset.trainIdx[i]);
    this.tokens = new Uint32Array(2 * idx.length);
    idx.forEach((e, i) => this.tokens.set(dataset.tokens.subarray(2 * e, 2 * e + 2), 2 * i));
    this.labels = Uint32Array.from(idx, (e) => dataset.labels[e]);
  }

  private lossWithEmbedding(params: FloatArray, E: Float64Array): number {
    const w = Float64Array.from(params);
    w.set(E, this.embed.offset);
    return meanCrossEntropy(this.net.forward(w, this.tokens, this.labels.length).logits, this.labels, this.layout.p);
  }

  /**
   * `key`: the key frequencies to restrict to / exclude (default: this embedding's
   * own); a fixed set — the final one, as Nanda et al. do — makes the two losses
   * comparable across time.
   */
  measure(step: number, params: FloatArray, eigen: number[][] | null = null, fixedKey: number[] | null = null): FourierReadout {
    const { layout, group, embed } = this;
    const d = embed.shape[1];
    const p = layout.p;
    const E = Float64Array.from(params.subarray(embed.offset, embed.offset + p * d));
    const embedShares = frequencyShares(frequencyPower(E, d, group));
    const firstLayerShares = frequencyShares(
      layout.arch === 'mlp'
        ? frequencyPower(firstLayerPerToken(layout, params), 2 * layout.layers[0].out, group)
        : frequencyPower(params.subarray(layout.unembed.offset, layout.unembed.offset + layout.unembed.size), d, group),
    );
    const key = fixedKey ?? keyFrequencies(embedShares);
    const K = frequencyCount(group.n);
    const other: number[] = [];
    for (let k = 1; k <= K; k++) if (!key.includes(k)) other.push(k);
    const pOther = projectFrequencies(E, d, group, other);
    const restricted = E.map((v, i) => v - pOther[i]);
    const pKey = projectFrequencies(E, d, group, key);
    const excluded = E.map((v, i) => v - pKey[i]);
    return {
      step,
      n: group.n,
      relabel: group.relabel,
      generator: group.generator,
      embedShares,
      firstLayerShares,
      second: layout.arch === 'mlp' ? 'first-layer' : 'unembed',
      key,
      keyShare: key.reduce((a, k) => a + embedShares[k - 1], 0),
      top6Share: topShare(embedShares, Math.min(MAX_KEY, K)),
      trainLoss: meanCrossEntropy(this.net.forward(params, this.tokens, this.labels.length).logits, this.labels, layout.p),
      restrictedLoss: this.lossWithEmbedding(params, restricted),
      excludedLoss: this.lossWithEmbedding(params, excluded),
      eigen,
    };
  }
}

/**
 * The Fourier readout of one instrument measurement: the meter on the weights at
 * the measured step, with the Fourier content of the kernel eigenvectors the
 * instruments just computed (rotation view, labels of the train probe).
 */
export function fourierWithEigenvectors(
  meter: FourierMeter,
  step: number,
  params: FloatArray,
  eig: { vectors: Float64Array; dim: number } | null,
  view: 'full' | 'trace',
  probeLabels: ArrayLike<number>,
): FourierReadout {
  const p = meter.group.relabel === 'identity' ? meter.group.n : meter.group.n + 1;
  return meter.measure(step, params, eig ? eigenvectorFourier(eig.vectors, eig.dim, view, probeLabels, p, meter.group) : null);
}
