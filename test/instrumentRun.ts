/**
 * A run of the float64 reference trainer with the instruments measured every `every`
 * steps (each measurement also takes the next step, for the kernel fidelity), as the
 * lab and `train --instruments` record them. Shared by the instrument tests.
 */
import type { RunConfig } from '../src/config/settings';
import { ReferenceTrainer } from '../src/reference/trainer';
import { Instruments, type InstrumentOptions, type InstrumentSnapshot } from '../src/theory/instruments';

export function recordInstruments(cfg: RunConfig, steps: number, every: number, opts: Partial<InstrumentOptions> = {}): InstrumentSnapshot[] {
  const tr = new ReferenceTrainer(cfg);
  const inst = new Instruments(cfg, tr.dataset, tr.paramLayout, opts);
  const out: InstrumentSnapshot[] = [];
  while (tr.step <= steps) {
    const state = { params: tr.w.slice(), v: tr.state.v.slice(), step: tr.step };
    const step = tr.step;
    tr.stepOnce();
    out.push(inst.measure({ step, state, gateMask: null, config: tr.config, paramsNext: tr.w }));
    for (let s = 1; s < every; s++) tr.stepOnce();
  }
  return out;
}
