/**
 * A layer module of the engine: the unit a model is composed of. Each module owns
 * its WGSL kernels (entry points in pipelines.ts, bound by name through
 * bindings.ts), names the float64 twins in src/reference that check them
 * (test/modules.test.ts resolves every name, and the kernel tests run them), owns
 * its parameter tensors in the model layout, and builds its forward and backward
 * dispatches; the backward, when asked, also produces the per-example Σ_i g_i²
 * of its parameters (the exact gate's statistic) in the same 1/b scaling as the
 * mean gradient.
 */
import type { TensorInfo } from '../../model/layout';
import type { KernelName } from '../pipelines';

/** What a module is, independent of any instance: test/modules.test.ts checks every spec. */
export interface ModuleSpec {
  readonly name: string;
  readonly kernels: readonly KernelName[];
  /** float64 twins as "src/reference/FILE.ts#export" (or src/model/rules.ts for shared host rules) */
  readonly twins: readonly string[];
}

export interface LayerModule extends ModuleSpec {
  /** parameter tensors this module owns (empty for parameter-free modules) */
  readonly params: readonly TensorInfo[];
}

/** The flat parameter-sized buffers the backward writes: mean gradient and Σ(g_i/b)². */
export interface GradBuffers {
  params: GPUBuffer;
  grad: GPUBuffer;
  sq: GPUBuffer;
}

/** The byte range of one tensor in a flat buffer. */
export const tensorSlice = (buffer: GPUBuffer, t: { offset: number; size: number }) => ({ buffer, offset: 4 * t.offset, size: 4 * t.size });
