/**
 * `grokscope sweep --widths w1,w2,…`: one run per width and seed, each trained to the
 * end of its budget (no early stop), recording the final train and held-out error and,
 * from the run's last theory-instrument snapshot, the label noise's energy share in the
 * signal channel. With the regress preset this is the double-descent sweep across the
 * interpolation threshold P ≈ n·k (P trainable parameters, n training examples, k
 * outputs each): the seed predicts held-out error and the noise's channel share peak
 * together there (docs/theory.md, "The regress task"). The shared pieces live in
 * src/model/widthSweep.ts.
 */
import { writeFileSync } from 'node:fs';
import type { RunConfig } from '../config/settings';
import { capacity, errorOf, noiseShareInChannel, widthCsv, widthTable, type WidthRun } from '../model/widthSweep';
import { checkOutputPath, intListOption, intOption, type ParsedArgs, UsageError } from './flags';
import { cliGpu, runTraining } from './session';

export function widthList(raw: string): number[] {
  return intListOption(raw, 'widths', 8, 512, "whole numbers in [8, 512] (the width setting's range)");
}

const fmt = (v: number | null, digits = 3) => (v === null ? '—' : v.toPrecision(digits));

export async function widthSweepCommand(args: ParsedArgs, base: RunConfig, seeds: number[]): Promise<void> {
  for (const k of ['variants', 'lrs']) if (args.extra.has(k)) throw new UsageError(`--${k} is for the optimizer sweep; --widths sweeps widths at the given settings`);
  const widths = widthList(args.extra.get('widths')!);
  const budget = intOption(args, 'steps', 3000, 1, 10_000_000);
  const quiet = args.bools.has('quiet');
  // output paths are checked before hours of training, not after
  const outPath = checkOutputPath(args, 'out');
  const csvPath = checkOutputPath(args, 'csv');
  const gpu = await cliGpu();
  const regression = base.task === 'regress';
  process.stderr.write(
    `adapter: ${gpu.adapterName}\n${widths.length} widths × ${seeds.length} seeds, ${budget} steps each${base.instrumentEvery > 0 ? `, instruments every ${base.instrumentEvery}` : ', instruments off (no noise share: set --instrument-every)'}\n`,
  );
  const runs: WidthRun[] = [];
  const failed: string[] = [];
  for (const width of widths)
    for (const seed of seeds) {
      const cfg: RunConfig = { ...base, width, seed };
      const snapshots: unknown[] = [];
      let hook;
      if (cfg.instrumentEvery > 0) {
        const { recordInstruments } = await import('./instruments');
        hook = await recordInstruments(cfg, snapshots);
      }
      // a failing run (diverged, device lost) is reported and left out; the finished ones are kept
      let r;
      try {
        r = await runTraining(cfg, { steps: budget, hook });
      } catch (err) {
        if (err instanceof UsageError) throw err;
        const why = err instanceof Error ? err.message : String(err);
        failed.push(`width ${width} seed ${seed}: ${why}`);
        process.stderr.write(`  width ${width} seed ${seed}: FAILED — ${why}\n`);
        continue;
      }
      r.trainer.destroy();
      const last = r.rows[r.rows.length - 1];
      const e = errorOf(last);
      const run: WidthRun = {
        width,
        seed,
        ...capacity(cfg),
        trainError: e.train,
        testError: e.test,
        trainLoss: last.trainLoss,
        testLoss: last.testLoss,
        noiseShare: snapshots.length > 0 ? noiseShareInChannel(snapshots[snapshots.length - 1]) : null,
        steps: r.trainer.step,
        seconds: Number(r.seconds.toFixed(2)),
      };
      runs.push(run);
      if (!quiet)
        process.stderr.write(
          `  width ${width} (P ${run.params}, n·k ${run.outputs}) seed ${seed}: train ${fmt(e.train)}  held-out ${fmt(e.test)}  noise share ${fmt(run.noiseShare)}  (${run.seconds} s)\n`,
        );
    }
  process.stdout.write(widthTable(runs, regression) + '\n' + (failed.length > 0 ? `${failed.length} run(s) failed and are not in the table:\n  ${failed.join('\n  ')}\n` : ''));
  const settings = { ...base, steps: budget, seeds, widths, adapter: gpu.adapterName, error: regression ? 'mse' : 'errorRate' };
  if (outPath) writeFileSync(outPath, JSON.stringify({ settings, runs, failed }, null, 2));
  if (csvPath) writeFileSync(csvPath, widthCsv(runs));
}
