/**
 * Pieces of a training run that every backend shares, so the CPU reference and
 * the GPU engine take the very same steps: minibatch order, per-step
 * hyper-parameters, metrics from per-category sums, the history of live changes.
 */
import type { RunConfig } from '../config/settings';
import type { Dataset } from '../tasks/modular';
import { CATEGORY_FLIPPED, CATEGORY_TEST, CATEGORY_TRAIN } from '../tasks/modular';
import { Rng } from '../util/rng';
import { warmupFactor, type OptimParams } from './rules';
import type { LiveSettings, MetricsRow, RunEvent } from './trainer';

/** Examples per step: b, or the whole training set for full batch. */
export const batchSize = (cfg: RunConfig, ds: Dataset) => (cfg.batch > 0 ? Math.min(cfg.batch, ds.trainIdx.length) : ds.trainIdx.length);

/**
 * Seeded epochs: each epoch is a fresh shuffle of the training set cut into
 * batches of b; a tail shorter than b is dropped. Full batch: the training set in
 * order, every step.
 */
export class BatchSampler {
  private order: Uint32Array;
  private pos: number;
  /** epochs shuffled so far (the current one included) */
  epochs = 0;
  private readonly rng: Rng;
  readonly b: number;

  constructor(
    private readonly trainIdx: Uint32Array,
    b: number,
    seed: number,
  ) {
    this.b = b;
    this.rng = new Rng(seed, 'batch');
    this.order = trainIdx.slice();
    this.pos = trainIdx.length; // forces a shuffle on first use
  }

  get fullBatch(): boolean {
    return this.b >= this.trainIdx.length;
  }

  /** example indices of the next batch, written into `out` (length b) */
  next(out: Uint32Array): Uint32Array {
    if (this.fullBatch) {
      out.set(this.trainIdx);
      return out;
    }
    if (this.pos + this.b > this.order.length) {
      this.rng.shuffle(this.order);
      this.pos = 0;
      this.epochs++;
    }
    out.set(this.order.subarray(this.pos, this.pos + this.b));
    this.pos += this.b;
    return out;
  }

  /** where the last batch sits in its epoch: batch `index` of `count` (the tail shorter than b is dropped) */
  get position(): { epoch: number; index: number; count: number } {
    const count = Math.floor(this.order.length / this.b);
    return this.fullBatch ? { epoch: this.epochs, index: 0, count: 1 } : { epoch: this.epochs, index: this.pos / this.b - 1, count };
  }

  /** the current epoch's order of example indices */
  get epochOrder(): Uint32Array {
    return this.order;
  }

  /** to resume a run at step t: replays the sampler's draws */
  skip(steps: number, scratch: Uint32Array): void {
    if (this.fullBatch) return;
    for (let i = 0; i < steps; i++) this.next(scratch);
  }
}

/** α of the stream gate: b/(n−b) when a finite training set is reused by minibatches, 1 for full batch. */
export function streamAlpha(b: number, nTrain: number): number {
  return b >= nTrain ? 1 : b / (nTrain - b);
}

export function optimParams(cfg: RunConfig, t: number, b: number, nTrain: number, streamStart = 0): OptimParams {
  return {
    opt: cfg.opt,
    gate: cfg.gate,
    lr: cfg.lr * warmupFactor(cfg.arch, t),
    wd: cfg.wd,
    beta1: cfg.betas[0],
    beta2: cfg.betas[1],
    eps: cfg.eps,
    momentum: cfg.momentum,
    softness: cfg.softness,
    t,
    b,
    streamAlpha: streamAlpha(b, nTrain),
    tStream: t - streamStart,
  };
}

/**
 * Metrics from (Σloss, Σcorrect, count) per category (train, flipped, held-out). For
 * the squared loss (`regression`) the middle sum is Σ‖u_i − y_i‖²/k, so it becomes the
 * mean squared error per output, and accuracy — undefined for real targets — is null.
 */
