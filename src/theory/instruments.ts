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
import type { ModelLayout } from '../model/layout';
import type { FloatArray } from '../reference/kernels';
import { forward, lossAndGrad } from '../reference/mlp';
import type { Dataset } from '../tasks/modular';
import { relativeError } from './dense';
import { symmetricEigenvalues, topEigen } from './eigen';
import { kernelFidelity, predictedStepChange } from './fidelity';
import { applyTransfer, channelDimension, channelFraction, reservoirTransferRatio, transferNorms } from './channel';
import { centredHessian, centredKernel, centredLeft, centredRight, crossEntropyGradient, crossEntropyHessian, type BlockDiagonal } from './crossEntropy';
import { DissipationGramian } from './gramian';
import { jacobianVectorProduct, probeSensitivities, subSensitivities, traceView, type Sensitivities } from './jacobian';
import { kernelBlock, preconditionerWeights, type KernelView } from './kernels';
import { chooseProbe, evenlySpaced, gramianPositions, type Probe } from './probe';
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
  /** channel threshold τ: λ_j > τ·λ_max */
  tau: number;
  /** largest full view (m_S·p) the rotation metrics use before falling back to the trace view */
  fullViewMax: number;
  /** rows of the Gramian's full view, per side (train sub-probe, held-out sub-probe) */
  gramianMaxRows: number;
  integrator: 'flow' | 'euler';
  /**
   * n in g = (s − onehot)/n and B = (diag s − ssᵀ)/n. 'train' (default): the
   * training set size, so g, B and BK̃ are the probe's rows and columns of the
   * true Φ_S system; 'probe': the Gramian probe size, the probe as a Monte-Carlo
   * stand-in for the training set (self-terms inflated n/m-fold).
   */
  hessianScale: 'probe' | 'train';
  /**
   * ∇_wΦ_S (for ω at step 0, the fidelity and the ODE check) over at most this many
   * training examples, evenly spread: exact for tiny and lecture, an estimate for paper
   */
  gradientMaxExamples: number;
}

export const DEFAULT_INSTRUMENT_OPTIONS: InstrumentOptions = { k: 16, tau: 1e-3, fullViewMax: 256, gramianMaxRows: 256, integrator: 'flow', hessianScale: 'train', gradientMaxExamples: 512 };

export interface GramianReadout {
  /** step s of the last (re)start */
  since: number;
  /** Σ η·r accumulated since s */
  time: number;
  /** dimension of W: m_G·(p−1), the train sub-probe's full view in centred coordinates; and G_Q's held-out rows m_GQ·p */
  rows: number;
  heldOutRows: number;
  /** eigenvalues of W, descending */
  spectrum: number[];
  channelDim: number;
  /** share of each vector's energy in the channel (null: the vector is 0 on this probe) */
  energy: { initialGradient: number | null; labels: number | null; labelClean: number | null; labelNoise: number | null };
  /** max_reservoir ‖G_Q ψ‖ / max_channel ‖G_Q ψ‖ */
  transferRatio: number | null;
  /** −G_Q g(s) and U_Q(now) − U_Q(s) on the held-out sub-probe, and ‖pred − actual‖/‖actual‖ */
  predicted: number[];
  actual: number[];
  predictionError: number;
  /**
   * The held-out ODE ∂t U_Q = −K̃_QS g checked over the whole training set S
   * (no probe propagator): ‖Σ_t −h_t J_Q ω_t ∇_wΦ_S(t) − ΔU_Q‖/‖ΔU_Q‖, kernel
   * held over each interval; and the same with the weight decay's −h·wd·J_Q w added.
   */
  odeError: number;
  odeErrorWithDecay: number;
  /** h·λ_max(BK̃) of the last interval: above 2 the literal Euler update would diverge */
  stiffness: number;
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
  /** cos(Δu_actual, −η K̃ g) on the probe, and the same with −η·wd·J w added to the prediction */
  fidelity: number | null;
  fidelityWithDecay: number | null;
  timeMs: number;
}

interface Held {
  lr: number;
  step: number;
  K: Float64Array;
  B: BlockDiagonal;
  KQS: Float64Array;
  /** J_Q(ω∘∇Φ_S) and J_Q(wd·w) at the measurement, for the ODE check */
  drive: Float64Array;
  decay: Float64Array;
}

/** K_AB = J_A diag(ω) J_Bᵀ in the given view, as kernelBlock computes it (possibly on the GPU). */
export type KernelBlockProvider = (A: Sensitivities, B: Sensitivities, omega: Float64Array | null, view: KernelView) => Promise<Float64Array>;

