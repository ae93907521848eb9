/**
 * The regression task (`task=regress`): benign overfitting and double descent as the
 * seed frames them. A fixed random teacher network maps each pair (a, b) — the same
 * token inputs as the modular tasks — to k = p real outputs; the training targets
 * carry Gaussian label noise ε, the held-out targets are clean. The student is the
 * same MLP with the same p head rows, trained on the squared loss
 *
 *   Φ_S(u) = (1/(2n)) Σ_i ‖u_i − y_i‖²,  so  g = ∇_u Φ_S = (u − y)/n  and  B = ∇²_u Φ_S = I/n,
 *
 * the normalisation under which the theory's squared-loss formulas hold exactly.
 *
 * The teacher: its own embedding E_t (p × 8, N(0,1)), one tanh layer of width 32
 * (weights N(0, 1/fan_in), biases N(0, 1/fan_in)) and a linear head (k × 32,
 * N(0, 1/32)); every output column is then standardised over all p² pairs to mean 0
 * and standard deviation 1, so `noiseStd` is the noise std relative to the signal's.
 * It draws from the stream (teacherSeed, 'teacher') only: the student's seed changes
 * init, split and noise, never the function being learnt.
 */
import type { RunConfig } from '../config/settings';
import { Rng } from '../util/rng';

export interface TeacherSpec {
  seed: number;
  /** embedding size, hidden width, activation of the teacher */
  embed: number;
  width: number;
  act: 'tanh';
  /** outputs per example k (= p, the student's head rows) */
  outputs: number;
  /** every output column standardised to mean 0, std 1 over all p² pairs */
  standardised: true;
}

export const TEACHER_EMBED = 8;
export const TEACHER_WIDTH = 32;

/** Real-valued targets of the regress task, n × k row-major (example i, output c at i·k + c). */
export interface RegressionTargets {
  k: number;
  /** the targets the network is trained on: clean + ε on training rows, clean on held-out rows */
  targets: Float32Array;
  /** the teacher's (standardised) outputs */
  clean: Float32Array;
  /** ε: the Gaussian label noise, non-zero only on training rows */
  noise: Float32Array;
  teacher: TeacherSpec;
}

/** Outputs per example of the regress task: k = p, so the head keeps its p rows. */
export const regressionOutputs = (p: number) => p;

export function teacherSpec(cfg: Pick<RunConfig, 'p' | 'teacherSeed'>): TeacherSpec {
  return { seed: cfg.teacherSeed, embed: TEACHER_EMBED, width: TEACHER_WIDTH, act: 'tanh', outputs: regressionOutputs(cfg.p), standardised: true };
}

/** The teacher's standardised outputs on the given pairs (tokens: 2 per example), n × k, float64. */
export function teacherOutputs(spec: TeacherSpec, p: number, tokens: Uint32Array, n: number): Float64Array {
  const rng = new Rng(spec.seed, 'teacher');
  const { embed: d, width: h, outputs: k } = spec;
  const normal = (len: number, std: number) => Float64Array.from({ length: len }, () => std * rng.normal());
  const E = normal(p * d, 1);
  const W1 = normal(h * 2 * d, 1 / Math.sqrt(2 * d));
  const b1 = normal(h, 1 / Math.sqrt(2 * d));
  const W2 = normal(k * h, 1 / Math.sqrt(h));
  const Y = new Float64Array(n * k);
  const x = new Float64Array(2 * d);
  const a = new Float64Array(h);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < 2; s++) for (let j = 0; j < d; j++) x[s * d + j] = E[tokens[2 * i + s] * d + j];
    for (let r = 0; r < h; r++) {
      let z = b1[r];
      for (let j = 0; j < 2 * d; j++) z += W1[r * 2 * d + j] * x[j];
      a[r] = Math.tanh(z);
    }
    for (let c = 0; c < k; c++) {
      let y = 0;
      for (let r = 0; r < h; r++) y += W2[c * h + r] * a[r];
      Y[i * k + c] = y;
    }
  }
  // standardise each output over the given examples (all p² pairs when called by makeRegressionTargets)
  for (let c = 0; c < k; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += Y[i * k + c];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (Y[i * k + c] - mean) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let i = 0; i < n; i++) Y[i * k + c] = (Y[i * k + c] - mean) / sd;
  }
  return Y;
}

/**
 * Targets for every example: the teacher on all pairs, then ε ~ N(0, noiseStd²) on each
 * output of each training row, drawn from (seed, 'noise') in training-index order.
 */
export function makeRegressionTargets(cfg: Pick<RunConfig, 'p' | 'teacherSeed' | 'noiseStd' | 'seed'>, tokens: Uint32Array, trainIdx: Uint32Array): RegressionTargets {
  const teacher = teacherSpec(cfg);
  const k = teacher.outputs;
  const n = tokens.length / 2;
  const clean = Float32Array.from(teacherOutputs(teacher, cfg.p, tokens, n));
  const noise = new Float32Array(n * k);
  if (cfg.noiseStd > 0) {
    const rng = new Rng(cfg.seed, 'noise');
    for (const i of trainIdx) for (let c = 0; c < k; c++) noise[i * k + c] = cfg.noiseStd * rng.normal();
  }
  const targets = new Float32Array(n * k);
  // y = clean + ε rounded once to float32, so the GPU and the reference train on the same numbers
  for (let j = 0; j < n * k; j++) targets[j] = clean[j] + noise[j];
  return { k, targets, clean, noise, teacher };
}

/** Rows of `src` (n × k) at the given example indices, in that order, as float64. */
function rows(src: Float32Array, idx: Uint32Array, k: number): Float64Array {
  const out = new Float64Array(idx.length * k);
  idx.forEach((e, r) => {
    for (let c = 0; c < k; c++) out[r * k + c] = src[e * k + c];
  });
  return out;
}

/**
 * For the theory instruments: over the training set S (trainIdx order, n·k entries) the
 * clean teacher targets and the noise ε separately (y_S = clean + ε up to float32
 * rounding), and over the held-out set Q (testIdx order) the clean targets.
 */
export function splitTargets(
  reg: RegressionTargets,
  trainIdx: Uint32Array,
  testIdx: Uint32Array,
): { trainClean: Float64Array; trainNoise: Float64Array; trainTargets: Float64Array; testClean: Float64Array } {
  return {
    trainClean: rows(reg.clean, trainIdx, reg.k),
    trainNoise: rows(reg.noise, trainIdx, reg.k),
    trainTargets: rows(reg.targets, trainIdx, reg.k),
    testClean: rows(reg.clean, testIdx, reg.k),
  };
}
