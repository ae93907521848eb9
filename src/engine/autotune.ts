/**
 * Which matmul kernel runs each product of a step, chosen on the user's adapter.
 *
 * Candidates (each under the reference tests in test/kernels.gpu.test.ts):
 * - `block4` (shaders/matmul.wgsl `main`): 4×4 register block, no workgroup memory,
 *   no barriers — the fastest on SwiftShader, where "shared memory" is ordinary memory;
 * - `tiled` (shaders/matmul.wgsl `tiled`): the same blocking staged through vec4
 *   workgroup tiles, each global value loaded once per workgroup — what real GPUs reward;
 * - `block8` (`main8`): block4 with an 8×8 register block on a 4×4 workgroup;
 * - `kvec`, `outer4`, `bvec` (shaders/matmul.wgsl, the vec4 forms): the 4×4 block with vec4 loads
 *   along the dimension each form has contiguous — the forward A·Bᵀ (K % 4 = 0), the
 *   weight gradient Aᵀ·B (M, N % 4 = 0), the input gradient A·B (K, N % 4 = 0); each a
 *   candidate only for its form (`variantApplies`); and their 8×8-block twins `kvec8`,
 *   `outer8`, `bvec8` (fewer loads per FMA, more registers).
 *
 * The tuner times every candidate per product shape of the run, interleaved (so load drift hits
 * both), taking the minimum of a few timings, within a fixed budget (TUNE_BUDGET_MS).
 * The batch dimension is capped for the timing (PROBE_ROWS, PROBE_VOLUME): the cost of these
 * kernels is linear in it, so the ranking at the cap is the ranking at full size and
 * a paper-size product is timed in milliseconds instead of seconds on SwiftShader.
 * The largest product of each form is timed first (`timingOrder`).
 * Products with the same capped stand-in share one timing (a training and an evaluation
 * forward). Shapes the budget did not reach take the choice of a timed product of the
 * same form where that variant serves them, else the general kernel that won most timed
 * products, else the adapter's default (block4 on software adapters, tiled on hardware),
 * and are timed on a later start (`fillUntimed`). Choices are cached per adapter and shader source
 * (IndexedDB in the browser, a file for the CLI, memory otherwise).
 */
import type { RunConfig } from '../config/settings';
import { netLayout } from '../model/arch';
import { batchSize } from '../model/run';
import { MM_ACCUMULATE, MM_SQUARE, MM_TRANS_A, MM_TRANS_B } from '../model/rules';
import { SEQ } from '../model/transformerLayout';
import { makeDataset, type Dataset } from '../tasks/modular';
import type { GpuContext } from './device';
import { GENERAL_VARIANTS, MATMUL_VARIANTS, matmulEntries, shapeKey, variantApplies, variantFor, type MatmulChoice, type MatmulShape, type MatmulVariant } from './modules/matmul';
import type { Pipelines } from './pipelines';
import type { ShaderSources } from './shaders';

// the variants and the per-product choice live in the matmul module, which every product goes through
export { MATMUL_VARIANTS, shapeKey, variantFor, type MatmulShape, type MatmulVariant };
const VARIANTS = Object.keys(MATMUL_VARIANTS) as MatmulVariant[];

/** start-up budget for timing, ms (the bound) */
export const TUNE_BUDGET_MS = 300;
/**
 * The batch dimension is capped at this many rows while timing. At 128 rows (the first
 * value) every candidate timed 1.0–1.15 ms in the page — a fixed per-dispatch cost under
 * the page's 0.1 ms timer — and block4 won the ties; at 512 the compute shows, and the
 * in-page benchmark's step rose 10–12% at the small and middle sizes (docs/results.md §2b).
 */
export const PROBE_ROWS = 512;
/**
 * …and so that the stand-in's M·N·K stays within this volume (never below 64 rows): with
 * nine candidates, a 512-row stand-in of a 128×128 product took 9–37 ms a dispatch on
 * SwiftShader and one product's candidates spent the whole budget, so the other forms ran
 * the fallback untimed. At this volume a 128×128 product is timed at 128 rows, a 256×256
 * one at 64; the repeat count (MIN_TIMED_MS) keeps each timing above the timer's
 * resolution. The small presets' 64×64 stand-ins (512 rows) are unchanged.
 */
export const PROBE_VOLUME = 2 ** 21;
/** a timing shorter than this (ms), or than 4× the submit round trip, is repeated inside one submit */
const MIN_TIMED_MS = 4;
const MAX_REPS = 64;
/**
 * A candidate whose first two timed dispatches both took more than this times the fastest
 * first one of its product is not timed again (its better one stays in the table): on SwiftShader `tiled` runs 2–4×
 * the best and alone cost as much budget as the rest together.
 */
