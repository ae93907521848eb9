/**
 * The theory instruments, called by the worker and the CLI every r steps
 * (THEORY.md instruments 1 and 2). Each call re-measures the probe — sensitivities,
 * K, K̃, K̃_QS — updates the rotation metrics against the first measurement,
 * closes the held interval of the dissipation Gramian, and returns a compact
 * serialisable snapshot (plain numbers and number[]), including its own cost.
 *
 * Views: rotation metrics use the full view (N = m_S·p) while N ≤ fullViewMax,
 * else the trace view (m_S × m_S). The Gramian always uses the full view, on an
 * evenly spread sub-probe of at most gramianMaxRows rows per side, in centred
 * coordinates (the per-point logit shift that cross-entropy cannot see removed).
 */
import type { RunConfig } from '../config/settings';
import type { NetLayout } from '../model/arch';
import { warmupFactor } from '../model/rules';
import type { FloatArray } from '../reference/kernels';
import type { Targets } from '../reference/mlp';
import { isRegression, type Dataset } from '../tasks/modular';
import { relativeError, transpose } from './dense';
import { symmetricEigen, symmetricEigenvalues, topEigen, type Eigen } from './eigen';
import { kernelFidelity, predictedStepChange } from './fidelity';
import { countAbove, DECAYED_LEVEL, KERNEL_LEVEL, normalisedGramian, subspaceFraction, transferCheck, transferNorms, type ChannelDefinition } from './channel';
import { blockDiagonalTimes, centredHessian, centredKernel, centredLeft, centredRight, crossEntropyGradient, crossEntropyHessian, type BlockDiagonal } from './crossEntropy';
import { DissipationGramian, type Integrator } from './gramian';
import { WholeGramian, type WholeGramianReadout } from './wholeGramian';
import { subSensitivities, traceView, type Sensitivities } from './jacobian';
import { theoryNet, type TheoryNet } from './network';
import { kernelBlock, preconditionerWeights, type KernelView } from './kernels';
import { blockSquareRoots, centrePerPoint, OutputSystem, squaredLossHessian, type OutputLoss, type PointSet } from './outputSystem';
import { chooseProbe, evenlySpaced, gramianPositions, type Probe } from './probe';
import { heldOutKernelMax, stiffness, TrackedVector } from './propagation';
import { centerNormalize, centredOneHot, heightField, kernelDistance, kernelTargetAlignment, overlapMatrix, principalAngles } from './rotation';

export type InstrumentConfig = Pick<RunConfig, 'lr' | 'wd' | 'betas' | 'eps' | 'opt' | 'gate'>;

export interface InstrumentInput {
  /** training steps taken */
  step: number;
  /** weights and Adam's second moment, flat layout (a TrainerState fits) */
  state: { params: FloatArray; v: FloatArray | null; step?: number };
  /** gate mask q of the last step; ignored while the gate is off */
  gateMask?: FloatArray | null;
  config: InstrumentConfig;
  /** the optimizer's bias-correction t (default: state.step, else step) */
  t?: number;
  /** the weights one step later: enables the kernel fidelity */
  paramsNext?: FloatArray | null;
}

export interface InstrumentOptions {
  /** eigenvectors tracked by the rotation metrics */
  k: number;
  /** the 'fixed' channel threshold: λ_j(W) > τ·λ₁(W after the first interval since s) */
  tau: number;
  /** largest full view (m_S·p) the rotation metrics use before falling back to the trace view */
  fullViewMax: number;
  /**
   * Largest dense W (rows, in centred coordinates) built on the whole training set;
   * above it the dense W runs on an evenly spread sub-probe of this many rows
   * (`set: 'probe'`). The prediction, the dissipated shares and the stiffness are
   * always whole-set and matrix-free.
   */
  gramianMaxRows: number;
  /** rows of that sub-probe (smaller than the whole-set cap: it is an approximation, and the lab pays for it every r steps) */
  gramianProbeRows: number;
  integrator: Integrator;
  /** Lanczos tolerance of the flow integrator's matrix functions (relative) */
  krylovTol: number;
  /**
   * Outer Lanczos steps of the matrix-free whole-set W̄ (wholeGramian.ts) when W's
   * dense set is a sub-probe; 0 = off. It keeps every held interval's system since s
   * and costs steps × 2·(intervals) Lanczos runs per measurement: a study's option.
   */
  wholeGramianSteps: number;
  /** the matrix-free reading only at measurements of these steps (null: at every one); the intervals are kept from s regardless */
  wholeGramianAt: number[] | null;
}

