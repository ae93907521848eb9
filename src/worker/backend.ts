/**
 * Picks the training backend: the WGSL engine when WebGPU works, else the CPU
 * float64 reference (src/reference/trainer.ts), with the reason kept for the
 * "no WebGPU" panel. Both sit behind the same Trainer interface, so the loop in
 * ./runner.ts never knows which one it drives.
 */
import type { RunConfig } from '../config/settings';
import type { Trainer } from '../model/trainer';
import { ReferenceTrainer } from '../reference/trainer';

export interface BackendChoice {
  trainer: Trainer;
  /** why WebGPU is not used; null when it is */
  gpuMissing: string | null;
}

export const NO_NAVIGATOR_GPU = 'this browser exposes no WebGPU (navigator.gpu is missing)';

function unavailableReason(err: unknown): string | null {
  if (err && typeof err === 'object' && 'reason' in err && typeof err.reason === 'string') return err.reason;
  return null;
}

export async function createTrainer(config: RunConfig, forceCpu?: string): Promise<BackendChoice> {
  if (forceCpu) return { trainer: new ReferenceTrainer(config), gpuMissing: forceCpu };
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu) {
    return { trainer: new ReferenceTrainer(config), gpuMissing: NO_NAVIGATOR_GPU };
  }
  try {
    // loaded on demand: a browser without WebGPU never fetches the engine
    const engine = await import('../engine/create');
    return { trainer: await engine.createGpuTrainer(config), gpuMissing: null };
  } catch (err) {
    const reason = unavailableReason(err) ?? `the WebGPU engine failed to start: ${err instanceof Error ? err.message : String(err)}`;
    return { trainer: new ReferenceTrainer(config), gpuMissing: reason };
  }
}
