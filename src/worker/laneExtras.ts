/**
 * What the page's Fourier view and rotation tracking add to each instrument
 * measurement, taken on the same weights with the kernel eigenvectors the
 * instruments just computed: the Fourier readout (src/theory/fourier.ts) and the
 * ids that follow K_c's eigenvectors from one measurement to the next
 * (src/theory/rotationTracking.ts). One per lane; shared by the instruments worker
 * and the in-thread host.
 */
import type { Task } from '../config/settings';
import type { NetLayout } from '../model/arch';
import { FourierMeter, fourierWithEigenvectors } from '../theory/fourier';
import type { InstrumentInput, Instruments } from '../theory/instruments';
import { ModeTracker } from '../theory/rotationTracking';
import type { InstrumentFrame } from './instrumentFrame';

export class LaneExtras {
  private readonly meter: FourierMeter;
  private readonly tracker = new ModeTracker();

  constructor(layout: NetLayout, task: Task, dataset: ConstructorParameters<typeof FourierMeter>[2]) {
    this.meter = new FourierMeter(layout, task, dataset);
  }

  frame(inst: Instruments, input: InstrumentInput, snapshot: InstrumentFrame): InstrumentFrame {
    const eig = inst.latestEigenvectors();
    const fourier = fourierWithEigenvectors(this.meter, input.step, input.state.params, eig, inst.view, inst.probe.train.labels);
    const modes = eig ? this.tracker.update(eig.vectors, eig.dim) : null;
    return { ...snapshot, fourier, modes };
  }
}
