/** The Reservoir view's whole-set sentence (src/ui/views/wholeReading.ts): what it says in each case. */
import { describe, expect, it } from 'vitest';
import { wholeReadingText } from '../src/ui/views/wholeReading';
import type { WholeGramianReadout } from '../src/theory/wholeGramian';

const reading: WholeGramianReadout = {
  rows: 8140,
  steps: 20,
  intervals: 4,
  top: [23.4],
  bottom: [0.07],
  channelAtLeast: 17,
  reservoirAtLeast: 3,
  kernelAtLeast: 0,
  channelEstimate: 3603.1,
  channelSd: 63.4,
  vectors: { labels: { decayed: 0.0909, dissipated: 0.407 }, clean: null, noise: null },
  products: 14888,
  ms: 398772,
};

describe('the whole-set reading in the Reservoir view', () => {
  it('says nothing where the dense W already is the whole training set', () => {
    expect(wholeReadingText({ set: 'train', whole: null })).toBe('');
  });
  it('names the command where the run has no whole-set reading', () => {
    expect(wholeReadingText({ set: 'probe', whole: null })).toContain('--whole-gramian');
  });
  it('gives the proven bounds, the estimate with its error and the labels share', () => {
    const t = wholeReadingText({ set: 'probe', whole: reading });
    expect(t).toContain('8140 rows, 20 Lanczos steps');
    expect(t).toContain('channel ≥ 17 and ≈ 3603 ± 63');
    expect(t).toContain('reservoir ≥ 3');
    expect(t).toContain("labels' share in the channel ≈ 0.091");
  });
});
