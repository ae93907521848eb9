/**
 * The Reservoir view's sentence on the whole training set where the dense W runs on a
 * sub-probe: the matrix-free reading of theory/wholeGramian.ts when the run has one
 * (proven bounds first, then the one-probe estimates), else how to get it.
 */
import type { GramianReadout } from '../../theory/instruments';

const share = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');

export function wholeReadingText(g: Pick<GramianReadout, 'set' | 'whole'>): string {
  if (g.set === 'train') return '';
  const w = g.whole;
  if (!w) return ' The whole training set is read matrix-free by `grokscope train --instruments --whole-gramian 40` (slow: docs/theory.md).';
  const labels = w.vectors.labels;
  return (
    ` Whole training set, matrix-free (${w.rows} rows, ${w.steps} Lanczos steps): channel ≥ ${w.channelAtLeast} and ≈ ${Math.round(w.channelEstimate)} ± ${Math.round(w.channelSd)},` +
    ` reservoir ≥ ${w.reservoirAtLeast} (proven bounds, then a one-probe estimate)${labels ? `; the labels' share in the channel ≈ ${share(labels.decayed)}` : ''}.`
  );
}
