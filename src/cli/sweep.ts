/**
 * `grokscope sweep`: optimizer/gate variants × learning rates × seeds, each run until
 * held-out accuracy reaches 95% or the step budget ends. Reports, per variant and
 * learning rate, steps to 99% train and 95% held-out accuracy (median and range over
 * seeds, censored runs counted) and the speed-up over AdamW at the same learning
 * rate and at each method's best learning rate.
 */
import { writeFileSync } from 'node:fs';
import { parseVariant, type Variant } from '../model/variant';
import { configFromArgs, intOption, parseArgs, UsageError } from './flags';
import { cliGpu, runTraining } from './session';
import { formatSummary, speedup, summarize, type Summary } from './stats';

export function parseVariants(list: string): Variant[] {
  return list.split(',').map((raw) => {
    try {
      return parseVariant(raw);
    } catch (e) {
      throw new UsageError(`--variants: ${(e as Error).message}`);
    }
  });
}

function numberList(raw: string, flag: string, integer: boolean): number[] {
  const vals = raw.split(',').map((s) => Number(s.trim()));
  if (vals.length === 0 || vals.some((v) => !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))) throw new UsageError(`--${flag}=${raw} must be a comma list of positive ${integer ? 'whole numbers' : 'numbers'}`);
  return vals;
}

interface RunRecord {
  variant: string;
  lr: number;
  seed: number;
  train99: number | null;
  test95: number | null;
  steps: number;
  seconds: number;
}

export async function sweepCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['variants', 'seeds', 'lrs', 'steps', 'out', 'csv', 'widths'], ['quiet']);
  const base = configFromArgs(args);
  if (args.extra.has('widths')) {
    const { widthSweepCommand } = await import('./widthSweep');
    return widthSweepCommand(args, base, numberList(args.extra.get('seeds') ?? '1,2,3', 'seeds', true));
  }
  const variants = parseVariants(args.extra.get('variants') ?? 'adamw,adamw+exact-hard,adamw+exact-soft,adamw+stream,cautious,grokfast');
  const seeds = numberList(args.extra.get('seeds') ?? '1,2,3,4,5', 'seeds', true);
  const lrs = args.extra.has('lrs') ? numberList(args.extra.get('lrs')!, 'lrs', false) : [base.lr];
  const budget = intOption(args, 'steps', 3000, 1, 10_000_000);
  const gpu = await cliGpu();
  process.stderr.write(`adapter: ${gpu.adapterName}\n${variants.length} variants × ${lrs.length} lr × ${seeds.length} seeds, budget ${budget} steps\n`);
  const runs: RunRecord[] = [];
  for (const lr of lrs)
    for (const v of variants)
      for (const seed of seeds) {
        const cfg = { ...base, opt: v.opt, gate: v.gate, lr, seed };
        const r = await runTraining(cfg, { steps: budget, stopAtTestAcc: 0.95 });
        r.trainer.destroy();
        runs.push({ variant: v.name, lr, seed, train99: r.train99, test95: r.test95, steps: r.trainer.step, seconds: Number(r.seconds.toFixed(2)) });
        if (!args.bools.has('quiet')) process.stderr.write(`  ${v.name} lr=${lr} seed=${seed}: train99 ${r.train99 ?? 'censored'}, test95 ${r.test95 ?? 'censored'} (${r.seconds.toFixed(1)} s)\n`);
      }
  const table: { variant: string; lr: number; train99: Summary; test95: Summary }[] = [];
  for (const lr of lrs)
    for (const v of variants) {
      const sel = runs.filter((r) => r.lr === lr && r.variant === v.name);
      table.push({ variant: v.name, lr, train99: summarize(sel.map((r) => r.train99)), test95: summarize(sel.map((r) => r.test95)) });
    }
  const baseName = variants.find((v) => v.opt === 'adamw' && v.gate === 'off')?.name;
  const lines = [`steps to target: median [range] over ${seeds.length} seeds; budget ${budget}; speed-up = AdamW median / variant median`];
  lines.push(['variant', 'lr', 'train ≥99%', 'held-out ≥95%', 'speed-up vs adamw (same lr)'].join(' | '));
  for (const row of table) {
    const ref = table.find((x) => x.variant === baseName && x.lr === row.lr);
    lines.push([row.variant, row.lr, formatSummary(row.train99, budget), formatSummary(row.test95, budget), ref ? speedup(ref.test95, row.test95, budget) : 'n/a'].join(' | '));
  }
  if (lrs.length > 1) {
    lines.push('', 'each method at its best learning rate (lowest median steps to 95% held-out):');
    const best = (name: string) => table.filter((x) => x.variant === name).sort((a, b) => (a.test95.median ?? Infinity) - (b.test95.median ?? Infinity))[0];
    const refBest = baseName ? best(baseName) : undefined;
    for (const v of variants) {
      const b = best(v.name);
      lines.push(`${v.name} | best lr ${b.lr} | ${formatSummary(b.test95, budget)} | ${refBest ? speedup(refBest.test95, b.test95, budget) : 'n/a'}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
  const settings = { ...base, steps: budget, seeds, lrs, variants: variants.map((v) => v.name), adapter: gpu.adapterName };
  if (args.extra.has('out')) writeFileSync(args.extra.get('out')!, JSON.stringify({ settings, runs, table }, null, 2));
  if (args.extra.has('csv')) writeFileSync(args.extra.get('csv')!, ['variant,lr,seed,train99,test95,steps,seconds', ...runs.map((r) => [r.variant, r.lr, r.seed, r.train99 ?? '', r.test95 ?? '', r.steps, r.seconds].join(','))].join('\n') + '\n');
}
