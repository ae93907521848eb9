/** `train --instruments`: the theory instruments every r steps, recorded into the run file. */
import type { RunConfig } from '../config/settings';
import type { GpuTrainer } from '../engine/trainer';

export async function recordInstruments(config: RunConfig, into: unknown[]): Promise<{ every: number; fn: (t: GpuTrainer) => Promise<void> }> {
  const mod = await import('../theory/instruments');
  let inst: InstanceType<typeof mod.Instruments> | null = null;
  return {
    every: config.instrumentEvery,
    fn: async (t) => {
      inst ??= new mod.Instruments(t.config, t.dataset, t.layout);
      const [state, q] = await Promise.all([t.readState(), t.readGateMask()]);
      into.push(inst.measure({ step: t.step, state, gateMask: q, config: t.config }));
    },
  };
}
