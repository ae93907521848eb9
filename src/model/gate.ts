/**
 * Gate telemetry computed from the step's own statistics: the per-parameter
 * signal-to-noise ratio of the exact gate, SNR_k = μ_k² / (σ_k²/(b−1)), whose
 * threshold SNR = 1 is the seed's rule (open iff log₁₀ SNR > 0).
 */
import type { ModelLayout } from './layout';

export interface SnrHistogram {
  /** bin edges in log₁₀ SNR; counts[i] covers [edges[i], edges[i+1]), the outer bins catch the tails */
  edges: number[];
  counts: number[];
  /** parameters with σ² = 0 (μ ≠ 0: infinitely sure) and with μ = 0 (nothing to say) */
  noiseless: number;
  zero: number;
}

/**
 * @param mean μ_k, the mean gradient over the batch
 * @param sq   Σ_i (g_ik/b)² as the squared-operand pass produces it (so (1/b)Σ g² = b·sq)
 */
export function snrHistogram(layout: Pick<ModelLayout, 'tensors'>, mean: ArrayLike<number>, sq: ArrayLike<number>, b: number, lo = -4, hi = 4, binsPerDecade = 4): SnrHistogram {
  const nb = (hi - lo) * binsPerDecade;
  const edges = Array.from({ length: nb + 1 }, (_, i) => lo + i / binsPerDecade);
  const counts = new Array<number>(nb).fill(0);
  let noiseless = 0;
  let zero = 0;
  for (const t of layout.tensors)
    for (let k = t.offset; k < t.offset + t.size; k++) {
      const mu2 = mean[k] * mean[k];
      const noise = Math.max(b * sq[k] - mu2, 0) / (b - 1);
      if (mu2 === 0) zero++;
      else if (noise === 0) noiseless++;
      else {
        const x = Math.log10(mu2 / noise);
        const i = Math.min(nb - 1, Math.max(0, Math.floor((x - lo) * binsPerDecade)));
        counts[i]++;
      }
    }
  return { edges, counts, noiseless, zero };
}
