/**
 * `grokscope sweep`: optimizer/gate variants × learning rates × seeds, each run until
 * held-out accuracy reaches 95% or the step budget ends. Reports, per variant and
 * learning rate, steps to 99% train and 95% held-out accuracy (median and range over
 * seeds, censored runs counted) and the speed-up over AdamW at the same learning
 * rate and at each method's best learning rate.
 */
import { writeFileSync } from 'node:fs';
import { parseSettingValue, SETTING_BY_KEY } from '../config/settings';
import { parseVariant, type Variant } from '../model/variant';
import { toCsv } from '../model/csv';
import { checkOutputPath, configFromArgs, intOption, parseArgs, UsageError } from './flags';
import { cliGpu, DivergedError, runTraining } from './session';
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

/** a comma list of values of one setting, each checked by the settings table (so --lrs obeys lr's range) */
function settingList(raw: string, flag: string, key: 'lr' | 'seed'): number[] {
  const spec = SETTING_BY_KEY.get(key)!;
  return raw.split(',').map((s) => {
    const r = parseSettingValue(spec, s);
    if ('error' in r) throw new UsageError(`--${flag}: ${r.error}`);
    return r.value as number;
  });
}

interface RunRecord {
  variant: string;
  lr: number;
  seed: number;
  train99: number | null;
  /** grokked (src/model/grok.ts): held-out ≥ 95% at or after memorisation */
  test95: number | null;
  steps: number;
  seconds: number;
  /** why the run stopped early (diverged, device lost, …); null when it finished */
  failed: string | null;
}

export async function sweepCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['variants', 'seeds', 'lrs', 'steps', 'out', 'csv', 'widths'], ['quiet']);
  const base = configFromArgs(args);
  if (args.extra.has('widths')) {
    const { widthSweepCommand } = await import('./widthSweep');
    return widthSweepCommand(args, base, settingList(args.extra.get('seeds') ?? '1,2,3', 'seeds', 'seed'));
  }
  const variants = parseVariants(args.extra.get('variants') ?? 'adamw,adamw+exact-hard,adamw+exact-soft,adamw+stream,cautious,grokfast');
  const seeds = settingList(args.extra.get('seeds') ?? '1,2,3,4,5', 'seeds', 'seed');
  const lrs = args.extra.has('lrs') ? settingList(args.extra.get('lrs')!, 'lrs', 'lr') : [base.lr];
  const budget = intOption(args, 'steps', 3000, 1, 10_000_000);
  const outPath = checkOutputPath(args, 'out');
  const csvPath = checkOutputPath(args, 'csv');
  const gpu = await cliGpu();
  process.stderr.write(`adapter: ${gpu.adapterName}\n${variants.length} variants × ${lrs.length} lr × ${seeds.length} seeds, budget ${budget} steps\n`);
  const runs: RunRecord[] = [];
  for (const lr of lrs)
    for (const v of variants)
      for (const seed of seeds) {
        const cfg = { ...base, opt: v.opt, gate: v.gate, lr, seed };
        // one failing run (diverged, device lost) is recorded and the sweep goes on: finished runs are never thrown away
        try {
          const r = await runTraining(cfg, { steps: budget, stopWhenGrokked: true });
          r.trainer.destroy();
          runs.push({ variant: v.name, lr, seed, train99: r.train99, test95: r.grokked, steps: r.trainer.step, seconds: Number(r.seconds.toFixed(2)), failed: null });
          if (!args.bools.has('quiet')) process.stderr.write(`  ${v.name} lr=${lr} seed=${seed}: train99 ${r.train99 ?? 'censored'}, grokked ${r.grokked ?? 'censored'} (${r.seconds.toFixed(1)} s)\n`);
        } catch (e) {
          if (e instanceof UsageError) throw e;
          const why = e instanceof Error ? e.message : String(e);
          runs.push({ variant: v.name, lr, seed, train99: null, test95: null, steps: 0, seconds: 0, failed: why });
          process.stderr.write(`  ${v.name} lr=${lr} seed=${seed}: FAILED — ${why}\n`);
        }
      }
  const table: { variant: string; lr: number; failed: number; train99: Summary; test95: Summary }[] = [];
  for (const lr of lrs)
    for (const v of variants) {
      const sel = runs.filter((r) => r.lr === lr && r.variant === v.name);
      const ok = sel.filter((r) => r.failed === null);
      table.push({ variant: v.name, lr, failed: sel.length - ok.length, train99: summarize(ok.map((r) => r.train99)), test95: summarize(ok.map((r) => r.test95)) });
    }
  const baseName = variants.find((v) => v.opt === 'adamw' && v.gate === 'off')?.name;
  const lines = [`steps to target: median [range] over ${seeds.length} seeds; budget ${budget}; speed-up = AdamW median / variant median`];
  lines.push(['variant', 'lr', 'train ≥99%', 'grokked (held-out ≥95%)', 'speed-up vs adamw (same lr)', 'failed runs'].join(' | '));
  for (const row of table) {
    const ref = table.find((x) => x.variant === baseName && x.lr === row.lr);
    lines.push([row.variant, row.lr, formatSummary(row.train99, budget), formatSummary(row.test95, budget), ref ? speedup(ref.test95, row.test95, budget) : 'n/a', row.failed].join(' | '));
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
  if (outPath) writeFileSync(outPath, JSON.stringify({ settings, runs, table }, null, 2));
  if (csvPath)
    writeFileSync(
      csvPath,
      toCsv(
        ['variant', 'lr', 'seed', 'train99', 'test95', 'steps', 'seconds', 'failed'],
        runs.map((r) => [r.variant, r.lr, r.seed, r.train99, r.test95, r.steps, r.seconds, r.failed]),
      ),
    );
  const failed = runs.filter((r) => r.failed !== null).length;
  // every result is written above; the exit code still says that some runs failed
  if (failed > 0) throw new DivergedError(`${failed} of ${runs.length} runs failed (see the table's last column); all results were written`);
}
