/**
 * getPipelines compiles only the entry points asked for, shares one compile between
 * callers, forgets a failed one, and an arena refuses, by name, a kernel it was not
 * given (so a module whose spec omits a kernel fails loudly in the trainer tests).
 */
import { describe, expect, it } from 'vitest';
import { nodeGpuContext } from '../src/engine/node';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { getPipelines } from '../src/engine/pipelines';
import { GpuArena, whole } from '../src/engine/arena';
import { ProbeKernelSpec } from '../src/engine/probeKernel';

describe('getPipelines', () => {
  it('returns exactly the pipelines asked for, and the same objects on a second call', async () => {
    const { device } = await nodeGpuContext();
    const src = nodeShaderSources();
    const a = await getPipelines(device, src, ProbeKernelSpec.kernels);
    expect(Object.keys(a).sort()).toEqual([...ProbeKernelSpec.kernels].sort());
    const [b, c] = await Promise.all([getPipelines(device, src, ['kernelWeight', 'lookupAct']), getPipelines(device, src, ['lookupAct'])]);
    expect(b.kernelWeight).toBe(a.kernelWeight);
    expect(c.lookupAct).toBe(b.lookupAct);
    expect(Object.keys(b).sort()).toEqual(['kernelWeight', 'lookupAct']);
  });

  it('a shader that fails to compile is named, and not cached: the next call with good sources succeeds', async () => {
    const { device } = await nodeGpuContext();
    const src = nodeShaderSources();
    await expect(getPipelines(device, { ...src, embed: src.embed.replace('fn scatter', 'fn scatter oops') }, ['scatter'])).rejects.toThrow(/shaders\/embed\.wgsl failed to compile/);
    const ok = await getPipelines(device, src, ['scatter']);
    expect(ok.scatter).toBeDefined();
  });

  it('an arena binding a kernel it was not given throws with the kernel name', async () => {
    const { device } = await nodeGpuContext();
    const pl = await getPipelines(device, nodeShaderSources(), ['lookupAct']);
    const arena = new GpuArena(device, pl, 1, 'test arena');
    const buf = arena.f32(16, 'x');
    expect(() => arena.bind('scatter', { U: whole(buf) } as never, 1)).toThrow(/test arena: scatter was not compiled/);
    arena.destroy();
  });
});
