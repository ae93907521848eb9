/**
 * When did the run memorise, and when did it grok? Memorised: the first
 * evaluation with train accuracy ≥ 0.99. Grokked: the first evaluation at or after
 * that with held-out accuracy ≥ 0.95 (the convention of the published step counts).
 */
import type { MetricsRow } from '../model/trainer';

export const MEMORISED_ACC = 0.99;
export const GROKKED_ACC = 0.95;

export function grokSteps(rows: readonly MetricsRow[]): { memorised: number | null; grokked: number | null } {
  // accuracy is null for the regress task: no memorised / grokked markers there
  const i = rows.findIndex((r) => r.trainAcc !== null && r.trainAcc >= MEMORISED_ACC);
  if (i < 0) return { memorised: null, grokked: null };
  for (let j = i; j < rows.length; j++) if ((rows[j].testAcc ?? 0) >= GROKKED_ACC) return { memorised: rows[i].step, grokked: rows[j].step };
  return { memorised: rows[i].step, grokked: null };
}

/** at most `max` points, evenly strided, always keeping the newest */
export function thin<T>(rows: readonly T[], max = 1500): T[] {
  if (rows.length <= max) return rows.slice();
  const stride = Math.ceil(rows.length / max);
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += stride) out.push(rows[i]);
  if (out[out.length - 1] !== rows[rows.length - 1]) out.push(rows[rows.length - 1]);
  return out;
}