export const DEFAULT_INSTRUMENT_OPTIONS: InstrumentOptions = {
  k: 16,
  tau: 1e-3,
  fullViewMax: 256,
  gramianMaxRows: 700,
  gramianProbeRows: 256,
  integrator: 'flow',
  krylovTol: 1e-9,
  wholeGramianSteps: 0,
  wholeGramianAt: null,
};

/** Fractions in [0, 1] (null: the vector is 0, or does not exist in this run). */
export interface EnergySplit {
  /** the output gradient g(s) at the restart */
  gradient: number | null;
  /** the trained labels (one-hot, per-point centred) */
  labels: number | null;
  /** their clean part (true labels) and noise part (trained − true), label-noise runs only */
  clean: number | null;
  noise: number | null;
}

export interface GramianReadout {
  /** step s of the last (re)start */
  since: number;
  /** Σ η·r accumulated since s */
  time: number;
  /** the dense W's S: 'train' = the whole training set, 'probe' = an evenly spread sub-probe */
  set: 'train' | 'probe';
  integrator: Integrator;
  /** rows of W (centred coordinates, m_G·(p−1)) and of the dense G_Q's held-out side (m_GQ·p) */
  rows: number;
  heldOutRows: number;
  /** eigenvalues λ_j of W, descending */
  spectrum: number[];
  /** eigenvalues μ_j of the normalised W̄ = 2B_s^{1/2}WB_s^{1/2}, descending (1 = fully dissipated while B is held) */
  normalisedSpectrum: number[];
  /** channel dimension under each definition (channel.ts) */
  channel: Record<ChannelDefinition, number>;
  /** dimension of W's numerical kernel (μ ≤ 1e-9): the reservoir in the strict sense */
  kernelDim: number;
  /** the share of each vector's energy in each definition's channel, and in ker W */
  energy: Record<ChannelDefinition | 'kernel', EnergySplit>;
  /**
   * Whole training set, matrix-free: xᵀW x / (½ x_sᵀB_s⁺x_s), the share of each
   * vector's energy training has dissipated (1 = all of it, while B is held)
   */
  dissipated: EnergySplit;
  /**
   * The same shares from the dense W on its set, Σ_j μ_j (φ_jᵀz)²/‖z‖² with z = B_s^{+1/2}x:
   * when `set` is 'train' they must equal `dissipated` (two independent computations)
   */
  denseDissipated: EnergySplit;
  /** ker W ⊆ ker G_Q: max_ker ‖G_Qψ‖ / max_channel ‖G_Qψ‖, and the Cauchy–Schwarz bound it must sit under */
  transferRatio: number | null;
  transferBound: number | null;
  /** −G_Q g(s) and U_Q(now) − U_Q(s) over the WHOLE held-out set, and ‖pred − actual‖/‖actual‖ */
  predicted: number[];
  actual: number[];
  predictionError: number;
  /**
   * The held-out ODE ∂t U_Q = −K̃_QS g with g measured (not propagated) at each
   * measurement and held over the interval: ‖Σ −h K̃_QS g_t − ΔU_Q‖/‖ΔU_Q‖; and with
   * the weight decay's −h·wd·J_Q w added. Separates "K̃ and first order" from "the propagator".
   */
  odeError: number;
  odeErrorWithDecay: number;
  /**
   * η·λ_max(BK̃) per optimizer step on the whole training set, of the kernel held over
   * the interval just integrated (η: that interval's mean step, the transformer's warm-up included)
   */
  stiffnessPerStep: number;
  /** K̃ products this measurement took (each one VJP and one JVP over a whole set), the whole-set W̄ reading's included */
  products: number;
  /**
   * W̄ on the whole training set, matrix-free (wholeGramian.ts): proven bounds and
   * estimates of the channel, and the vectors' shares; null unless
   * `wholeGramianSteps` > 0 and W's dense set is a sub-probe
   */
  whole: WholeGramianReadout | null;
}

export interface InstrumentSnapshot {
  step: number;
  view: KernelView;
  k: number;
  tau: number;
  /** top-k eigenvalues of K, of K̃ and of the centred, normalised K_c (rotation view), descending */
  spectrumK: number[];
  spectrumKeff: number[];
  spectrumKc: number[];
  /** |V₀ V_tᵀ| of K_c's top-k eigenvectors, k×k row-major */
  overlap: number[];
  principalAngles: number[];
  /** 1 − ⟨K_c(0), K_c(t)⟩_F / (‖·‖‖·‖) in the rotation view */
  kernelDistance: number;
  /** kernel–target alignment in the rotation view, and in the trace view */
  alignment: number;
  alignmentTrace: number;
  /** K_c(t) − K_c(0) in the trace view, m_S × m_S row-major, probe ordered by label */
  heightField: number[];
  heightSize: number;
  /** probe labels in probe order (trained labels), for axis ticks */
  probeLabels: number[];
  gramian: GramianReadout | null;
  /** max_k ω_k (J_kᵀv₁)²/λ₁ on the probe: the largest share of λ_max(K̃) that one parameter carries */
  keffTopShare: number;
  /** cos(Δu_actual, −η K̃ g) on the probe, and the same with −η·wd·J w added to the prediction */
  fidelity: number | null;
  fidelityWithDecay: number | null;
  timeMs: number;
}

