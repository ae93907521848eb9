/**
 * The benchmark's record: one JSON shape and its Markdown, written by the browser
 * page (data-testid=bench-result, `npm run bench:browser` → docs/) and by
 * `grokscope bench` (Dawn, no TF.js). Ratios are against the goals of issue 12.
 */
import { boundGflops, type AdapterCeiling } from './ceiling';
import type { InstrumentCostRow, MatmulCeilingRow } from './core';
import { MATMUL_VARIANTS, type MatmulVariant, type TuneRow } from '../engine/autotune';

export interface SizeResult {
  size: string;
  p: number;
  embed: number;
  width: number;
  n: number;
  /** the step's matrix-product FLOPs (forward, weight and input gradients of every layer) */
  flopsPerStep: number;
  /** steps/s by contender: ours (plain, exact-hard, stream) and TF.js backends where run */
  stepsPerSec: Record<string, number>;
  /** matmul variants of our plain step, as the autotuner chose them */
  kernels: string;
  dispatchesPerStep: number;
}

export interface BenchRecord {
  date: string;
  host: 'browser' | 'dawn';
  adapter: string;
  versions: Record<string, string>;
  command: string;
  sizes: SizeResult[];
  /** our matmul GFLOP/s per variant at full size, and TF.js webgl's where run */
  matmul: (MatmulCeilingRow & { tfjsWebgl?: number })[];
  copyGBs: number;
  /** the adapter's arithmetic and row-load ceilings (shaders/ceiling.wgsl) */
  ceiling: AdapterCeiling;
  instruments: InstrumentCostRow[];
  /** the autotuner's timings (the table that chose the variants) */
  tune: TuneRow[];
}

const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/** the best TF.js backend's steps/s at one size (undefined when TF.js was not run) */
export function tfjsBest(s: SizeResult): number | undefined {
  const v = Object.entries(s.stepsPerSec).filter(([k]) => k.startsWith('tfjs'));
  return v.length ? Math.max(...v.map(([, x]) => x)) : undefined;
}

export function toMarkdown(r: BenchRecord): string {
  const L: string[] = [];
  L.push(`### Benchmark, ${r.date} (${r.host})`, '');
  L.push(
    `Adapter: ${r.adapter}. Versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}. Command: \`${r.command}\`.`,
    '',
  );
  const contenders = Array.from(new Set(r.sizes.flatMap((s) => Object.keys(s.stepsPerSec))));
  L.push(`| size (p, embed, width, n) | ${contenders.join(' | ')} | ours ÷ best TF.js (goal ≥ 5) | exact-hard cost (goal ≤ 1.15) | stream cost | dispatches/step | matmul variants |`);
  L.push(`|${'---|'.repeat(contenders.length + 6)}`);
  for (const s of r.sizes) {
    const ours = s.stepsPerSec['ours'];
    const best = tfjsBest(s);
    L.push(
      `| ${s.size} (${s.p}, ${s.embed}, ${s.width}, ${s.n}) | ${contenders.map((c) => f(s.stepsPerSec[c], s.stepsPerSec[c] < 10 ? 2 : 1)).join(' | ')} | ${best ? f(ours / best) + '×' : '—'} | ${f(ours / s.stepsPerSec['ours exact-hard'])}× | ${f(ours / s.stepsPerSec['ours stream'])}× | ${s.dispatchesPerStep} | ${s.kernels} |`,
    );
  }
  const variants = Object.keys(MATMUL_VARIANTS) as MatmulVariant[];
  L.push('', `| matmul M×N×K/flags | ${variants.map((v) => `${v} GFLOP/s`).join(' | ')} | TF.js webgl GFLOP/s | ours best ÷ TF.js webgl (goal ≥ 2) |`, `|${'---|'.repeat(variants.length + 3)}`);
  for (const m of r.matmul) {
    const ours = Math.max(...Object.values(m.gflops));
    L.push(`| ${m.shape} | ${variants.map((v) => (v in m.gflops ? f(m.gflops[v], 3) : 'n/a')).join(' | ')} | ${f(m.tfjsWebgl, 3)} | ${m.tfjsWebgl ? f(ours / m.tfjsWebgl) + '×' : '—'} |`);
  }
  L.push('', `Copy bandwidth (buffer to buffer): ${f(r.copyGBs)} GB/s.`, '');
  // the wide vec4 forms load one vec4 per lane for every 16 multiply-adds (kvec8: 16 loads, 256 FMAs a k step)
  const b = boundGflops(r.ceiling, 16, 256);
  L.push(
    `Adapter ceilings (shaders/ceiling.wgsl): arithmetic ${f(r.ceiling.arithmeticGflops)} GFLOP/s (multiply-adds in registers); row loads ${f(r.ceiling.rowLoadsG, 3)} G vec4/s (each lane its own row), which caps a kernel with one vec4 load per 16 multiply-adds — the wide vec4 forms — at ${f(b.loads)} GFLOP/s (binding: ${b.binding}).`,
    '',
    '| size | matmul MFLOP per step | steps/s if every FLOP ran at the arithmetic ceiling | 5 × best TF.js | ours ÷ that ceiling |',
    '|---|---|---|---|---|',
  );
  for (const s of r.sizes) {
    const cap = (r.ceiling.arithmeticGflops * 1e9) / s.flopsPerStep;
    const best = tfjsBest(s);
    L.push(`| ${s.size} | ${f(s.flopsPerStep / 1e6, 1)} | ${f(cap, 1)} | ${best ? f(5 * best, 1) : '—'} | ${f(s.stepsPerSec['ours'] / cap)} |`);
  }
  L.push('');
  L.push('| preset | r | step ms | measurement ms | share at r | cadence the 20% budget allows | share with the budget (goal ≤ 0.20) |', '|---|---|---|---|---|---|---|');
  for (const i of r.instruments) L.push(`| ${i.preset} | ${i.every} | ${f(i.stepMs, 1)} | ${f(i.measureMs, 0)} | ${f(i.rawShare, 3)} | ${i.effectiveEvery} | ${f(i.share, 3)} |`);
  if (r.tune.length) {
    L.push(
      '',
      'Autotuner timings (ms per dispatch at the timed shape; the batch dimension capped):',
      '',
      `| product | timed as | ${variants.join(' | ')} | chosen |`,
      `|${'---|'.repeat(variants.length + 3)}`,
    );
    // n/a: the variant does not serve this form of product; —: not timed within the start-up budget
    const cell = (x: number | null | undefined) => (x === undefined ? 'n/a' : f(x ?? undefined, 3));
    for (const t of r.tune) L.push(`| ${t.shape} | ${t.timed} | ${variants.map((v) => cell(t.ms[v])).join(' | ')} | ${t.chosen} |`);
  }
  return L.join('\n') + '\n';
}
