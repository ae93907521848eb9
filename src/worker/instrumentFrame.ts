/**
 * What the page draws from one theory measurement: the InstrumentSnapshot of
 * src/theory/instruments.ts and the FourierReadout of src/theory/fourier.ts
 * (plain numbers and arrays, cheap to post).
 */
import type { FourierReadout } from '../theory/fourier';
import type { InstrumentSnapshot } from '../theory/instruments';

/** the snapshot plus the Fourier view's readout, measured on the same weights (absent in old run files) */
export type InstrumentFrame = InstrumentSnapshot & { fourier?: FourierReadout | null };

/** ratio above which the ker W ⊆ ker G_Q check is flagged in the UI */
export const GQ_FLAG_RATIO = 0.1;