interface Held {
  lr: number;
  step: number;
  /** the whole-set system measured at `step` */
  sys: OutputSystem;
  /** dense W's inputs on its set (centred): K̃, B, K̃_QS */
  K: Float64Array;
  B: BlockDiagonal;
  KQS: Float64Array;
  /** λ_max(K̃_QQ) on the whole held-out set */
  kqqMax: number;
  /** K̃_QS g and J_Q(wd·w) on the whole held-out set, for the ODE check */
  drive: Float64Array;
  decay: Float64Array;
  /** λ_max(BK̃) of this kernel, whole training set */
  lambdaMax: number;
}

interface Origin {
  step: number;
  UQ: Float64Array;
  ode: Float64Array;
  odeDecay: Float64Array;
  /** whole set, matrix-free */
  tracked: { gradient: TrackedVector; labels: TrackedVector; clean: TrackedVector | null; noise: TrackedVector | null };
  /** the dense W's vectors at s, centred, on its set */
  dense: { gradient: Float64Array; labels: Float64Array; clean: Float64Array; noise: Float64Array | null };
  /** the whole set's label vectors at s (centred per point for cross-entropy), for the matrix-free W̄ */
  start: { labels: Float64Array; clean: Float64Array | null; noise: Float64Array | null };
  LambdaQQ: number;
}

/** K_AB = J_A diag(ω) J_Bᵀ in the given view, as kernelBlock computes it (possibly on the GPU). */
export type KernelBlockProvider = (A: Sensitivities, B: Sensitivities, omega: Float64Array | null, view: KernelView) => Promise<Float64Array>;

interface Prepared {
  S: Sensitivities;
  /** the dense W's train and held-out sets */
  SG: Sensitivities;
  QG: Sensitivities;
  grad: Float64Array;
  omega: Float64Array;
  view: KernelView;
  /** the whole-set system */
  sys: OutputSystem;
}

/** K and K̃ of the train probe (rotation view); K̃ of the dense W's set (null: it is the probe, full view); K̃_QS */
interface KernelBlocks {
  K: Float64Array;
  Keff: Float64Array;
  KG: Float64Array | null;
  KQS: Float64Array;
}

export class Instruments {
  readonly probe: Probe;
  readonly view: KernelView;
  readonly options: InstrumentOptions;
  /** the dense W's set */
  readonly gramianSet: 'train' | 'probe';
  private readonly layout: NetLayout;
  private readonly net: TheoryNet;
  /**
   * The whole sets. `targets` is what the loss sees (labels for cross-entropy, real
   * targets n×p for the regress task's squared loss); `y` and `clean` are the trained
   * and the clean target vectors (one-hot for labels), n×p.
   */
  private readonly whole: { train: PointSet; test: PointSet; targets: Targets; y: Float64Array; clean: Float64Array };
  /** the dense W's train points, in the same form */
  private readonly gSet: { tokens: Uint32Array; m: number; targets: Targets; y: Float64Array; clean: Float64Array };
  /** where the dense W's sub-probe points sit in the train probe (null: W runs on the whole training set) */
  private readonly gPositions: Uint32Array | null = null;
  /** squared loss (regress task): no centring, B = I/n; else cross-entropy in centred coordinates */
  private readonly squared: boolean;
  private readonly gTest: Uint32Array;
  private readonly gramian: DissipationGramian;
  /** the matrix-free whole-set W (null: off, or the dense W already is whole-set) */
  private readonly wholeGramian: WholeGramian | null;
  private readonly noisy: boolean;
  private first: { V: Float64Array; Kc: Float64Array; KcTrace: Float64Array } | null = null;
  private warm: { K?: Float64Array; Keff?: Float64Array; Kc?: Float64Array } = {};
  private held: Held | null = null;
  private origin: Origin | null = null;
  private restartPending = true;

