/**
 * The one CSV writer (RFC 4180): the lab's metrics download, `grokscope train
 * --csv` and `grokscope sweep --csv`. Text fields are quoted when they hold a
 * comma, quote or line break; null is an empty field; numbers as JavaScript prints
 * them (full precision, round-trips through parseFloat).
 */
import type { MetricsRow } from './trainer';

export type CsvCell = string | number | null;

const cell = (v: CsvCell): string => {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

export function toCsv(header: readonly string[], rows: Iterable<readonly CsvCell[]>): string {
  const lines = [header.map(cell).join(',')];
  for (const r of rows) lines.push(r.map(cell).join(','));
  return lines.join('\n') + '\n';
}

/**
 * Metric rows of one or more lanes. A `label` adds the lane column (compare mode);
 * `tensors` adds the per-tensor gate-open columns.
 */
export function metricsCsv(lanes: readonly { label?: string; metrics: readonly MetricsRow[]; tensors?: readonly string[] }[]): string {
  const labelled = lanes.some((l) => l.label !== undefined);
  const tensors = lanes[0]?.tensors ?? [];
  // accuracy is empty for the regress task, MSE per output empty for the modular tasks
  const header = [...(labelled ? ['lane'] : []), 'step', 'trainLoss', 'trainAcc', 'testLoss', 'testAcc', 'trainMse', 'testMse', 'flippedAcc', 'gateOpen', ...tensors.map((t) => `gateOpen[${t}]`)];
  function* rows(): Generator<CsvCell[]> {
    for (const l of lanes)
      for (const r of l.metrics)
        yield [
          ...(labelled ? [l.label ?? ''] : []),
          r.step,
          r.trainLoss,
          r.trainAcc,
          r.testLoss,
          r.testAcc,
          r.trainMse,
          r.testMse,
          r.flippedAcc,
          r.gateOpen,
          ...tensors.map((_, i) => r.gateOpenByTensor?.[i] ?? null),
        ];
  }
  return toCsv(header, rows());
}
