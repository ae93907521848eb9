/**
 * Bounded histories: an hour of training at evalEvery 1, or an imported file with
 * 10⁵ rows, must not grow memory or frame time without limit. When a list passes
 * its cap, its older part is thinned to every other entry; the newest quarter is
 * kept whole, so the live end of a curve stays exact and the shape of the past
 * stays visible (each thinning halves the resolution of the oldest data only).
 */
export function appendBounded<T>(list: readonly T[], add: readonly T[], cap: number): T[] {
  const out = list.concat(add);
  if (out.length <= cap) return out;
  const keepWhole = Math.floor(cap / 4);
  const old = out.slice(0, out.length - keepWhole);
  const thinned = old.filter((_, i) => i % 2 === 0 || i === old.length - 1);
  const merged = thinned.concat(out.slice(out.length - keepWhole));
  // thinning halves the old part; if that is not enough (a huge single append), drop the oldest
  return merged.length > cap ? merged.slice(merged.length - cap) : merged;
}

/** caps of the page's histories (per lane) */
export const HISTORY_CAPS = {
  /** metric rows drawn by the curves */
  metrics: 4000,
  /** instrument frames kept for the time-series charts */
  frames: 1000,
  /** live-change events drawn as markers */
  events: 200,
} as const;
