/**
 * The Fourier view's readout (src/theory/fourier.ts) taken beside each instrument
 * measurement, on the same weights, with the kernel eigenvectors the instruments
 * just computed. Shared by the instruments worker and the in-thread host.
 */
import { fourierWithEigenvectors, type FourierMeter } from '../theory/fourier';
import type { InstrumentInput, Instruments } from '../theory/instruments';
import type { InstrumentFrame } from './instrumentFrame';

/** the instruments' snapshot plus the Fourier readout on the same weights and kernel eigenvectors */
export function withFourier(inst: Instruments, meter: FourierMeter, input: InstrumentInput, snapshot: InstrumentFrame): InstrumentFrame {
  const fourier = fourierWithEigenvectors(meter, input.step, input.state.params, inst.latestEigenvectors(), inst.view, inst.probe.train.labels);
  return { ...snapshot, fourier };
}