export function metricsFromSums(step: number, sums: ArrayLike<number>, gateOpenByTensor: number[] | null, tensorSizes: number[], nonFinite = 0, regression = false): MetricsRow {
  const tr = CATEGORY_TRAIN * 3;
  const fl = CATEGORY_FLIPPED * 3;
  const te = CATEGORY_TEST * 3;
  const nTrain = sums[tr + 2] + sums[fl + 2];
  let gateOpen: number | null = null;
  if (gateOpenByTensor) {
    let num = 0;
    let den = 0;
    gateOpenByTensor.forEach((f, i) => {
      num += f * tensorSizes[i];
      den += tensorSizes[i];
    });
    gateOpen = num / den;
  }
  const train2 = (sums[tr + 1] + sums[fl + 1]) / nTrain;
  const test2 = sums[te + 1] / sums[te + 2];
  return {
    step,
    trainLoss: (sums[tr] + sums[fl]) / nTrain,
    trainAcc: regression ? null : train2,
    testLoss: sums[te] / sums[te + 2],
    testAcc: regression ? null : test2,
    trainMse: regression ? train2 : null,
    testMse: regression ? test2 : null,
    flippedAcc: !regression && sums[fl + 2] > 0 ? sums[fl + 1] / sums[fl + 2] : null,
    gateOpen,
    gateOpenByTensor,
    ...(nonFinite > 0 ? { nonFinite } : {}),
  };
}

/** One line for progress output: accuracies for the modular tasks, MSE for regress. */
export function progressText(r: MetricsRow): string {
  if (r.trainAcc !== null && r.testAcc !== null) return `train ${(100 * r.trainAcc).toFixed(1)}%  held-out ${(100 * r.testAcc).toFixed(1)}%`;
  return `train MSE ${(r.trainMse ?? NaN).toPrecision(3)}  held-out MSE ${(r.testMse ?? NaN).toPrecision(3)}`;
}

/** Applies live changes to a config, recording each as an event. */
export function applyLiveChange(cfg: RunConfig, change: LiveSettings, step: number, events: RunEvent[]): RunConfig {
  const next = { ...cfg, ...change };
  if (change.gate !== undefined && change.gate !== cfg.gate) events.push({ step, kind: 'gate', from: cfg.gate, to: change.gate });
  if (change.opt !== undefined && change.opt !== cfg.opt) events.push({ step, kind: 'opt', from: cfg.opt, to: change.opt });
  for (const k of ['lr', 'wd', 'momentum', 'softness'] as const)
    if (change[k] !== undefined && change[k] !== cfg[k]) events.push({ step, kind: 'hyper', from: `${k}=${cfg[k]}`, to: `${k}=${change[k]}` });
  return next;
}

const isStream = (g: string) => g === 'stream' || g === 'stream-hard';

/**
 * State that a live change invalidates: switching between SGD and Grokfast changes
 * what the aux buffer means (momentum vs slow EMA), so it restarts at zero; turning a
 * stream gate on restarts its variance EMA (and its bias-correction clock) at zero.
 */
export function liveResets(prev: RunConfig, next: RunConfig): { zeroAux: boolean; zeroStream: boolean } {
  const auxKind = (o: string) => (o === 'sgd' ? 'momentum' : o === 'grokfast' ? 'ema' : 'none');
  return {
    zeroAux: auxKind(prev.opt) !== auxKind(next.opt) && auxKind(next.opt) !== 'none',
    zeroStream: isStream(next.gate) && !isStream(prev.gate),
  };
}

/**
 * The epoch orders (example indices) the sampler of a run draws over its first `steps`
 * steps, one array per epoch begun: batch k of an epoch is entries k·b … (k+1)·b − 1.
 * Lets a replay outside the repository take the very same minibatches.
 */
export function epochOrders(trainIdx: Uint32Array, b: number, seed: number, steps: number): Uint32Array[] {
  const s = new BatchSampler(trainIdx, b, seed);
  if (s.fullBatch) return [];
  const out: Uint32Array[] = [];
  const scratch = new Uint32Array(b);
  for (let t = 0; t < steps; t++) {
    const before = s.epochs;
    s.next(scratch);
    if (s.epochs !== before) out.push(s.epochOrder.slice());
  }
  return out;
}
