/**
 * Modular arithmetic a∘b mod p (the classic grokking task): every pair (a, b) is
 * one example, identified by its index a·p + b. The split is seeded; label noise
 * replaces a seeded subset of training labels with wrong ones and keeps the list,
 * because the channel/reservoir instrument splits the label vector into its clean
 * part and its noise part.
 */
import { exampleCount, isPrime, type RunConfig, type Task } from '../config/settings';
import { Rng } from '../util/rng';
import { makeRegressionTargets, type RegressionTargets } from './regression';

export interface Dataset {
  p: number;
  task: Task;
  /** all examples: operands (2 per example) */
  tokens: Uint32Array;
  /** true labels a∘b mod p */
  trueLabels: Uint32Array;
  /** labels the network is trained on (noisy on flipped training examples) */
  labels: Uint32Array;
  /** pair index a·p+b of each example */
  pairIndex: Uint32Array;
  /** indices (into the example arrays) of training and held-out examples */
  trainIdx: Uint32Array;
  testIdx: Uint32Array;
  /** training examples whose label was replaced (subset of trainIdx) */
  flippedIdx: Uint32Array;
  /** per example: 0 = train (clean), 1 = train (flipped label), 2 = held-out */
  category: Uint32Array;
  /** task=regress only: real-valued targets (labels are then all 0 and unused) */
  regression?: RegressionTargets;
}

/** True when the run is trained on the squared loss against real-valued targets. */
export const isRegression = (ds: Dataset): ds is Dataset & { regression: RegressionTargets } => ds.regression !== undefined;

export const CATEGORY_TRAIN = 0;
export const CATEGORY_FLIPPED = 1;
export const CATEGORY_TEST = 2;

function modInverse(b: number, p: number): number {
  // Fermat: b^(p−2) mod p, p prime; p ≤ 113 keeps products exact in doubles.
  let result = 1;
  let base = b % p;
  let e = p - 2;
  while (e > 0) {
    if (e & 1) result = (result * base) % p;
    base = (base * base) % p;
    e >>= 1;
  }
  return result;
}

export function applyOp(task: Task, a: number, b: number, p: number): number {
  switch (task) {
    case 'add':
      return (a + b) % p;
    case 'sub':
      return (((a - b) % p) + p) % p;
    case 'mul':
      return (a * b) % p;
    case 'div':
      if (b === 0) throw new Error('division by zero is not an example of the div task');
      return (a * modInverse(b, p)) % p;
    case 'regress':
      throw new Error('the regress task has real-valued targets, not a label a∘b (src/tasks/regression.ts)');
  }
}

export function makeDataset(cfg: Pick<RunConfig, 'task' | 'p' | 'train' | 'noise' | 'seed'> & Partial<Pick<RunConfig, 'noiseStd' | 'teacherSeed'>>): Dataset {
  const { task, p } = cfg;
  if (!isPrime(p) || p < 5 || p > 113) throw new Error(`p=${p} must be a prime in 5..113`);
  if (!(cfg.train > 0 && cfg.train < 1)) throw new Error(`train=${cfg.train} must be in (0, 1)`);
  if (!(cfg.noise >= 0 && cfg.noise < 1)) throw new Error(`noise=${cfg.noise} must be in [0, 1)`);
  const n = exampleCount(task, p);
  const tokens = new Uint32Array(2 * n);
  const trueLabels = new Uint32Array(n);
  const pairIndex = new Uint32Array(n);
  let k = 0;
  for (let a = 0; a < p; a++) {
    for (let b = task === 'div' ? 1 : 0; b < p; b++) {
      tokens[2 * k] = a;
      tokens[2 * k + 1] = b;
      trueLabels[k] = task === 'regress' ? 0 : applyOp(task, a, b, p);
      pairIndex[k] = a * p + b;
      k++;
    }
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  new Rng(cfg.seed, 'split').shuffle(order);
  const nTrain = Math.round(cfg.train * n);
  const trainIdx = order.slice(0, nTrain).sort();
  const testIdx = order.slice(nTrain).sort();

  const labels = trueLabels.slice();
  const category = new Uint32Array(n).fill(CATEGORY_TEST);
  for (const i of trainIdx) category[i] = CATEGORY_TRAIN;
  if (task === 'regress') {
    if (cfg.noise > 0) throw new Error(`noise=${cfg.noise}: the regress task has no labels to flip (use noiseStd)`);
    const regression = makeRegressionTargets({ p, seed: cfg.seed, noiseStd: cfg.noiseStd ?? 0, teacherSeed: cfg.teacherSeed ?? 1 }, tokens, trainIdx);
    return { p, task, tokens, trueLabels, labels, pairIndex, trainIdx, testIdx, flippedIdx: new Uint32Array(0), category, regression };
  }
  const nFlip = Math.floor(cfg.noise * nTrain);
  const noiseRng = new Rng(cfg.seed, 'noise');
  const shuffledTrain = Array.from(trainIdx);
  noiseRng.shuffle(shuffledTrain);
  const flippedIdx = Uint32Array.from(shuffledTrain.slice(0, nFlip)).sort();
  for (const i of flippedIdx) {
    // a wrong label, uniform over the p−1 others
    const wrong = (trueLabels[i] + 1 + noiseRng.int(p - 1)) % p;
    labels[i] = wrong;
    category[i] = CATEGORY_FLIPPED;
  }
  return { p, task, tokens, trueLabels, labels, pairIndex, trainIdx, testIdx, flippedIdx, category };
}
