/**
 * The one definition of "memorised" and "grokked", used by the CLI (train summary,
 * sweep table), the lab's curve markers and docs/results.md.
 *
 * Memorised: the first evaluation with train accuracy ≥ 0.99.
 * Grokked: the first evaluation at or after memorisation with held-out accuracy
 * ≥ 0.95 (the convention of the published step counts: generalisation that comes
 * with or after fitting the training set, not a lucky held-out score before it).
 */
import type { MetricsRow } from './trainer';

export const MEMORISED_ACC = 0.99;
export const GROKKED_ACC = 0.95;

export interface GrokSteps {
  memorised: number | null;
  grokked: number | null;
}

export function grokSteps(rows: readonly MetricsRow[]): GrokSteps {
  const t = new GrokTracker();
  for (const r of rows) t.add(r);
  return t.steps;
}

/** the same, row by row (a long run need not rescan its history) */
export class GrokTracker {
  readonly steps: GrokSteps = { memorised: null, grokked: null };
  add(r: MetricsRow): void {
    // accuracy is null for the regress task: it neither memorises nor groks by this definition
    if (this.steps.memorised === null && r.trainAcc !== null && r.trainAcc >= MEMORISED_ACC) this.steps.memorised = r.step;
    if (this.steps.memorised !== null && this.steps.grokked === null && r.testAcc !== null && r.testAcc >= GROKKED_ACC) this.steps.grokked = r.step;
  }
}
