/**
 * `train --instruments`: the theory instruments every r steps, recorded into the run
 * file. Each measurement reads the state at step t, takes the next training step, and
 * reads the weights at t+1, so the kernel fidelity cos(Δu, −ηK̃g) is measured too;
 * that step is an ordinary training step of the run. The kernel blocks K, K̃, K_QS are
 * computed on the GPU (GpuKernelBlocks); eigen-solvers and W stay float64 on the CPU.
 */
import type { RunConfig } from '../config/settings';
import { readInstrumentState } from '../model/trainer';
import { nodeShaderSources } from '../engine/nodeShaders';
import { GpuKernelBlocks } from '../engine/probeKernel';
import type { GpuContext } from '../engine/device';
import type { GpuTrainer } from '../engine/trainer';
import type { InstrumentOptions } from '../theory/instruments';
import { cliGpu } from './session';

export async function recordInstruments(config: RunConfig, into: unknown[], options: Partial<InstrumentOptions> = {}): Promise<{ every: number; fn: (t: GpuTrainer) => Promise<void> }> {
  const { Instruments } = await import('../theory/instruments');
  let inst: InstanceType<typeof Instruments> | null = null;
  let blocks: GpuKernelBlocks | null = null;
  /** the device the kernel blocks live on: after a loss the trainer is rebuilt on a fresh one, and so are they */
  let blocksCtx: GpuContext | null = null;
  return {
    every: config.instrumentEvery,
    fn: async (t) => {
      const layout = t.paramLayout;
      inst ??= new Instruments(t.config, t.dataset, layout, options);
      // the structured kernel formula (theory/kernels.ts, kernel.wgsl) is the MLP's; the transformer's dense Jacobian stays on the CPU
      if (layout.arch === 'mlp') {
        const ctx = await cliGpu();
        if (blocks && blocksCtx !== ctx) {
          blocks.destroy();
          blocks = null;
        }
        blocks ??= new GpuKernelBlocks(ctx, nodeShaderSources(), layout);
        blocksCtx = ctx;
      }
      const step = t.step;
      // a device loss resumes from a checkpoint: snapshots at or after its step belong to the rolled-back history
      while (into.length > 0 && (into[into.length - 1] as { step: number }).step >= step) into.pop();
      const { state, mask, config: cfg } = await readInstrumentState(t);
      t.train(1);
      const next = await t.readState();
      const input = { step, state, gateMask: mask, config: cfg, paramsNext: next.params };
      into.push(blocks ? await inst.measureAsync(input, blocks.compute) : inst.measure(input));
    },
  };
}
