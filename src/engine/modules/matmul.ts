/**
 * The matmul module: every matrix product of every model goes through here, so a
 * kernel variant (or an autotuned tile choice) is swapped in one place.
 * C[M×N] = op(A)·op(B) (shaders/matmul.wgsl, twin src/reference/kernels.ts#matmul);
 * the dual form also writes C2 = op(A∘A)·op(B∘B), the squared-operand Σg² pass,
 * fused into the same tile loop.
 *
 * Variants (same bindings, flags and dispatch grid, each under the reference tests in
 * test/kernels.gpu.test.ts): `block4` (`main`/`main_dual`: a 4×4 register block, no
 * workgroup memory, no barriers), `block8` (`main8`/`main8_dual`: the same with an 8×8
 * block on a 4×4 workgroup), `tiled` (`tiled`/`tiled_dual`: the same blocking
 * staged through shared vec4 tiles), and three that read vec4 along the dimension their
 * form has contiguous (shaders/matmul.wgsl, bound to A4/B4): `kvec` for A·Bᵀ (the forward maps),
 * `outer4` for Aᵀ·B (weight gradients, with its own dual), `bvec` for A·B (input
 * gradients), and their wide twins `kvec8`, `outer8`, `bvec8` (an 8×8 register block per
 * invocation on a 4×4 workgroup) — each only where its form and divisibility hold
 * (`variantApplies`). Which one runs each product is the arena's matmul plan, chosen on
 * the adapter by src/engine/autotune.ts; a product the plan does not know takes the
 * plan's fallback.
 */
import { MM_SQUARE, MM_TRANS_A, MM_TRANS_B } from '../../model/rules';
import type { GpuArena, Dispatch } from '../arena';
import { BINDINGS, type BindingsOf, type Slice } from '../bindings';
import type { KernelName } from '../pipelines';
import type { LayerModule, ModuleSpec } from './module';

export const MATMUL_VARIANTS = {
  block4: { plain: 'matmul', dual: 'matmulDual' },
  // block4's scalar loads with an 8×8 register block on a 4×4 workgroup: every product, the heads the vec4 forms cannot take
  block8: { plain: 'matmulBlock8', dual: 'matmulBlock8Dual' },
  tiled: { plain: 'matmulTiled', dual: 'matmulTiledDual' },
  // kvec and bvec are never chosen for a weight gradient (TRANS_A), so their dual is never asked for; block4's stands in
  kvec: { plain: 'matmulKvec', dual: 'matmulDual' },
  outer4: { plain: 'matmulOuter4', dual: 'matmulOuter4Dual' },
  bvec: { plain: 'matmulBvec', dual: 'matmulDual' },
  // the same three forms with an 8×8 register block on a 4×4 workgroup (same 32×32 tile and grid)
  kvec8: { plain: 'matmulKvec8', dual: 'matmulDual' },
  outer8: { plain: 'matmulOuter8', dual: 'matmulOuter8Dual' },
  bvec8: { plain: 'matmulBvec8', dual: 'matmulDual' },
} as const satisfies Record<string, { plain: KernelName; dual: KernelName }>;
export type MatmulVariant = keyof typeof MATMUL_VARIANTS;
/** the variants that serve every product (`variantApplies` is always true for them) */
export const GENERAL_VARIANTS: readonly MatmulVariant[] = ['block4', 'block8', 'tiled'];

export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  flags: number;
}

export const shapeKey = (s: MatmulShape) => `${s.M}x${s.N}x${s.K}/${s.flags}`;

/** what the module needs of a plan: shape key → variant, and the variant for any other product */
export interface MatmulChoice {
  choice: Record<string, MatmulVariant>;
  fallback: MatmulVariant;
}

/**
 * Whether variant v computes product s (block4, block8 and tiled: every product). The vec4
 * forms each serve one form, without SQUARE, where their vec4 rows divide evenly:
 * kvec A·Bᵀ with K % 4 = 0; outer4 Aᵀ·B with M, N % 4 = 0; bvec A·B with K, N % 4 = 0;
 * the wide forms kvec8, outer8, bvec8 exactly as their 4×4 twins.
 */