interface Prepared {
  S: Sensitivities;
  /** the Gramian's train and held-out sub-probes */
  SG: Sensitivities;
  QG: Sensitivities;
  grad: Float64Array;
  omega: Float64Array;
  view: KernelView;
}

/** K and K̃ of the train probe (rotation view); K̃ of the Gramian's sub-probe (null: it is the probe, full view); K̃_QS */
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
  private readonly layout: ModelLayout;
  private readonly trainTokens: Uint32Array;
  private readonly trainLabels: Uint32Array;
  /** n: the training set size (the 1/n of g and B) */
  private readonly nTrain: number;
  private readonly gTrain: Uint32Array;
  private readonly gTest: Uint32Array;
  private readonly gramian: DissipationGramian;
  private readonly targets: { labels: Float64Array; clean: Float64Array; noise: Float64Array | null };
  private first: { V: Float64Array; Kc: Float64Array; KcTrace: Float64Array } | null = null;
  private warm: { K?: Float64Array; Keff?: Float64Array; Kc?: Float64Array } = {};
  private held: Held | null = null;
  private origin: { step: number; g: Float64Array; UQ: Float64Array; ode: Float64Array; odeDecay: Float64Array } | null = null;
  private restartPending = true;

  constructor(config: Pick<RunConfig, 'seed' | 'probeTrain' | 'probeTest'>, dataset: Dataset, layout: ModelLayout, options: Partial<InstrumentOptions> = {}) {
    this.options = { ...DEFAULT_INSTRUMENT_OPTIONS, ...options };
    this.layout = layout;
    const p = layout.p;
    this.probe = chooseProbe(dataset, config);
    const mS = this.probe.train.examples.length;
    this.view = mS * p <= this.options.fullViewMax ? 'full' : 'trace';
    const used = Array.from(evenlySpaced(dataset.trainIdx.length, this.options.gradientMaxExamples), (i) => dataset.trainIdx[i]);
    this.trainTokens = new Uint32Array(2 * used.length);
    used.forEach((e, i) => this.trainTokens.set(dataset.tokens.subarray(2 * e, 2 * e + 2), 2 * i));
    this.trainLabels = Uint32Array.from(used, (e) => dataset.labels[e]);
    this.nTrain = dataset.trainIdx.length;
    const perSide = Math.max(1, Math.floor(this.options.gramianMaxRows / p));
    this.gTrain = gramianPositions(this.probe.train.flipped, perSide);
    this.gTest = evenlySpaced(this.probe.test.examples.length, perSide);
    // the Gramian runs in centred coordinates (crossEntropy.ts): m_G·(p−1) train rows, all m_GQ·p held-out rows
    const mG = this.gTrain.length;
    this.gramian = new DissipationGramian(mG * (p - 1), this.gTest.length * p);
    // label vectors of the Gramian's train sub-probe, in the same coordinates (their per-point mean, which
    // cross-entropy cannot see, drops out)
    const pick = (a: ArrayLike<number>) => Array.from(this.gTrain, (i) => a[i]);
    const oneHot = (labels: number[]) => centredLeft(centredOneHot(labels, p, 'full'), mG, p, 1);
    const labels = oneHot(pick(this.probe.train.labels));
    const clean = oneHot(pick(this.probe.train.trueLabels));
    const noise = labels.map((v, i) => v - clean[i]);
    this.targets = { labels, clean, noise: noise.some((v) => Math.abs(v) > 1e-12) ? noise : null };
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
   * (eigen-solvers, W, G_Q) stays float64 on the CPU.
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

  private prepare(input: InstrumentInput): Prepared {
    const { layout, probe } = this;
    const w = input.state.params;
    const cfg = input.config;
    const S = probeSensitivities(layout, w, probe.train.tokens, probe.train.examples.length);
    const grad = lossAndGrad(layout, w, this.trainTokens, this.trainLabels, this.trainLabels.length).grad;
    const omega = preconditionerWeights(layout, {
      opt: cfg.opt,
      beta2: cfg.betas[1],
      eps: cfg.eps,
      t: input.t ?? input.state.step ?? input.step,
      v: input.state.v,
      q: cfg.gate === 'off' ? null : (input.gateMask ?? null),
      grad,
    });
    const SG = this.gTrain.length === S.m ? S : subSensitivities(S, this.gTrain);
    const QG = probeSensitivities(layout, w, subTokens(probe.test.tokens, this.gTest), this.gTest.length);
    return { S, SG, QG, grad, omega, view: this.view };
  }

  private finish(input: InstrumentInput, prep: Prepared, blocks: KernelBlocks, t0: number): InstrumentSnapshot {
    const { layout, probe } = this;
    const { S, grad, omega } = prep;
    const cfg = input.config;
    const metrics = this.rotation(S, blocks.K, blocks.Keff);
    const gramian = this.dissipation(prep, blocks, input);
    let fidelity: number | null = null;
    let fidelityWithDecay: number | null = null;
    if (input.paramsNext) {
      const uNext = forward(layout, input.paramsNext, probe.train.tokens, S.m).logits;
      fidelity = kernelFidelity(S.logits, uNext, predictedStepChange(layout, S, omega, grad, cfg.lr));
      fidelityWithDecay = kernelFidelity(S.logits, uNext, predictedStepChange(layout, S, omega, grad, cfg.lr, { wd: cfg.wd, w: input.state.params }));
    }
    return { step: input.step, view: this.view, tau: this.options.tau, ...metrics, probeLabels: Array.from(probe.train.labels), gramian, fidelity, fidelityWithDecay, timeMs: performance.now() - t0 };
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

  /** Instrument 2: close the held interval, then read W, G_Q and the prediction. */
  private dissipation(prep: Prepared, blocks: KernelBlocks, input: InstrumentInput): GramianReadout | null {
    const { layout, probe, options: o } = this;
    const { SG, QG, omega, grad } = prep;
    const p = layout.p;
    const mG = SG.m;
    const K = centredKernel(blocks.KG ?? blocks.Keff, mG, p);
    const KQS = centredRight(blocks.KQS, QG.m * p, mG, p);
    const nScale = o.hessianScale === 'probe' ? mG : this.nTrain;
    const B = centredHessian(crossEntropyHessian(SG.logits, mG, p, nScale));
    const g = centredLeft(crossEntropyGradient(SG.logits, Array.from(this.gTrain, (i) => probe.train.labels[i]), mG, p, nScale), mG, p, 1);
    const gram = this.gramian;
    if (this.held && !this.restartPending && input.step < this.held.step) this.restartPending = true; // a run reloaded at an earlier step
    if (this.held && this.origin && !this.restartPending) {
      const h = this.held.lr * (input.step - this.held.step);
      if (h > 0) {
        gram.advance(h, this.held.K, this.held.B, this.held.KQS, o.integrator);
        for (let i = 0; i < this.origin.ode.length; i++) {
          this.origin.ode[i] -= h * this.held.drive[i];
          this.origin.odeDecay[i] -= h * (this.held.drive[i] + this.held.decay[i]);
        }
      }
    }
    if (this.restartPending) {
      gram.restart();
      const zero = () => new Float64Array(QG.logits.length);
      this.origin = { step: input.step, g, UQ: QG.logits.slice(), ode: zero(), odeDecay: zero() };
      this.restartPending = false;
    }
    const drive = jacobianVectorProduct(layout, QG, omega.map((v, k) => v * grad[k]));
    const decay = jacobianVectorProduct(layout, QG, Float64Array.from(input.state.params, (v) => input.config.wd * v));
    this.held = { lr: input.config.lr, step: input.step, K, B, KQS, drive, decay };
    if (gram.intervals === 0 || !this.origin) return null;
    const eig = gram.eigen();
    const dim = channelDimension(eig, o.tau);
    const predicted = applyTransfer(gram.GQ, gram.NQ, gram.N, this.origin.g).map((v) => -v);
    const actual = QG.logits.map((v, i) => v - this.origin!.UQ[i]);
    return {
      since: this.origin.step,
      time: gram.time,
      rows: gram.N,
      heldOutRows: gram.NQ,
      spectrum: Array.from(eig.values),
      channelDim: dim,
      energy: {
        initialGradient: channelFraction(eig, dim, this.origin.g),
        labels: channelFraction(eig, dim, this.targets.labels),
        labelClean: channelFraction(eig, dim, this.targets.clean),
        labelNoise: this.targets.noise ? channelFraction(eig, dim, this.targets.noise) : null,
      },
      transferRatio: reservoirTransferRatio(transferNorms(gram.GQ, gram.NQ, eig), dim),
      predicted: Array.from(predicted),
      actual: Array.from(actual),
      predictionError: relativeError(predicted, actual),
      odeError: relativeError(this.origin.ode, actual),
      odeErrorWithDecay: relativeError(this.origin.odeDecay, actual),
      stiffness: gram.stiffness,
    };
  }
}

function subTokens(tokens: Uint32Array, positions: Uint32Array): Uint32Array {
  const out = new Uint32Array(2 * positions.length);
  positions.forEach((i, j) => out.set(tokens.subarray(2 * i, 2 * i + 2), 2 * j));
  return out;
}
