/**
 * The pieces of the width sweep (`grokscope sweep --widths`) that the CLI, the lab's
 * double-descent view and bench/plot-double-descent.ts share: one run's record, the
 * one read of the noise's channel share from an instrument snapshot, the error each
 * task reports, P and n·k, the median and range over seeds, the table and the CSV.
 */
import type { RunConfig } from '../config/settings';
import { makeDataset } from '../tasks/modular';
import { toCsv } from './csv';
import { modelLayout } from './layout';
import type { MetricsRow } from './trainer';

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

const fmt = (v: number | null, digits = 3) => (v === null ? '—' : v.toPrecision(digits));
const fmtSpread = (s: Spread) => (s.median === null ? '—' : `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`);

export function widthTable(runs: WidthRun[], regression: boolean): string {
  const err = regression ? 'MSE' : 'error rate';
  const lines = [`median [range] over seeds; P = trainable parameters, n·k = training outputs; noise share = gramian.energy.decayed.noise of the last snapshot`];
  lines.push(['width', 'P', 'n·k', 'P/(n·k)', `held-out ${err}`, `train ${err}`, 'noise share in channel'].join(' | '));
  for (const w of widthPoints(runs)) lines.push([w.width, w.params, w.outputs, (w.params / w.outputs).toFixed(2), fmtSpread(w.test), fmtSpread(w.train), fmtSpread(w.noise)].join(' | '));
  return lines.join('\n');
}

export const WIDTH_CSV_HEADER = 'width,seed,params,outputs,trainError,testError,trainLoss,testLoss,noiseShare,steps,seconds';

export function widthCsv(runs: WidthRun[]): string {
  return toCsv(
    WIDTH_CSV_HEADER.split(','),
    runs.map((r) => [r.width, r.seed, r.params, r.outputs, r.trainError, r.testError, r.trainLoss, r.testLoss, r.noiseShare, r.steps, r.seconds]),
  );
}

/** Per width: P, n·k and the spreads over seeds, in width order. */
export interface WidthPoint {
  width: number;
  params: number;
  outputs: number;
  test: Spread;
  train: Spread;
  noise: Spread;
}

export function widthPoints(runs: readonly WidthRun[]): WidthPoint[] {
  const widths = [...new Set(runs.map((r) => r.width))].sort((a, b) => a - b);
  return widths.map((width) => {
    const sel = runs.filter((r) => r.width === width);
    return {
      width,
      params: sel[0].params,
      outputs: sel[0].outputs,
      test: spread(sel.map((r) => r.testError)),
      train: spread(sel.map((r) => r.trainError)),
      noise: spread(sel.map((r) => r.noiseShare)),
    };
  });
}

/**
 * The runs of a sweep's `--csv` (WIDTH_CSV_HEADER) or `--out` JSON file, checked: a clear
 * message for anything else.
 */
export function parseWidthSweep(text: string): WidthRun[] {
  if (text.startsWith(WIDTH_CSV_HEADER)) {
    const cols = WIDTH_CSV_HEADER.split(',');
    return text
      .trim()
      .split('\n')
      .slice(1)
      .map((line, i) => {
        const cells = line.split(',');
        if (cells.length !== cols.length) throw new Error(`CSV row ${i + 1} has ${cells.length} cells, the header ${cols.length}`);
        const o: Record<string, number | null> = {};
        cols.forEach((c, j) => (o[c] = cells[j] === '' ? null : Number(cells[j])));
        return o as unknown as WidthRun;
      });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not a width-sweep file: the text is not JSON (${(e as Error).message})`, { cause: e });
  }
  const o = raw as { settings?: unknown; runs?: unknown };
  if (typeof o !== 'object' || o === null || !Array.isArray(o.runs) || typeof o.settings !== 'object' || o.settings === null || !('widths' in o.settings))
    throw new Error('not a width-sweep file: it needs "settings" with "widths" and a "runs" list (grokscope sweep --widths … --out FILE)');
  const nums = ['width', 'seed', 'params', 'outputs', 'trainError', 'testError'] as const;
  o.runs.forEach((r, i) => {
    for (const k of nums) if (typeof (r as Record<string, unknown>)[k] !== 'number') throw new Error(`runs[${i}].${k} must be a number`);
  });
  return o.runs as WidthRun[];
}