const PRUNE_RATIO = 2;

/** the round trip of an empty submit (ms, best of 3): subtracted from every timing, it is no kernel's cost */
async function submitOverhead(device: GPUDevice): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    device.queue.submit([device.createCommandEncoder().finish()]);
    await device.queue.onSubmittedWorkDone();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * The matrix products of one training step and one evaluation, as the network modules
 * issue them (modules/dense.ts; modules/transformer.ts). The weight gradient's dual pass
 * follows its plain choice; the transformer's exact-gate weight gradients run
 * seq_weight_grad, not a matmul.
 */
export function stepShapes(config: RunConfig, dataset: Dataset = makeDataset(config)): MatmulShape[] {
  const layout = netLayout(config);
  const b = batchSize(config, dataset);
  const nAll = dataset.labels.length;
  const out = new Map<string, MatmulShape>();
  const add = (s: MatmulShape) => out.set(shapeKey(s), s);
  if (layout.arch === 'mlp') {
    const [L0, ...rest] = layout.layers;
    const { p, d } = layout;
    // the first hidden layer through the p-row table (PairEmbedding.firstLayer / firstLayerBackward)
    add({ M: p, N: 2 * L0.out, K: d, flags: MM_TRANS_B }); // P = E·W'ᵀ
    add({ M: 2 * L0.out, N: d, K: p, flags: MM_TRANS_A }); // dW' = Sᵀ·E
    add({ M: p, N: d, K: 2 * L0.out, flags: 0 }); // dE = S·W'
    // the exact gates' products, built with every trainer (the gate can be switched on mid-run):
    // W₀'s Σg² = (R∘R)ᵀ(E∘E), and dX₀ = δ₀W₀ for E's own Σg²
    add({ M: 2 * L0.out, N: d, K: p, flags: MM_TRANS_A | MM_SQUARE });
    add({ M: b, N: L0.in, K: L0.out, flags: 0 });
    for (const L of rest) {
      add({ M: b, N: L.out, K: L.in, flags: MM_TRANS_B }); // forward
      add({ M: nAll, N: L.out, K: L.in, flags: MM_TRANS_B }); // evaluation forward
      add({ M: L.out, N: L.in, K: b, flags: MM_TRANS_A }); // weight gradient
      add({ M: b, N: L.in, K: L.out, flags: 0 }); // input gradient
    }
    return [...out.values()];
  }
  const { d, ffn: F, p } = layout;
  for (const n of [b, nAll]) {
    const rows = SEQ * n; // one row per position
    add({ M: rows, N: d, K: d, flags: MM_TRANS_B }); // q, k, v
    add({ M: rows, N: d, K: d, flags: MM_TRANS_B | MM_ACCUMULATE }); // x += O·attn
    add({ M: rows, N: F, K: d, flags: MM_TRANS_B }); // fc1
    add({ M: rows, N: d, K: F, flags: MM_TRANS_B | MM_ACCUMULATE }); // x += fc2
    add({ M: n, N: p, K: d, flags: MM_TRANS_B }); // unembed (last position)
  }
  const rows = SEQ * b;
  add({ M: rows, N: F, K: d, flags: 0 }); // dR = dx·fc2
  add({ M: rows, N: d, K: F, flags: 0 }); // dh = dR·fc1
  add({ M: rows, N: d, K: d, flags: 0 }); // dO, dh from dQ
  add({ M: rows, N: d, K: d, flags: MM_ACCUMULATE }); // dh += dK·k, dV·v
  add({ M: d, N: F, K: rows, flags: MM_TRANS_A }); // fc2's weight gradient
  add({ M: F, N: d, K: rows, flags: MM_TRANS_A }); // fc1's
  add({ M: d, N: d, K: rows, flags: MM_TRANS_A }); // o, q, k, v
  add({ M: p, N: d, K: b, flags: MM_TRANS_A }); // unembed's
  add({ M: b, N: d, K: p, flags: 0 }); // dz
  return [...out.values()];
}

/** the timed stand-in: the batch dimension (M, or K of the weight gradient) capped at PROBE_ROWS and by PROBE_VOLUME */
export function probeShape(s: MatmulShape): MatmulShape {
  const weightGrad = (s.flags & MM_TRANS_A) !== 0;
  const other = weightGrad ? s.M * s.N : s.N * s.K;
  const cap = Math.max(64, Math.min(PROBE_ROWS, Math.floor(PROBE_VOLUME / other)));
  return weightGrad ? { ...s, K: Math.min(s.K, cap) } : { ...s, M: Math.min(s.M, cap) };
}