export function variantApplies(v: MatmulVariant, s: MatmulShape): boolean {
  const form = s.flags & (MM_TRANS_A | MM_TRANS_B | MM_SQUARE);
  switch (v) {
    case 'kvec':
    case 'kvec8':
      return form === MM_TRANS_B && s.K % 4 === 0;
    case 'outer4':
    case 'outer8':
      return form === MM_TRANS_A && s.M % 4 === 0 && s.N % 4 === 0;
    case 'bvec':
    case 'bvec8':
      return form === 0 && s.K % 4 === 0 && s.N % 4 === 0;
    default:
      return true;
  }
}

/**
 * The variant chosen for one product: the plan's choice, else its fallback (block4
 * without a plan). A variant that does not serve the product gives way to the fallback,
 * and to block4 where the fallback does not serve it either (the autotuner's plans never
 * name one: `pick` replaces them).
 */
export function variantFor(plan: MatmulChoice | null | undefined, s: MatmulShape): MatmulVariant {
  for (const v of [plan?.choice[shapeKey(s)], plan?.fallback]) if (v && variantApplies(v, s)) return v;
  return 'block4';
}

export const MatmulSpec = {
  name: 'matmul',
  kernels: [
    'matmul',
    'matmulDual',
    'matmulTiled',
    'matmulTiledDual',
    'matmulKvec',
    'matmulOuter4',
    'matmulOuter4Dual',
    'matmulBvec',
    'matmulKvec8',
    'matmulOuter8',
    'matmulOuter8Dual',
    'matmulBvec8',
    'matmulBlock8',
    'matmulBlock8Dual',
  ],
  twins: ['src/reference/kernels.ts#matmul'],
} as const satisfies ModuleSpec;
export const MatmulModule: LayerModule = { ...MatmulSpec, params: [] };

const TILE = 32; // each workgroup computes a 32×32 block of C in every variant: 8×8 invocations × 4×4, or 4×4 invocations × 8×8 (the wide forms)

/** the variant of one product, recorded on the arena */
function variantOf(arena: GpuArena, s: MatmulShape): MatmulVariant {
  arena.matmulShapes.add(shapeKey(s));
  return variantFor(arena.matmulPlan, s);
}

/** the operands under the names the kernel binds them: A, B, or their vec4 views A4, B4 (the vec4 forms) */
export function operandBindings(kernel: KernelName, A: Slice, B: Slice): { A: Slice; B: Slice } | { A4: Slice; B4: Slice } {
  return 'A4' in BINDINGS[kernel] ? { A4: A, B4: B } : { A, B };
}

/** bind-group entries of a plain matmul kernel on whole buffers (the autotuner's and the benchmark's timings) */
export function matmulEntries(kernel: KernelName, P: GPUBuffer, A: GPUBuffer, B: GPUBuffer, C: GPUBuffer): GPUBindGroupEntry[] {
  const table = BINDINGS[kernel] as Record<string, number>;
  const ops = operandBindings(kernel, { buffer: A }, { buffer: B }) as Record<string, Slice>;
  return Object.entries({ P: { buffer: P }, ...ops, C: { buffer: C } }).map(([name, slice]) => ({ binding: table[name], resource: { buffer: slice.buffer } }));
}

export function matmul(arena: GpuArena, M: number, N: number, K: number, flags: number, A: Slice, B: Slice, C: Slice): Dispatch {
  const kernel = MATMUL_VARIANTS[variantOf(arena, { M, N, K, flags })].plain;
  const resources = { P: arena.u32Slot([M, N, K, flags]), ...operandBindings(kernel, A, B), C } as BindingsOf<typeof kernel>;
  return arena.bind(kernel, resources, Math.ceil(N / TILE), Math.ceil(M / TILE));
}

/** the dual pass follows the plain product's choice for the same shape */
export function matmulDual(arena: GpuArena, M: number, N: number, K: number, flags: number, A: Slice, B: Slice, C: Slice, C2: Slice): Dispatch {
  const kernel = MATMUL_VARIANTS[variantOf(arena, { M, N, K, flags })].dual;
  const resources = { P: arena.u32Slot([M, N, K, flags]), ...operandBindings(kernel, A, B), C, C2 } as BindingsOf<typeof kernel>;
  return arena.bind(kernel, resources, Math.ceil(N / TILE), Math.ceil(M / TILE));
}
