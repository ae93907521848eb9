/** Every module spec of the engine, for the checks in test/modules.test.ts. */
import { ProbeKernelSpec } from '../probeKernel';
import { DenseSpec } from './dense';
import { PairEmbeddingSpec } from './embedding';
import { SoftmaxCrossEntropySpec, SquaredLossSpec } from './loss';
import { MatmulSpec } from './matmul';
import { CategoryMetricsSpec } from './metrics';
import type { ModuleSpec } from './module';
import { OptimizerSpec } from './optimizer';
import { CausalAttentionSpec, FeedForwardSpec, LayerNormSpec, SequenceEmbeddingSpec } from './transformer';

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
