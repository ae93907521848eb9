/**
 * What the page draws from one theory measurement: the InstrumentSnapshot of
 * src/theory/instruments.ts and the FourierReadout of src/theory/fourier.ts
 * (plain numbers and arrays, cheap to post).
 */
import type { FourierReadout } from '../theory/fourier';
import type { InstrumentSnapshot } from '../theory/instruments';

/**
 * The snapshot plus the Fourier view's readout on the same weights, and the mode
 * ids of K_c's top eigenvectors matched to the previous measurement (ids[j]: the
 * mode of spectrumKc[j]; continuity[j]: its overlap with its predecessor). Both
 * absent in run files recorded before they existed.
 */
export type InstrumentFrame = InstrumentSnapshot & { fourier?: FourierReadout | null; modes?: { ids: number[]; continuity: number[] } | null };