  constructor(config: Pick<RunConfig, 'seed' | 'probeTrain' | 'probeTest'> & Partial<Pick<RunConfig, 'integrator'>>, dataset: Dataset, layout: NetLayout, options: Partial<InstrumentOptions> = {}) {
    this.options = { ...DEFAULT_INSTRUMENT_OPTIONS, ...(config.integrator ? { integrator: config.integrator } : {}), ...options };
    this.layout = layout;
    this.net = theoryNet(layout);
    const p = layout.p;
    this.probe = chooseProbe(dataset, config);
    const mS = this.probe.train.examples.length;
    this.view = mS * p <= this.options.fullViewMax ? 'full' : 'trace';
    const tokensOf = (idx: Uint32Array) => {
      const t = new Uint32Array(2 * idx.length);
      idx.forEach((e, i) => t.set(dataset.tokens.subarray(2 * e, 2 * e + 2), 2 * i));
      return t;
    };
    this.squared = isRegression(dataset);
    const reg = isRegression(dataset) ? dataset.regression : null;
    // the loss's targets, and the trained / clean target vectors, of a list of dataset examples
    const setOf = (idx: ArrayLike<number>) => {
      const m = idx.length;
      if (reg) {
        const take = (a: ArrayLike<number>) => Float64Array.from({ length: m * p }, (_, r) => a[idx[Math.floor(r / p)] * p + (r % p)]);
        const y = take(reg.targets);
        return { m, targets: y as Targets, y, clean: take(reg.clean) };
      }
      const labels = Uint32Array.from({ length: m }, (_, i) => dataset.labels[idx[i]]);
      return {
        m,
        targets: labels as Targets,
        y: oneHot(labels, m, p),
        clean: oneHot(
          Array.from({ length: m }, (_, i) => dataset.trueLabels[idx[i]]),
          m,
          p,
        ),
      };
    };
    const train = setOf(dataset.trainIdx);
    this.whole = {
      train: { tokens: tokensOf(dataset.trainIdx), m: train.m },
      test: { tokens: tokensOf(dataset.testIdx), m: dataset.testIdx.length },
      targets: train.targets,
      y: train.y,
      clean: train.clean,
    };
    this.noisy = train.y.some((v, i) => v !== train.clean[i]);
    const perPoint = this.squared ? p : p - 1; // dense rows per point: centred for cross-entropy
    const maxRows = this.options.gramianMaxRows;
    if (train.m * perPoint <= maxRows) {
      this.gramianSet = 'train';
      this.gSet = { tokens: this.whole.train.tokens, ...train };
    } else {
      this.gramianSet = 'probe';
      const pos = gramianPositions(this.probe.train.flipped, Math.max(1, Math.floor(Math.min(maxRows, this.options.gramianProbeRows) / perPoint)));
      this.gSet = { tokens: subTokens(this.probe.train.tokens, pos), ...setOf(Array.from(pos, (i) => this.probe.train.examples[i])) };
      this.gPositions = pos;
    }
    this.gTest = evenlySpaced(this.probe.test.examples.length, Math.max(1, Math.floor(Math.min(maxRows, this.options.gramianProbeRows) / p)));
    this.gramian = new DissipationGramian(this.gSet.m * perPoint, this.gTest.length * p);
    this.wholeGramian = this.gramianSet === 'probe' && this.options.wholeGramianSteps > 0 ? new WholeGramian(this.options.integrator, this.options.krylovTol) : null;
  }

  /**
   * The top-k eigenvectors of K_c from the latest measurement (rows of length `dim`,
   * rotation view), for the Fourier view (src/theory/fourier.ts); null before the first.
   */
  latestEigenvectors(): { vectors: Float64Array; dim: number } | null {
    const V = this.warm.Kc;
    return V ? { vectors: V, dim: this.view === 'full' ? this.probe.train.examples.length * this.layout.p : this.probe.train.examples.length } : null;
  }

  /** Makes the next measurement the Gramian's start s (P = I, W = 0, G_Q = 0). */
  restartGramian(): void {
    this.restartPending = true;
  }

  /** One measurement with the kernels computed on the CPU (float64). */
  measure(input: InstrumentInput): InstrumentSnapshot {
    const t0 = performance.now();
    const prep = this.prepare(input);
    const { S, SG, QG, omega, view } = prep;
    const blocks: KernelBlocks = {
      K: kernelBlock(this.layout, S, S, null, view),
      Keff: kernelBlock(this.layout, S, S, omega, view),
      KG: SG === S && view === 'full' ? null : kernelBlock(this.layout, SG, SG, omega),
      KQS: kernelBlock(this.layout, QG, SG, omega),
    };
    return this.finish(input, prep, blocks, t0);
  }

