/**
 * /bench.html: the benchmark in the browser (src/bench/run.ts) with TF.js as the
 * contender; `npm run bench:browser` (scripts/bench-browser.mjs) drives it headless
 * and copies the record into docs/. The JSON lands in data-testid=bench-result.
 */
import { presetConfig } from '../config/presets';
import { browserGpuContext } from '../engine/create';
import { browserShaderSources } from '../engine/browserShaders';
import { BENCH_SIZES, type Stepper } from './core';
import { toMarkdown } from './record';
import { runBench } from './run';

const $ = (id: string) => document.querySelector(`[data-testid="${id}"]`) as HTMLElement;

function list(q: URLSearchParams, key: string, dflt: string, allowed: (s: string) => boolean): string[] {
  const items = (q.get(key) ?? dflt).split(',').filter((s) => s.length > 0 && s !== 'none');
  const bad = items.filter((s) => !allowed(s));
  if (bad.length) throw new Error(`URL parameter ${key}: unknown value(s) ${bad.join(', ')}`);
  return items;
}

function num(q: URLSearchParams, key: string, dflt: number, min: number, max: number): number {
  const raw = q.get(key);
  if (raw === null) return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`URL parameter ${key}: "${raw}" is not a number in [${min}, ${max}]`);
  return v;
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const sizes = list(q, 'sizes', 'small,mid,large', (s) => s in BENCH_SIZES);
  const presets = list(q, 'presets', 'tiny,lecture,paper', (s) => presetConfig(s) !== undefined);
  const backends = list(q, 'tfjs', 'webgl,webgpu', (s) => s === 'webgl' || s === 'webgpu') as ('webgl' | 'webgpu')[];
  const rounds = num(q, 'rounds', 2, 1, 20);
  const minMs = num(q, 'minMs', 1000, 10, 60_000);
  const log = (line: string) => {
    $('bench-log').textContent += `${line}\n`;
    console.log(line);
  };
  const ctx = await browserGpuContext();
  const tfjs = backends.length ? await import('./tfjs') : null;
  $('bench-status').textContent = `running on ${ctx.adapterName}…`;
  const record = await runBench(ctx, browserShaderSources(), {
    sizes,
    presets,
    rounds,
    minMs,
    host: 'browser',
    command: `npm run bench:browser -- ${location.search}`,
    versions: { browser: navigator.userAgent.match(/(Chrom(e|ium)|Firefox|Safari)\/[\d.]+/)?.[0] ?? navigator.userAgent, ...(tfjs ? { tfjs: tfjs.tfjsVersion } : {}) },
    // one after the other: a stepper is built while its backend is the active one
    extra: tfjs
      ? async (cfg): Promise<Stepper[]> => {
          const out: Stepper[] = [];
          for (const b of backends) out.push(await tfjs.tfjsStepper(cfg, b));
          return out;
        }
      : undefined,
    extraMatmul: tfjs && backends.includes('webgl') ? (s) => tfjs.tfjsMatmulGflops(s, 'webgl', rounds, minMs / 4) : undefined,
    log,
  });
  $('bench-markdown').textContent = toMarkdown(record);
  $('bench-result').textContent = JSON.stringify(record, null, 2);
  $('bench-status').textContent = `done on ${ctx.adapterName}`;
}

main().catch((err: unknown) => {
  const el = $('bench-status');
  el.className = 'error';
  el.dataset.testid = 'bench-error';
  el.textContent = `benchmark failed: ${err instanceof Error ? err.message : String(err)}`;
  console.error(err);
});
