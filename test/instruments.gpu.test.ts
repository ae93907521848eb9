/**
 * The instruments with their kernel blocks computed on the GPU agree with the
 * all-float64 CPU measurement along a real training run.
 */
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/config/presets';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { GpuKernelBlocks } from '../src/engine/probeKernel';
import { ReferenceTrainer } from '../src/reference/trainer';
import { Instruments } from '../src/theory/instruments';
import { gpu } from './gpu';

describe('Instruments.measureAsync with GPU kernel blocks', () => {
  it('matches Instruments.measure (CPU) over a tiny-preset run', async () => {
    const { ctx } = await gpu();
    const cfg = { ...presetConfig('tiny')!, probeTrain: 8, probeTest: 8 };
    const t = new ReferenceTrainer(cfg);
    const cpu = new Instruments(cfg, t.dataset, t.layout);
    const gpuInst = new Instruments(cfg, t.dataset, t.layout);
    const blocks = new GpuKernelBlocks(ctx, nodeShaderSources(), t.layout);
    for (let r = 0; r < 4; r++) {
      const state = await t.readState();
      const input = { step: t.step, state, gateMask: null, config: t.config };
      const a = cpu.measure(input);
      const b = await gpuInst.measureAsync(input, blocks.compute);
      // float32 kernels (relative error ~1e-7 of max|K|, kernel.gpu.test.ts) feed float64
      // eigen-solvers: leading eigenvalues and the distance/alignment move by ~1e-6 relative
      a.spectrumK.forEach((v, i) => expect(Math.abs(b.spectrumK[i] - v)).toBeLessThan(1e-5 * Math.abs(a.spectrumK[0])));
      expect(Math.abs(b.kernelDistance - a.kernelDistance)).toBeLessThan(1e-5);
      expect(Math.abs(b.alignment - a.alignment)).toBeLessThan(1e-5);
      if (a.gramian) {
        expect(b.gramian!.channel).toEqual(a.gramian.channel);
        expect(Math.abs(b.gramian!.spectrum[0] - a.gramian.spectrum[0])).toBeLessThan(1e-4 * a.gramian.spectrum[0]);
      }
      t.train(40);
    }
    blocks.destroy();
  });
});