/**
 * The order products are timed in (indices into `shapes`): the largest product of each
 * form (flags) first, so every form has a timed choice for its untimed products to
 * inherit before the budget runs out, then the rest, largest first.
 */
export function timingOrder(shapes: MatmulShape[]): number[] {
  const volume = (s: MatmulShape) => s.M * s.N * s.K;
  const bySize = shapes.map((_, i) => i).sort((a, b) => volume(shapes[b]) - volume(shapes[a]) || a - b);
  const forms = new Set<number>();
  const first: number[] = [];
  const rest: number[] = [];
  for (const i of bySize) {
    if (forms.has(shapes[i].flags)) rest.push(i);
    else {
      forms.add(shapes[i].flags);
      first.push(i);
    }
  }
  return [...first, ...rest];
}

export interface TuneRow {
  shape: string;
  timed: string;
  /** ms per dispatch of the timed shape per candidate variant (null: not timed within the budget; absent: the variant does not apply) */
  ms: Partial<Record<MatmulVariant, number | null>>;
  chosen: MatmulVariant;
}

export interface MatmulPlan extends MatmulChoice {
  /** shape key → variant */
  choice: Record<string, MatmulVariant>;
  /** the timings that decided it (empty when the plan came from the cache) */
  table: TuneRow[];
  fromCache: boolean;
  tuneMs: number;
  fallback: MatmulVariant;
}

export interface TuneCache {
  get(key: string): Promise<Record<string, MatmulVariant> | undefined>;
  set(key: string, choice: Record<string, MatmulVariant>): Promise<void>;
}

export function memoryCache(): TuneCache {
  const m = new Map<string, Record<string, MatmulVariant>>();
  return { get: async (k) => m.get(k), set: async (k, v) => void m.set(k, v) };
}

let cache: TuneCache = memoryCache();
/** every choice made in this process, untimed fallbacks included (the persistent cache keeps timed ones only) */
const session = new Map<string, Record<string, MatmulVariant>>();
/** the host's store for choices (the browser's IndexedDB, the CLI's file); a new store forgets this session's choices */
export function setTuneCache(c: TuneCache): void {
  cache = c;
  session.clear();
}

