/**
 * Metrics on the GPU (shaders/metrics.wgsl, twin src/reference/kernels.ts#categorySums):
 * per-category (Σ loss, Σ correct, count) over every example, written as one row of
 * a GPU-side history that the trainer reads back asynchronously.
 */
import { whole, type Dispatch, type GpuArena } from '../arena';
import type { LayerModule, ModuleSpec } from './module';

const LANES = 64;

export const CategoryMetricsSpec = { name: 'category metrics', kernels: ['metricsPartial', 'metricsFinish'], twins: ['src/reference/kernels.ts#categorySums'] } as const satisfies ModuleSpec;

export class CategoryMetrics implements LayerModule {
  readonly name = CategoryMetricsSpec.name;
  readonly kernels = CategoryMetricsSpec.kernels;
  readonly twins = CategoryMetricsSpec.twins;
  readonly params = [];
  readonly dispatches: Dispatch[];
  private readonly rowSlot: number;

  constructor(
    private readonly arena: GpuArena,
    n: number,
    perEx: GPUBuffer,
    category: GPUBuffer,
    history: GPUBuffer,
    weights: GPUBuffer,
    nParams: number,
  ) {
    // 9 category sums and the non-finite count (losses and weights: the divergence flag) per lane
    const partials = arena.f32(LANES * 10, 'metric partials');
    const s0 = arena.u32Slot([n, nParams, 0, 0]);
    this.rowSlot = arena.slot();
    this.dispatches = [
      arena.bind('metricsPartial', { M0: s0, perEx: whole(perEx), category: whole(category), partials: whole(partials), weights: whole(weights) }, 1),
      arena.bind('metricsFinish', { M1: { buffer: arena.uniform, offset: this.rowSlot, size: 16 }, partialsIn: whole(partials), history: whole(history) }, 1),
    ];
  }

  /** Where this evaluation's row goes, and what it records besides the sums. */
  writeRow(rowOffset: number, step: number, gateCode: number): void {
    new Uint32Array(this.arena.uniformData, this.rowSlot, 4).set([0, rowOffset, step, gateCode]);
    this.arena.flushSlot(this.rowSlot, 16);
  }
}
