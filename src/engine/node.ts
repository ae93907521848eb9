/**
 * WebGPU under Node through Dawn (npm `webgpu`): the headless runner's and the
 * tests' device. Without a Vulkan driver Dawn finds no adapter; scripts/with-dawn.sh
 * (and bin/grokscope.mjs) point it at chromium's SwiftShader when no GPU driver exists.
 */
import { acquireDevice, WebGpuUnavailableError, type GpuContext } from './device';

let gpuPromise: Promise<GPU> | null = null;

async function dawnGpu(): Promise<GPU> {
  const mod = (await import('webgpu')) as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, mod.globals);
  return mod.create([]);
}

export async function nodeGpuContext(onLost?: (reason: string) => void): Promise<GpuContext> {
  gpuPromise ??= dawnGpu();
  try {
    return await acquireDevice(await gpuPromise, onLost);
  } catch (e) {
    if (e instanceof WebGpuUnavailableError)
      throw new WebGpuUnavailableError(
        `${e.reason} Under Node, Dawn needs a Vulkan driver: on a machine without a GPU install Debian's chromium (apt-get install chromium) and run through scripts/with-dawn.sh or bin/grokscope.mjs, which point Dawn at chromium's SwiftShader.`,
      );
    throw e;
  }
}