  /**
   * The same measurement with the four kernel blocks from `blockFn` — the GPU's
   * GpuKernelBlocks.compute (src/engine/probeKernel.ts) in the CLI; everything else
   * (eigen-solvers, W, G_Q, the whole-set products) stays float64 on the CPU.
   */
  async measureAsync(input: InstrumentInput, blockFn: KernelBlockProvider): Promise<InstrumentSnapshot> {
    const t0 = performance.now();
    const prep = this.prepare(input);
    const { S, SG, QG, omega, view } = prep;
    const [K, Keff, KG, KQS] = await Promise.all([
      blockFn(S, S, null, view),
      blockFn(S, S, omega, view),
      SG === S && view === 'full' ? Promise.resolve(null) : blockFn(SG, SG, omega, 'full'),
      blockFn(QG, SG, omega, 'full'),
    ]);
    return this.finish(input, prep, { K, Keff, KG, KQS }, t0);
  }

  /**
   * `keffTopShare` alone, without the rest of a measurement: the probe's K̃ and the
   * largest share of λ_max(K̃) one parameter carries (what a snapshot records).
   */
  topShare(input: InstrumentInput): number {
    const { S, omega } = this.probeAndPreconditioner(input);
    const Keff = kernelBlock(this.layout, S, S, omega, this.view);
    return topParameterShare(this.net, input.state.params, this.probe.train.tokens, S.m, Keff, omega, this.view);
  }

  /** the train probe's sensitivities, the whole-set gradient and ω = D·Q */
  private probeAndPreconditioner(input: InstrumentInput): { S: Sensitivities; grad: Float64Array; omega: Float64Array } {
    const { layout, net, probe, whole } = this;
    const w = input.state.params;
    const cfg = input.config;
    const S = net.sensitivities(w, probe.train.tokens, probe.train.examples.length);
    const grad = net.gradient(w, whole.train.tokens, whole.targets, whole.train.m);
    const omega = preconditionerWeights(layout, {
      opt: cfg.opt,
      beta2: cfg.betas[1],
      eps: cfg.eps,
      t: input.t ?? input.state.step ?? input.step,
      v: input.state.v,
      q: cfg.gate === 'off' ? null : (input.gateMask ?? null),
      grad,
    });
    return { S, grad, omega };
  }

  private prepare(input: InstrumentInput): Prepared {
    const { net, probe, whole } = this;
    const w = input.state.params;
    const { S, grad, omega } = this.probeAndPreconditioner(input);
    const mG = this.gSet.m;
    // the sub-probe's points are probe points: their rows of S, not a second pass over the network
    const pos = this.gPositions;
    const SG = pos === null ? net.sensitivities(w, this.gSet.tokens, mG) : pos.length === S.m ? S : subSensitivities(S, pos);
    const QG = net.sensitivities(w, subTokens(probe.test.tokens, this.gTest), this.gTest.length);
    const loss: OutputLoss = whole.targets instanceof Uint32Array ? { kind: 'cross-entropy', labels: whole.targets } : { kind: 'squared', targets: whole.targets as Float64Array };
    const sys = new OutputSystem(net, w, omega, whole.train, whole.test, loss);
    return { S, SG, QG, grad, omega, view: this.view, sys };
  }

  private finish(input: InstrumentInput, prep: Prepared, blocks: KernelBlocks, t0: number): InstrumentSnapshot {
    const { layout, net, probe } = this;
    const { S, grad, omega } = prep;
    const cfg = input.config;
    const metrics = this.rotation(S, blocks.K, blocks.Keff);
    const gramian = this.dissipation(prep, blocks, input);
    let fidelity: number | null = null;
    let fidelityWithDecay: number | null = null;
    if (input.paramsNext) {
      const uNext = net.forward(input.paramsNext, probe.train.tokens, S.m).logits;
      const eta = this.stepSize(cfg.lr, input.step);
      fidelity = kernelFidelity(S.logits, uNext, predictedStepChange(layout, S, omega, grad, eta));
      fidelityWithDecay = kernelFidelity(S.logits, uNext, predictedStepChange(layout, S, omega, grad, eta, { wd: cfg.wd, w: input.state.params }));
    }
    const keffTopShare = topParameterShare(net, input.state.params, probe.train.tokens, S.m, blocks.Keff, omega, this.view);
    return {
      step: input.step,
      view: this.view,
      tau: this.options.tau,
      ...metrics,
      probeLabels: Array.from(probe.train.labels),
      gramian,
      keffTopShare,
      fidelity,
      fidelityWithDecay,
      timeMs: performance.now() - t0,
    };
  }

