/**
 * Kernel fidelity (THEORY.md "Discrete steps as actually trained"): how well the
 * first-order picture Δu ≈ −η K̃ g describes one real optimizer step on the probe,
 * measured as cos(Δu_actual, Δu_predicted). 1 = the effective kernel explains the
 * step's direction; what it misses is momentum, the Cautious mask, Grokfast's
 * filter, minibatch noise and curvature.
 */
import type { TensorInfo } from '../model/layout';
import type { FloatArray } from '../reference/kernels';
import { cosine } from './dense';
import { jacobianVectorProduct, type Sensitivities } from './jacobian';

/** cos(u_after − u_before, predicted) for outputs before and after one step. */
export function kernelFidelity(uBefore: ArrayLike<number>, uAfter: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const delta = Float64Array.from(uBefore, (v, i) => uAfter[i] - v);
  return cosine(delta, predicted);
}

/**
 * −η K̃_{probe,S} g_S = −η J_probe (ω ∘ ∇_w Φ_S), exact because ∇_w Φ_S = J_Sᵀ g_S:
 * the whole training set's pull on the probe outputs, through the effective
 * kernel, without ever forming the n·p × n·p kernel. With `decay`, the decoupled
 * weight decay's own first-order change −η·wd·J w is added.
 */
export function predictedStepChange(
  layout: { tensors: readonly TensorInfo[]; totalSize: number; paramCount: number },
  s: Sensitivities,
  omega: Float64Array,
  grad: FloatArray,
  lr: number,
  decay?: { wd: number; w: FloatArray },
): Float64Array {
  const dir = new Float64Array(layout.totalSize);
  for (let k = 0; k < dir.length; k++) dir[k] = omega[k] * grad[k] + (decay ? decay.wd * decay.w[k] : 0);
  return jacobianVectorProduct(layout, s, dir).map((v) => -lr * v);
}
