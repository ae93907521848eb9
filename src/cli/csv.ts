/** Metrics as CSV: one header, one row per evaluation (columns: METRIC_COLUMNS). */
import { METRIC_COLUMNS, metricCells } from '../model/run';
import type { MetricsRow } from '../model/trainer';

export function metricsCsv(rows: readonly MetricsRow[]): string {
  return [METRIC_COLUMNS.join(','), ...rows.map((r) => metricCells(r).join(','))].join('\n') + '\n';
}
