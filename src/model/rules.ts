/**
 * Rules that both training engines follow — the WGSL engine (src/engine) and the
 * float64 reference that checks it (src/reference) — kept below both so that
 * neither imports the other: the matmul flag bits the kernels and their twins
 * agree on, the inverse embedding index of a batch, which gates need the
 * per-example Σg² pass, and the per-step optimizer hyper-parameters.
 */
import type { Arch, GateVariant, OptimizerName } from '../config/settings';

/** shaders/matmul.wgsl flag bits: op(A) = Aᵀ, op(B) = Bᵀ, square every operand, accumulate into C */
export const MM_TRANS_A = 1;
export const MM_TRANS_B = 2;
export const MM_SQUARE = 4;
export const MM_ACCUMULATE = 8;

/** ρ of the stream gate's variance EMA (its bias correction is 1 − ρᵗ) */
export const STREAM_RHO = 0.99;

/** The exact gates read Σ_i g_i² from the squared-operand backward; the others skip that pass. */
export const gateUsesExactStats = (g: GateVariant) => g === 'exact-hard' || g === 'exact-soft';

export interface OptimParams {
  opt: OptimizerName;
  gate: GateVariant;
  lr: number;
  wd: number;
  beta1: number;
  beta2: number;
  eps: number;
  momentum: number;
  softness: number;
  /** 1-based step counter (bias corrections use it) */
  t: number;
  /** examples in the batch: the b of σ²/(b−1) */
  b: number;
  /** α of the stream gate: b/(n−b) for reused finite data, 1 for full batch */
  streamAlpha: number;
  /** 1-based steps since the stream gate's variance EMA started (its bias correction) */
  tStream: number;
}

/**
 * The inverse index of a batch for the race-free embedding backward: for each
 * table row r, the examples that use it, each entry = example·4 + slot bits
 * (1: row is operand a, 2: operand b, 3: both, a = b). CSR: rowStart has p+1 entries.
 */
export interface EmbedIndex {
  rowStart: Uint32Array;
  entries: Uint32Array;
}

/** `out` and `scratch` (length p) let a caller reuse its arrays every step. */
export function buildEmbedIndex(tokens: Uint32Array, n: number, p: number, out?: EmbedIndex, scratch?: Uint32Array): EmbedIndex {
  const rowStart = out?.rowStart ?? new Uint32Array(p + 1);
  const entries = out?.entries ?? new Uint32Array(2 * n);
  rowStart.fill(0);
  for (let i = 0; i < n; i++) {
    const a = tokens[2 * i];
    const b = tokens[2 * i + 1];
    rowStart[a + 1]++;
    if (b !== a) rowStart[b + 1]++;
  }
  for (let r = 0; r < p; r++) rowStart[r + 1] += rowStart[r];
  const fill = scratch ?? new Uint32Array(p);
  fill.set(rowStart.subarray(0, p));
  for (let i = 0; i < n; i++) {
    const a = tokens[2 * i];
    const b = tokens[2 * i + 1];
    if (a === b) entries[fill[a]++] = i * 4 + 3;
    else {
      entries[fill[a]++] = i * 4 + 1;
      entries[fill[b]++] = i * 4 + 2;
    }
  }
  return { rowStart, entries };
}

/**
 * The inverse index of a batch of token sequences (S ≤ 4 positions each) for the
 * transformer's race-free token-embedding backward: for each vocabulary row v, the
 * examples that use it, each entry = example·16 + the mask of positions t with
 * tok_it = v (one entry per example, so its per-example gradient is summed over
 * positions before it is squared). CSR: rowStart has V+1 entries; `entries` needs
 * S·n room.
 */
export function buildSequenceIndex(tokens: Uint32Array, n: number, S: number, V: number, out?: EmbedIndex, scratch?: Uint32Array): EmbedIndex {
  if (S > 4) throw new Error(`sequence index: at most 4 positions per example, got ${S}`);
  const rowStart = out?.rowStart ?? new Uint32Array(V + 1);
  const entries = out?.entries ?? new Uint32Array(S * n);
  const fill = scratch ?? new Uint32Array(V);
  rowStart.fill(0);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < S; t++) {
      const v = tokens[i * S + t];
      let first = true;
      for (let u = 0; u < t; u++) if (tokens[i * S + u] === v) first = false;
      if (first) rowStart[v + 1]++;
    }
  for (let v = 0; v < V; v++) rowStart[v + 1] += rowStart[v];
  fill.set(rowStart.subarray(0, V));
  for (let i = 0; i < n; i++)
    for (let t = 0; t < S; t++) {
      const v = tokens[i * S + t];
      let first = true;
      for (let u = 0; u < t; u++) if (tokens[i * S + u] === v) first = false;
      if (!first) continue;
      let mask = 0;
      for (let u = t; u < S; u++) if (tokens[i * S + u] === v) mask |= 1 << u;
      entries[fill[v]++] = i * 16 + mask;
    }
  return { rowStart, entries };
}

/**
 * The transformer contract's linear learning-rate warm-up over the first 10 steps, in
 * PyTorch's LambdaLR convention min(u/10, 1) over 0-based updates u: step t (1-based)
 * runs at lr·min((t − 1)/10, 1), so step 1 moves nothing but the moments and step 11
 * is the first at the full rate. The MLP has no warm-up.
 */
export const TRANSFORMER_WARMUP = 10;
export const warmupFactor = (arch: Arch, t: number) => (arch === 'transformer' ? Math.min((t - 1) / TRANSFORMER_WARMUP, 1) : 1);