  /** η of the optimizer step from `step` to step + 1: lr, times the transformer's warm-up factor (model/rules.ts) */
  private stepSize(lr: number, step: number): number {
    return lr * warmupFactor(this.layout.arch, step + 1);
  }

  /** the mean η over the steps from `from` to `to` */
  private meanStepSize(lr: number, from: number, to: number): number {
    let s = 0;
    for (let k = from; k < to; k++) s += this.stepSize(lr, k);
    return s / (to - from);
  }

  /** Instrument 1 on the plain eNTK K of the train probe (K̃ for its spectrum). */
  private rotation(S: Sensitivities, K: Float64Array, Keff: Float64Array) {
    const { layout, view } = this;
    const p = layout.p;
    const m = S.m;
    const n = view === 'full' ? m * p : m;
    const k = Math.min(this.options.k, n);
    const spectrumK = this.leadingValues(K, n, k, 'K');
    const spectrumKeff = this.leadingValues(Keff, n, k, 'Keff');
    const Kc = centerNormalize(K, n);
    const top = topEigen(Kc, n, k, { start: this.warm.Kc, tol: 1e-6 });
    this.warm.Kc = top.vectors;
    const KcTrace = view === 'full' ? centerNormalize(traceView(K, m, m, p), m) : Kc;
    this.first ??= { V: top.vectors, Kc, KcTrace };
    const Yfull = centredOneHot(this.probe.train.labels, p, view);
    const Ytrace = centredOneHot(this.probe.train.labels, p, 'trace');
    return {
      k,
      spectrumK,
      spectrumKeff,
      spectrumKc: Array.from(top.values),
      overlap: Array.from(overlapMatrix(this.first.V, top.vectors, n)),
      principalAngles: Array.from(principalAngles(this.first.V, top.vectors, n)),
      kernelDistance: kernelDistance(this.first.Kc, Kc),
      alignment: kernelTargetAlignment(Kc, n, Yfull, view === 'full' ? 1 : p),
      alignmentTrace: kernelTargetAlignment(KcTrace, m, Ytrace, p),
      heightField: Array.from(heightField(this.first.KcTrace, KcTrace)),
      heightSize: m,
    };
  }

  /** Spectrum only: dense eigenvalues for small n, warm-started block Krylov above. */
  private leadingValues(A: Float64Array, n: number, k: number, key: 'K' | 'Keff'): number[] {
    if (n <= 256) return Array.from(symmetricEigenvalues(A, n).subarray(0, k));
    const top = topEigen(A, n, k, { start: this.warm[key], tol: 1e-6 });
    this.warm[key] = top.vectors;
    return Array.from(top.values);
  }

