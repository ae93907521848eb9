import { ProbeKernelSpec } from '../probeKernel';
import { DenseSpec } from './dense';
import { PairEmbeddingSpec } from './embedding';
import { SoftmaxCrossEntropySpec, SquaredLossSpec } from './loss';
import { MatmulSpec } from './matmul';
import { CategoryMetricsSpec } from './metrics';
import type { ModuleSpec } from './module';
import type { KernelName } from '../pipelines';
import type { RunConfig } from '../../config/settings';
import { OptimizerSpec } from './optimizer';
import { CausalAttentionSpec, FeedForwardSpec, LayerNormSpec, SequenceEmbeddingSpec } from './transformer';

/** Every module spec of the engine, for the checks in test/modules.test.ts. */
export const MODULE_SPECS: readonly ModuleSpec[] = [
  MatmulSpec,
  PairEmbeddingSpec,
  DenseSpec,
  SoftmaxCrossEntropySpec,
  SquaredLossSpec,
  OptimizerSpec,
  CategoryMetricsSpec,
  ProbeKernelSpec,
  SequenceEmbeddingSpec,
  LayerNormSpec,
  CausalAttentionSpec,
  FeedForwardSpec,
];

/** what every trainer runs besides its network: both losses, the optimizer with its gate, the metrics, and every matmul variant (the tuner times them) */
const TRAINER_COMMON: readonly ModuleSpec[] = [MatmulSpec, SoftmaxCrossEntropySpec, SquaredLossSpec, OptimizerSpec, CategoryMetricsSpec];

/** the modules each network is built from (src/engine/modules/mlp.ts, transformer.ts) */
export const NETWORK_SPECS: Record<RunConfig['arch'], readonly ModuleSpec[]> = {
  mlp: [PairEmbeddingSpec, DenseSpec],
  transformer: [SequenceEmbeddingSpec, LayerNormSpec, CausalAttentionSpec, FeedForwardSpec],
};

/**
 * The entry points a trainer of `arch` compiles (getPipelines): its modules' kernels and
 * the common ones, nothing of the other network's or the kernel-block probe's. A kernel
 * a module binds but its spec omits fails at bind with its name (GpuArena.bind).
 */
export function trainerKernels(arch: RunConfig['arch']): KernelName[] {
  return [...new Set([...NETWORK_SPECS[arch], ...TRAINER_COMMON].flatMap((m) => m.kernels))];
}
