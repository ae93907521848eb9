/**
 * The matmul module: every matrix product of every model goes through here, so a
 * kernel variant (or an autotuned tile choice) is swapped in one place.
 * C[M×N] = op(A)·op(B) (shaders/matmul.wgsl, twin src/reference/kernels.ts#matmul);
 * the dual form also writes C2 = op(A∘A)·op(B∘B), the squared-operand Σg² pass,
 * fused into the same tile loop.
 */
import type { GpuArena, Dispatch } from '../arena';
import type { Slice } from '../bindings';
import type { LayerModule, ModuleSpec } from './module';

export const MatmulSpec = { name: 'matmul', kernels: ['matmul', 'matmulDual'], twins: ['src/reference/kernels.ts#matmul'] } as const satisfies ModuleSpec;
export const MatmulModule: LayerModule = { ...MatmulSpec, params: [] };

const TILE = 32; // each 8×8 workgroup computes a 32×32 block of C (4×4 per invocation)

export function matmul(arena: GpuArena, M: number, N: number, K: number, flags: number, A: Slice, B: Slice, C: Slice): Dispatch {
  return arena.bind('matmul', { P: arena.u32Slot([M, N, K, flags]), A, B, C }, Math.ceil(N / TILE), Math.ceil(M / TILE));
}

export function matmulDual(arena: GpuArena, M: number, N: number, K: number, flags: number, A: Slice, B: Slice, C: Slice, C2: Slice): Dispatch {
  return arena.bind('matmulDual', { P: arena.u32Slot([M, N, K, flags]), A, B, C, C2 }, Math.ceil(N / TILE), Math.ceil(M / TILE));
}
