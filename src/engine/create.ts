/** The browser's entry to the engine: device from navigator.gpu, shaders bundled by Vite. */
import type { RunConfig } from '../config/settings';
import type { Trainer } from '../model/trainer';
import type { Dataset } from '../tasks/modular';
import { setTuneCache } from './autotune';
import { acquireDevice, type GpuContext } from './device';
import { indexedDbTuneCache } from './tuneCacheIdb';
import { browserShaderSources } from './browserShaders';
import type { ShaderSources } from './shaders';
import { gpuResources } from './resources';
import { GpuTrainer } from './trainer';

let shared: Promise<GpuContext> | null = null;
const lostListeners = new Set<(reason: string) => void>();

/** One device per page or worker, shared by every run (compare mode runs two trainers on it). */
export function browserGpuContext(): Promise<GpuContext> {
  if (!shared) {
    const idb = indexedDbTuneCache();
    if (idb) setTuneCache(idb);
  }
  shared ??= acquireDevice(typeof navigator !== 'undefined' ? navigator.gpu : undefined, (reason) => {
    shared = null; // the next run asks for a fresh device
    for (const l of lostListeners) l(reason);
  }).catch((e: unknown) => {
    shared = null;
    throw e;
  });
  return shared;
}

/** Called with a message when the device is lost (driver reset, GPU removed, tab backgrounded too long). */
export function onDeviceLost(listener: (reason: string) => void): () => void {
  lostListeners.add(listener);
  gpuResources.lostListeners = lostListeners.size;
  return () => {
    lostListeners.delete(listener);
    gpuResources.lostListeners = lostListeners.size;
  };
}

export async function createGpuTrainer(config: RunConfig, opts: { shaders?: ShaderSources; dataset?: Dataset } = {}): Promise<Trainer> {
  const ctx = await browserGpuContext();
  const trainer = await GpuTrainer.create(config, ctx, opts.shaders ?? browserShaderSources(), opts.dataset);
  // removed when the trainer is destroyed: otherwise every reset would keep the old trainer alive
  trainer.onDestroy(
    onDeviceLost((reason) => {
      trainer.lostReason ??= reason;
    }),
  );
  return trainer;
}

export { WebGpuUnavailableError } from './device';