  /** Instrument 2: close the held interval, then read W, G_Q, the prediction and the dissipated shares. */
  private dissipation(prep: Prepared, blocks: KernelBlocks, input: InstrumentInput): GramianReadout | null {
    const { layout, options: o, whole } = this;
    const { SG, QG, sys } = prep;
    const p = layout.p;
    const mG = SG.m;
    const nTrain = whole.train.m;
    const productsBefore = this.held ? this.held.sys.products : 0;
    // the dense W's coordinates: centred for cross-entropy (crossEntropy.ts), the outputs themselves for squared loss
    const sq = this.squared;
    const toDense = (x: Float64Array) => (sq ? x : centredLeft(x, mG, p, 1));
    const K = sq ? (blocks.KG ?? blocks.Keff) : centredKernel(blocks.KG ?? blocks.Keff, mG, p);
    const KQS = sq ? blocks.KQS : centredRight(blocks.KQS, QG.m * p, mG, p);
    const B = sq ? squaredLossHessian(mG, p, nTrain) : centredHessian(crossEntropyHessian(SG.logits, mG, p, nTrain));
    const gram = this.gramian;
    if (this.held && !this.restartPending && input.step < this.held.step) this.restartPending = true; // a run reloaded at an earlier step
    let heldProducts = 0;
    let stiffnessPerStep = 0;
    if (this.held && this.origin && !this.restartPending) {
      const { held, origin } = this;
      const steps = input.step - held.step;
      if (steps > 0) {
        // the transformer's warm-up: the flow's time h = Σ η_t is exact; the discrete map uses the mean η
        const eta = this.meanStepSize(held.lr, held.step, input.step);
        stiffnessPerStep = eta * held.lambdaMax;
        gram.advance(eta, steps, held.K, held.B, held.KQS, o.integrator);
        this.wholeGramian?.push(held.sys, eta, steps);
        for (const t of Object.values(origin.tracked)) t?.advance(held.sys, eta, steps, o.integrator, o.krylovTol);
        const h = eta * steps;
        origin.LambdaQQ += h * held.kqqMax;
        for (let i = 0; i < origin.ode.length; i++) {
          origin.ode[i] -= h * held.drive[i];
          origin.odeDecay[i] -= h * (held.drive[i] + held.decay[i]);
        }
      }
      heldProducts = held.sys.products - productsBefore;
    }
    if (this.restartPending) {
      gram.restart();
      this.wholeGramian?.restart();
      // cross-entropy ignores a per-point logit shift: its label vectors are centred per point
      const vec = (x: Float64Array) => (sq ? x : centrePerPoint(x, p));
      const labels = vec(whole.y);
      const clean = vec(whole.clean);
      const noise = labels.map((v, i) => v - clean[i]);
      const gNoise = this.gSet.y.map((v, i) => v - this.gSet.clean[i]);
      const gradientG = sq ? SG.logits.map((u, i) => (u - this.gSet.y[i]) / nTrain) : crossEntropyGradient(SG.logits, this.gSet.targets as Uint32Array, mG, p, nTrain);
      this.origin = {
        step: input.step,
        UQ: sys.UQ.slice(),
        ode: new Float64Array(sys.NQ),
        odeDecay: new Float64Array(sys.NQ),
        tracked: {
          gradient: new TrackedVector(sys.g, sys, true),
          labels: new TrackedVector(labels, sys, false),
          clean: this.noisy ? new TrackedVector(clean, sys, false) : null,
          noise: this.noisy ? new TrackedVector(noise, sys, false) : null,
        },
        dense: { gradient: toDense(gradientG), labels: toDense(this.gSet.y), clean: toDense(this.gSet.clean), noise: gNoise.some((v) => v !== 0) ? toDense(gNoise) : null },
        start: { labels, clean: this.noisy ? clean : null, noise: this.noisy ? noise : null },
        LambdaQQ: 0,
      };
      this.restartPending = false;
    }
    const drive = sys.applyKQS(sys.g);
    const decay = sys.applyJQ(Float64Array.from(input.state.params, (v) => input.config.wd * v));
    // Λ_QQ only bounds the transfer check, which needs a non-empty ker W: whole-set W only
    const kqqMax = this.gramianSet === 'train' ? heldOutKernelMax(sys) : 0;
    this.held = { lr: input.config.lr, step: input.step, sys, K, B, KQS, kqqMax, drive, decay, lambdaMax: stiffness(sys) };
    const origin = this.origin!;
    if (gram.intervals === 0) return null;

    // the dense W on its set: both channel definitions, the kernel, the transfer check
    const N = gram.N;
    const eigW = gram.eigen();
    const [BsHalf, BsHalfPinv] = blockSquareRoots(gram.Bs!);
    const eigBar = symmetricEigen(normalisedGramian(gram.W, N, BsHalf), N);
    const mu = eigBar.values;
    const channel = { decayed: countAbove(mu, DECAYED_LEVEL), fixed: countAbove(eigW.values, o.tau * gram.firstMax, true) };
    let kernelDim = 0;
    while (kernelDim < N && mu[N - 1 - kernelDim] <= KERNEL_LEVEL) kernelDim++;
    const z = (x: Float64Array) => blockDiagonalTimes(BsHalfPinv, x, 1);
    const quadratic = (x: Float64Array | null): number | null => {
      if (!x) return null;
      const zx = z(x);
      const total = zx.reduce((a, v) => a + v * v, 0);
      if (total === 0) return null;
      let q = 0;
      for (let j = 0; j < N; j++) {
        let c = 0;
        for (let i = 0; i < N; i++) c += eigBar.vectors[j * N + i] * zx[i];
        q += mu[j] * c * c;
      }
      return q / total;
    };
    const split = (eig: Eigen, from: number, to: number, normalised: boolean): EnergySplit => {
      const f = (x: Float64Array | null) => (x ? subspaceFraction(eig, from, to, normalised ? z(x) : x) : null);
      const d = origin.dense;
      return { gradient: f(d.gradient), labels: f(d.labels), clean: this.noisy ? f(d.clean) : null, noise: this.noisy ? f(d.noise) : null };
    };
    // ψ_j = B_s^{1/2} φ_j for every eigenvector φ_j of W̄ (rows)
    const Psi = transpose(blockDiagonalTimes(BsHalf, transpose(eigBar.vectors, N, N), N), N, N);
    const check = transferCheck(transferNorms(gram.GQ, gram.NQ, Psi, N), mu, channel.decayed, kernelDim, origin.LambdaQQ);
    if (this.gramianSet === 'probe') check.bound = null;

    const tr = origin.tracked;
    const wholeReading = o.wholeGramianAt === null || o.wholeGramianAt.includes(input.step) ? (this.wholeGramian?.read(o.wholeGramianSteps, origin.start, !sq) ?? null) : null;
    const predicted = tr.gradient.transfer!.map((v) => -v);
    const actual = sys.UQ.map((v, i) => v - origin.UQ[i]);
    return {
      since: origin.step,
      time: gram.time,
      set: this.gramianSet,
      integrator: o.integrator,
      rows: N,
      heldOutRows: gram.NQ,
      spectrum: Array.from(eigW.values),
      normalisedSpectrum: Array.from(mu),
      channel,
      kernelDim,
      energy: { decayed: split(eigBar, 0, channel.decayed, true), fixed: split(eigW, 0, channel.fixed, false), kernel: split(eigBar, N - kernelDim, N, true) },
      dissipated: { gradient: tr.gradient.share, labels: tr.labels.share, clean: tr.clean?.share ?? null, noise: tr.noise?.share ?? null },
      denseDissipated: {
        gradient: quadratic(origin.dense.gradient),
        labels: quadratic(origin.dense.labels),
        clean: this.noisy ? quadratic(origin.dense.clean) : null,
        noise: quadratic(origin.dense.noise),
      },
      transferRatio: check.ratio,
      transferBound: check.bound,
      predicted: Array.from(predicted),
      actual: Array.from(actual),
      predictionError: relativeError(predicted, actual),
      odeError: relativeError(origin.ode, actual),
      odeErrorWithDecay: relativeError(origin.odeDecay, actual),
      stiffnessPerStep,
      products: heldProducts + sys.products + (wholeReading?.products ?? 0),
      whole: wholeReading,
    };
  }
}

