/** Metrics as CSV: one header, one row per evaluation. */
import type { MetricsRow } from '../model/trainer';

export function metricsCsv(rows: readonly MetricsRow[]): string {
  const head = 'step,trainLoss,trainAcc,testLoss,testAcc,flippedAcc,gateOpen';
  const f = (v: number | null) => (v === null ? '' : String(v));
  return [head, ...rows.map((r) => [r.step, r.trainLoss, r.trainAcc, r.testLoss, r.testAcc, f(r.flippedAcc), f(r.gateOpen)].join(','))].join('\n') + '\n';
}
