/**
 * Steps-to-target statistics over seeds, with censoring: a run that never reached
 * the target within its budget counts as "> budget" — it sorts above every finished
 * run and is never dropped. A median that lands on a censored run is itself censored.
 */
export interface Censored {
  /** steps to the target, or null when the run ended first */
  steps: number | null;
}

export interface Summary {
  n: number;
  censored: number;
  /** null: the median run did not reach the target within the budget */
  median: number | null;
  min: number | null;
  max: number | null;
}

export function summarize(values: (number | null)[]): Summary {
  const sorted = [...values].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  const n = sorted.length;
  const key = (v: number | null) => v ?? Infinity;
  let median: number;
  if (n === 0) median = Infinity;
  else if (n % 2 === 1) median = key(sorted[(n - 1) / 2]);
  else median = (key(sorted[n / 2 - 1]) + key(sorted[n / 2])) / 2;
  const finished = sorted.filter((v): v is number => v !== null);
  return {
    n,
    censored: n - finished.length,
    median: Number.isFinite(median) ? median : null,
    min: finished.length > 0 ? finished[0] : null,
    max: finished.length === n && n > 0 ? finished[n - 1] : null,
  };
}

/** speed-up of `x` over `base` (base median / x median); a censored side gives a bound or nothing */
export function speedup(base: Summary, x: Summary, budget: number): string {
  if (base.median !== null && x.median !== null) return `${(base.median / x.median).toFixed(2)}×`;
  if (base.median === null && x.median !== null) return `> ${(budget / x.median).toFixed(2)}×`;
  if (base.median !== null && x.median === null) return `< ${(base.median / budget).toFixed(2)}×`;
  return 'n/a (both censored)';
}

export function formatSummary(s: Summary, budget: number): string {
  const med = s.median === null ? `> ${budget}` : String(s.median);
  const range = `${s.min ?? `>${budget}`}–${s.max ?? `>${budget}`}`;
  return `${med} [${range}]${s.censored > 0 ? ` (${s.censored}/${s.n} censored)` : ''}`;
}
