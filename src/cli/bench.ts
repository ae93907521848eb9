/**
 * `grokscope bench`: the benchmark of src/bench/ under Dawn (no TF.js: that race runs
 * in the browser, /bench.html): our step at the issue's three sizes (plain, exact-hard
 * and stream gates), the matmul ceiling per kernel variant, copy bandwidth, the
 * instruments' cost per preset, and the autotuner's table; ratios in one run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PRESETS } from '../config/presets';
import { formatTuneTable } from '../engine/autotune';
import { nodeShaderSources } from '../engine/nodeShaders';
import { BENCH_SIZES } from '../bench/core';
import { toMarkdown } from '../bench/record';
import { runBench } from '../bench/run';
import { checkOutputPath, intOption, parseArgs, UsageError } from './flags';
import { cliGpu } from './session';

function listOption(value: string | undefined, dflt: string, allowed: string[], flag: string): string[] {
  const items = (value ?? dflt).split(',').filter((s) => s.length > 0);
  for (const s of items) if (!allowed.includes(s)) throw new UsageError(`--${flag}: unknown value "${s}" (${allowed.join(', ')})`);
  return items;
}

export async function benchCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['sizes', 'rounds', 'min-ms', 'presets', 'out', 'md'], []);
  const sizes = listOption(args.extra.get('sizes'), 'small,mid,large', Object.keys(BENCH_SIZES), 'sizes');
  const presets = listOption(
    args.extra.get('presets'),
    'tiny,lecture,paper',
    PRESETS.map((p) => p.name),
    'presets',
  );
  const rounds = intOption(args, 'rounds', 2, 1, 20);
  const minMs = intOption(args, 'min-ms', 1000, 10, 60_000);
  const outPath = checkOutputPath(args, 'out');
  const mdPath = checkOutputPath(args, 'md');
  const gpu = await cliGpu();
  const pkg = (name: string) => (JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  const versions = { grokscope: pkg('..'), webgpu: pkg('webgpu'), node: process.versions.node };
  process.stdout.write(`grokscope bench on ${gpu.adapterName} (Dawn)\n`);
  const record = await runBench(gpu, nodeShaderSources(), {
    sizes,
    rounds,
    minMs,
    presets,
    host: 'dawn',
    command: `grokscope bench ${argv.join(' ')}`.trim(),
    versions,
    log: (l) => process.stdout.write(`${l}\n`),
  });
  const md = toMarkdown(record);
  process.stdout.write(`\nautotuner table (the timings that chose each product's kernel):\n${formatTuneTable(record.tune)}\n\n${md}`);
  if (outPath) writeFileSync(outPath, JSON.stringify(record, null, 2));
  if (mdPath) writeFileSync(mdPath, md);
}