/** FNV-1a of the matmul source: a kernel edit invalidates cached choices */
function sourceHash(src: ShaderSources): string {
  let h = 0x811c9dc5;
  for (const ch of src.matmul) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

export const cacheKey = (ctx: GpuContext, src: ShaderSources) => `${ctx.adapterName}|${sourceHash(src)}`;

/** "block4 ×3, tiled ×1": what the lab shows */
export function describePlan(plan: MatmulPlan): string {
  const counts = new Map<MatmulVariant, number>();
  for (const v of Object.values(plan.choice)) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} ×${n}`).join(', ') || plan.fallback;
}

/**
 * Times one dispatch of `kernel` on the probe (ms per dispatch, minimum of `rounds`
 * interleaved timings is taken by the caller).
 */
async function timeOnce(device: GPUDevice, pipeline: GPUComputePipeline, bg: GPUBindGroup, s: MatmulShape, reps: number, overhead: number): Promise<number> {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bg);
  for (let r = 0; r < reps; r++) pass.dispatchWorkgroups(Math.ceil(s.N / 32), Math.ceil(s.M / 32));
  pass.end();
  const t0 = performance.now();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  // never below a microsecond per dispatch: a timing inside the overhead's noise ranks as a tie
  return Math.max(1e-3, (performance.now() - t0 - overhead) / reps);
}

/** one product's stand-in being timed: its buffers, candidates and best timings so far */
interface Probe {
  row: TuneRow;
  shape: MatmulShape;
  /** the candidates still timed after the warm-up (within PRUNE_RATIO of the fastest) */
  bgs: { v: MatmulVariant; pipeline: GPUComputePipeline; bg: GPUBindGroup }[];
  buffers: GPUBuffer[];
  reps: number;
  best: Partial<Record<MatmulVariant, number>>;
}

/**
 * Times every candidate on every shape (interleaved), within budgetMs; returns the table.
 * Two phases, so the budget reaches every form before it refines any: first each distinct
 * stand-in, in timingOrder, gets an untimed warm-up and one timed dispatch per candidate,
 * then one timing (repeated to MIN_TIMED_MS) per candidate within PRUNE_RATIO of the fastest; then further rounds
 * go round-robin over the timed stand-ins while the budget lasts, up to `rounds` in all.
 */
export async function timeVariants(ctx: GpuContext, pl: Pipelines, shapes: MatmulShape[], budgetMs: number, rounds = 3): Promise<TuneRow[]> {
  const device = ctx.device;
  const fallback: MatmulVariant = ctx.software ? 'block4' : 'tiled';
  const t0 = performance.now();
  const inBudget = () => performance.now() - t0 <= budgetMs;
  const overhead = await submitOverhead(device);
  // the table keeps the products' order; they are timed in timingOrder's
  const rows: TuneRow[] = shapes.map((s) => ({
    shape: shapeKey(s),
    timed: shapeKey(probeShape(s)),
    ms: Object.fromEntries(VARIANTS.filter((v) => variantApplies(v, s)).map((v) => [v, null])),
    chosen: fallback,
  }));
  // one timing serves every product with the same stand-in (a training and an evaluation forward share it)
  const probes = new Map<string, Probe>();
  const timeRound = async (pr: Probe, r: number) => {
    // alternate the order each round, so no variant always runs first
    for (const c of r % 2 === 0 ? pr.bgs : [...pr.bgs].reverse()) pr.best[c.v] = Math.min(pr.best[c.v] ?? Infinity, await timeOnce(device, c.pipeline, c.bg, pr.shape, pr.reps, overhead));
  };
  for (const i of timingOrder(shapes)) {
    const row = rows[i];
    if (probes.has(row.timed) || !inBudget()) continue;
    const p = probeShape(shapes[i]);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const bufs = [p.M * p.K, p.K * p.N, p.M * p.N].map((n) => device.createBuffer({ size: Math.max(16, 4 * n), usage }));
    const uni = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uni, 0, Uint32Array.from([p.M, p.N, p.K, p.flags]));
    const bgs = (Object.keys(row.ms) as MatmulVariant[]).map((v) => {
      const pipeline = pl[MATMUL_VARIANTS[v].plain];
      const entries = matmulEntries(MATMUL_VARIANTS[v].plain, uni, bufs[0], bufs[1], bufs[2]);
      return { v, pipeline, bg: device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }) };
    });
    const pr: Probe = { row, shape: p, bgs, buffers: [...bufs, uni], reps: 1, best: {} };
    probes.set(row.timed, pr);
    // warm-up: one workgroup per candidate, untimed (single first dispatches ran up to 20×
    // the later ones in these measurements); then one timed dispatch each, which ranks a product too slow for
    // more and sets the repeat count that makes a timing long enough
    for (const c of bgs) await timeOnce(device, c.pipeline, c.bg, { ...p, M: 1, N: 1 }, 1, overhead);
    for (const c of bgs) pr.best[c.v] = await timeOnce(device, c.pipeline, c.bg, p, 1, overhead);
    const quickest = Math.min(...bgs.map((c) => pr.best[c.v]!));
    // a candidate is dropped only when a second dispatch confirms it (one slow dispatch in the page ran 4–10× its later ones)
    for (const c of bgs) if (pr.best[c.v]! > PRUNE_RATIO * quickest) pr.best[c.v] = Math.min(pr.best[c.v]!, await timeOnce(device, c.pipeline, c.bg, p, 1, overhead));
    pr.bgs = bgs.filter((c) => pr.best[c.v]! <= PRUNE_RATIO * quickest);
    while (quickest * pr.reps < Math.max(MIN_TIMED_MS, 4 * overhead) && pr.reps < MAX_REPS) pr.reps *= 2;
    await timeRound(pr, 0);
  }
  for (let r = 1; r < rounds; r++) for (const pr of probes.values()) if (inBudget()) await timeRound(pr, r);
  for (const pr of probes.values()) {
    for (const v of Object.keys(pr.row.ms) as MatmulVariant[]) pr.row.ms[v] = Number.isFinite(pr.best[v] ?? NaN) ? pr.best[v]! : null;
    pr.row.chosen = fastest(pr.row.ms)!;
    for (const b of pr.buffers) b.destroy();
  }
  for (const row of rows) {
    const pr = probes.get(row.timed);
    if (pr && pr.row !== row) {
      row.ms = { ...pr.row.ms };
      row.chosen = pr.row.chosen;
    }
  }
  fillUntimed(rows, shapes, fallback);
  return rows;
}

/**
 * A product the budget did not reach (rows[i], shapes[i]) takes the choice of a timed
 * product of the same form (flags) when that variant serves it too, else the kernel that
 * serves every product and was fastest among those on the most timed products, else the
 * adapter default. It is timed on a later start.
 */
export function fillUntimed(rows: TuneRow[], shapes: MatmulShape[], fallback: MatmulVariant): void {
  const timedRows = rows.filter(isTimed);
  const general = generalWinner(timedRows) ?? fallback;
  rows.forEach((r, i) => {
    if (isTimed(r)) return;
    const like = timedRows.find((t) => t.shape.split('/')[1] === r.shape.split('/')[1] && variantApplies(t.chosen, shapes[i]));
    r.chosen = like ? like.chosen : general;
  });
}

/** the variant with the smallest timing (null when none was timed) */
function fastest(ms: Partial<Record<MatmulVariant, number | null>>): MatmulVariant | null {
  let best: MatmulVariant | null = null;
  for (const [v, t] of Object.entries(ms) as [MatmulVariant, number | null][]) if (t !== null && (best === null || t < ms[best]!)) best = v;
  return best;
}

/** of the kernels that serve every product, the one fastest on the most timed rows (ties: the earlier listed); null without timed rows */
export function generalWinner(timed: TuneRow[]): MatmulVariant | null {
  const wins = new Map<MatmulVariant, number>();
  for (const r of timed) {
    const v = fastest(Object.fromEntries(GENERAL_VARIANTS.map((g) => [g, r.ms[g] ?? null])));
    if (v) wins.set(v, (wins.get(v) ?? 0) + 1);
  }
  let best: MatmulVariant | null = null;
  for (const g of GENERAL_VARIANTS) if ((wins.get(g) ?? 0) > (best ? wins.get(best)! : 0)) best = g;
  return best;
}

/** every candidate of the row was timed (only such rows are cached) */
const isTimed = (r: TuneRow) => Object.values(r.ms).every((x) => x !== null);

/** the plan for a run: from the cache, else timed within TUNE_BUDGET_MS and cached */
export async function tuneMatmul(ctx: GpuContext, pl: Pipelines, src: ShaderSources, shapes: MatmulShape[], budgetMs = TUNE_BUDGET_MS): Promise<MatmulPlan> {
  const fallback: MatmulVariant = ctx.software ? 'block4' : 'tiled';
  const key = cacheKey(ctx, src);
  // this session's choices (fallbacks included) come first: a reset never re-tunes, and
  // never times behind the old run's work still in the queue
  const known = { ...((await cache.get(key).catch(() => undefined)) ?? {}), ...(session.get(key) ?? {}) };
  const missing = shapes.filter((s) => !(shapeKey(s) in known));
  if (missing.length === 0) return { choice: pick(known, shapes, fallback), table: [], fromCache: true, tuneMs: 0, fallback };
  const t0 = performance.now();
  const table = await timeVariants(ctx, pl, missing, budgetMs);
  const merged = { ...known };
  // only timed shapes are remembered: an untimed one gets its chance on the next start
  for (const r of table) if (isTimed(r)) merged[r.shape] = r.chosen;
  await cache.set(key, merged).catch(() => undefined);
  const choice = pick(merged, shapes, fallback);
  for (const r of table) choice[r.shape] ??= r.chosen;
  session.set(key, { ...(session.get(key) ?? {}), ...choice });
  return { choice, table, fromCache: false, tuneMs: performance.now() - t0, fallback };
}

/** stores a plan's whole choice (timed and fallback) so trainers built next use exactly it (the benchmark) */
export async function rememberPlan(ctx: GpuContext, src: ShaderSources, plan: MatmulPlan): Promise<void> {
  const key = cacheKey(ctx, src);
  session.set(key, { ...(session.get(key) ?? {}), ...plan.choice });
}

/**
 * The stored choices of these products. A stored variant that does not serve its product
 * (a stale or hand-written cache naming a vec4 form for another form) is replaced by the
 * adapter default here, so the plan — and the lab's "kvec ×2, block4 ×6" — says what runs.
 */
function pick(all: Record<string, MatmulVariant>, shapes: MatmulShape[], fallback: MatmulVariant): Record<string, MatmulVariant> {
  const out: Record<string, MatmulVariant> = {};
  for (const s of shapes) {
    const v = all[shapeKey(s)];
    if (v) out[shapeKey(s)] = variantApplies(v, s) ? v : fallback;
  }
  return out;
}

/** the table as text (`grokscope bench`, docs/results.md) */
export function formatTuneTable(rows: TuneRow[]): string {
  // '—': the variant does not apply to the product (the vec4 forms serve one form each)
  const f = (x: number | null | undefined) => (x === undefined ? '—' : x === null ? 'untimed' : x.toFixed(3));
  const lines = [['product M×N×K/flags', 'timed as', ...VARIANTS.map((v) => `${v} ms`), 'chosen'].join(' | ')];
  for (const r of rows) lines.push([r.shape, r.timed, ...VARIANTS.map((v) => f(r.ms[v])), r.chosen].join(' | '));
  return lines.join('\n');
}