/** one-hot rows (m × p) */
function oneHot(labels: ArrayLike<number>, m: number, p: number): Float64Array {
  const out = new Float64Array(m * p);
  for (let i = 0; i < m; i++) out[i * p + labels[i]] = 1;
  return out;
}

/**
 * The largest share of λ₁(K̃) that one parameter carries on the probe: with v₁ the top
 * eigenvector, λ₁ = Σ_k ω_k (J_kᵀ v₁)², and parameter k's share is ω_k (J_kᵀ v₁)²/λ₁.
 * In the trace view v₁ is over points; its per-point weight is spread over the p logits.
 */
function topParameterShare(net: TheoryNet, w: FloatArray, tokens: Uint32Array, m: number, Keff: Float64Array, omega: Float64Array, view: KernelView): number {
  const p = net.p;
  const n = view === 'full' ? m * p : m;
  const top = topEigen(Keff, n, 1, { tol: 1e-8 });
  const lam = top.values[0];
  if (!(lam > 0)) return 0;
  const G = new Float64Array(m * p);
  if (view === 'full') G.set(top.vectors.subarray(0, n));
  else return traceShare(net, w, tokens, m, top.vectors.subarray(0, n), omega, lam);
  const jtv = net.vjp(w, net.forward(w, tokens, m), G);
  let best = 0;
  for (let k = 0; k < jtv.length; k++) best = Math.max(best, (omega[k] * jtv[k] * jtv[k]) / lam);
  return best;
}

/** Trace view: λ₁ = Σ_c Σ_k ω_k (Σ_i v_i ∂u_ic/∂w_k)², one back-propagation per logit c. */
function traceShare(net: TheoryNet, w: FloatArray, tokens: Uint32Array, m: number, v: Float64Array, omega: Float64Array, lam: number): number {
  const p = net.p;
  const cache = net.forward(w, tokens, m);
  const perParam = new Float64Array(net.totalSize);
  for (let c = 0; c < p; c++) {
    const G = new Float64Array(m * p);
    for (let i = 0; i < m; i++) G[i * p + c] = v[i];
    const jtv = net.vjp(w, cache, G);
    for (let k = 0; k < jtv.length; k++) perParam[k] += omega[k] * jtv[k] * jtv[k];
  }
  let best = 0;
  for (const x of perParam) best = Math.max(best, x / lam);
  return best;
}

function subTokens(tokens: Uint32Array, positions: Uint32Array): Uint32Array {
  const out = new Uint32Array(2 * positions.length);
  positions.forEach((i, j) => out.set(tokens.subarray(2 * i, 2 * i + 2), 2 * j));
  return out;
}
