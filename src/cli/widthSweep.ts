/**
 * `grokscope sweep --widths w1,w2,…`: one run per width and seed, each trained to the
 * end of its budget (no early stop), recording the final train and held-out error and,
 * from the run's last theory-instrument snapshot, the label noise's energy share in the
 * signal channel. With the regress preset this is the double-descent sweep across the
 * interpolation threshold P ≈ n·k (P trainable parameters, n training examples, k
 * outputs each): the seed predicts held-out error and the noise's channel share peak
 * together there (docs/theory.md, "Double descent").
 *
 * Error: the mean squared error per output for the regress task; the error rate
 * 1 − accuracy for the modular tasks.
 */
import { writeFileSync } from 'node:fs';
import type { RunConfig } from '../config/settings';
import { modelLayout } from '../model/layout';
import type { MetricsRow } from '../model/trainer';
import { makeDataset } from '../tasks/modular';
import { intOption, type ParsedArgs, UsageError } from './flags';
import { cliGpu, runTraining } from './session';

/**
 * The noise's share of energy in the signal channel, as an instrument snapshot records
 * it: `gramian.energy.decayed.noise` (the channel definition `decayed` is the primary
 * one; docs/theory.md). Snapshots are JSON-shaped; anything else — no Gramian yet, an
 * older snapshot layout, a null share — reads as null, never as a number.
 */
export function noiseShareInChannel(snapshot: unknown): number | null {
  const at = (o: unknown, k: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined);
  const v = at(at(at(at(snapshot, 'gramian'), 'energy'), 'decayed'), 'noise');
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export interface WidthRun {
  width: number;
  seed: number;
  /** trainable parameters P (no padding) */
  params: number;
  /** training outputs n·k */
  outputs: number;
  trainError: number;
  testError: number;
  trainLoss: number;
  testLoss: number;
  /** gramian.energy.decayed.noise of the last snapshot (null: no instruments, or not measured) */
  noiseShare: number | null;
  steps: number;
  seconds: number;
}

export interface Spread {
  /** runs with a value */
  n: number;
  median: number | null;
  min: number | null;
  max: number | null;
}

export function spread(values: (number | null)[]): Spread {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return { n, median: null, min: null, max: null };
  const median = n % 2 === 1 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { n, median, min: v[0], max: v[n - 1] };
}

/** The error the sweep reports: MSE per output (regress) or 1 − accuracy (modular tasks). */
export function errorOf(r: MetricsRow): { train: number; test: number } {
  if (r.trainMse !== null && r.testMse !== null) return { train: r.trainMse, test: r.testMse };
  return { train: 1 - (r.trainAcc ?? NaN), test: 1 - (r.testAcc ?? NaN) };
}

/** Trainable parameters P and training outputs n·k of a config (k = p head rows, every task). */
export function capacity(cfg: RunConfig): { params: number; outputs: number } {
  const layout = modelLayout(cfg);
  const nTrain = makeDataset(cfg).trainIdx.length;
  return { params: layout.paramCount, outputs: nTrain * layout.p };
}

export function widthList(raw: string): number[] {
  const vals = raw.split(',').map((s) => Number(s.trim()));
  if (vals.some((v) => !Number.isInteger(v) || v < 8 || v > 512)) throw new UsageError(`--widths=${raw} must be a comma list of whole numbers in [8, 512] (the width setting's range)`);
  return vals;
}

const fmt = (v: number | null, digits = 3) => (v === null ? '—' : v.toPrecision(digits));
const fmtSpread = (s: Spread) => (s.median === null ? '—' : `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`);

export function widthTable(runs: WidthRun[], widths: number[], regression: boolean): string {
  const err = regression ? 'MSE' : 'error rate';
  const lines = [`median [range] over seeds; P = trainable parameters, n·k = training outputs; noise share = gramian.energy.decayed.noise of the last snapshot`];
  lines.push(['width', 'P', 'n·k', 'P/(n·k)', `held-out ${err}`, `train ${err}`, 'noise share in channel'].join(' | '));
  for (const w of widths) {
    const sel = runs.filter((r) => r.width === w);
    if (sel.length === 0) continue;
    const { params, outputs } = sel[0];
    lines.push([w, params, outputs, (params / outputs).toFixed(2), fmtSpread(spread(sel.map((r) => r.testError))), fmtSpread(spread(sel.map((r) => r.trainError))), fmtSpread(spread(sel.map((r) => r.noiseShare)))].join(' | '));
  }
  return lines.join('\n');
}

export const WIDTH_CSV_HEADER = 'width,seed,params,outputs,trainError,testError,trainLoss,testLoss,noiseShare,steps,seconds';

export function widthCsv(runs: WidthRun[]): string {
  return [WIDTH_CSV_HEADER, ...runs.map((r) => [r.width, r.seed, r.params, r.outputs, r.trainError, r.testError, r.trainLoss, r.testLoss, r.noiseShare ?? '', r.steps, r.seconds].join(','))].join('\n') + '\n';
}

export async function widthSweepCommand(args: ParsedArgs, base: RunConfig, seeds: number[]): Promise<void> {
  for (const k of ['variants', 'lrs']) if (args.extra.has(k)) throw new UsageError(`--${k} is for the optimizer sweep; --widths sweeps widths at the given settings`);
  const widths = widthList(args.extra.get('widths')!);
  const budget = intOption(args, 'steps', 3000, 1, 10_000_000);
  const quiet = args.bools.has('quiet');
  const gpu = await cliGpu();
  const regression = base.task === 'regress';
  process.stderr.write(`adapter: ${gpu.adapterName}\n${widths.length} widths × ${seeds.length} seeds, ${budget} steps each${base.instrumentEvery > 0 ? `, instruments every ${base.instrumentEvery}` : ', instruments off (no noise share: set --instrument-every)'}\n`);
  const runs: WidthRun[] = [];
  for (const width of widths)
    for (const seed of seeds) {
      const cfg: RunConfig = { ...base, width, seed };
      const snapshots: unknown[] = [];
      let hook;
      if (cfg.instrumentEvery > 0) {
        const { recordInstruments } = await import('./instruments');
        hook = await recordInstruments(cfg, snapshots);
      }
      const r = await runTraining(cfg, { steps: budget, hook });
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
      if (!quiet) process.stderr.write(`  width ${width} (P ${run.params}, n·k ${run.outputs}) seed ${seed}: train ${fmt(e.train)}  held-out ${fmt(e.test)}  noise share ${fmt(run.noiseShare)}  (${run.seconds} s)\n`);
    }
  process.stdout.write(widthTable(runs, widths, regression) + '\n');
  const settings = { ...base, steps: budget, seeds, widths, adapter: gpu.adapterName, error: regression ? 'mse' : 'errorRate' };
  if (args.extra.has('out')) writeFileSync(args.extra.get('out')!, JSON.stringify({ settings, runs }, null, 2));
  if (args.extra.has('csv')) writeFileSync(args.extra.get('csv')!, widthCsv(runs));
}
