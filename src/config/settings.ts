/**
 * The one table of run settings. It drives the URL, the lab's controls, the CLI
 * flags, the run file's `config` and validation everywhere (TensorFlow
 * Playground's state.ts, but a bad value is reported, never turned into NaN).
 */

export const TASKS = ['add', 'sub', 'mul', 'div'] as const;
export const ACTIVATIONS = ['relu', 'gelu', 'quadratic'] as const;
export const OPTIMIZERS = ['sgd', 'adamw', 'cautious', 'grokfast'] as const;
/** Gate variants (THEORY.md "The gate"). `stream` is the soft streaming mask, `stream-hard` its hard form. */
export const GATES = ['off', 'exact-hard', 'exact-soft', 'stream', 'stream-hard'] as const;
/** mlp: embed → dense layers; transformer: the decoder-only model of docs/architecture.md */
export const ARCHS = ['mlp', 'transformer'] as const;

export type Task = (typeof TASKS)[number];
export type Activation = (typeof ACTIVATIONS)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];
export type GateVariant = (typeof GATES)[number];
export type Arch = (typeof ARCHS)[number];

export interface RunConfig {
  task: Task;
  /** modulus p (prime, 5..113) */
  p: number;
  /** fraction of all pairs used for training, in (0, 1) */
  train: number;
  /** fraction of training labels replaced by wrong ones, in [0, 1) */
  noise: number;
  /** embedding size d */
  embed: number;
  width: number;
  depth: number;
  act: Activation;
  /** network: mlp (embed, width, depth, act) or transformer (layers, heads, dmodel, ffn) */
  arch: Arch;
  /** transformer blocks L */
  layers: number;
  /** attention heads H (dmodel must be a multiple) */
  heads: number;
  /** transformer width d */
  dmodel: number;
  /** transformer MLP width F */
  ffn: number;
  opt: OptimizerName;
  momentum: number;
  gate: GateVariant;
  /** λ in the soft masks q = μ² / (μ² + λ σ²/(b−1)) */
  softness: number;
  lr: number;
  wd: number;
  /** minibatch size b; 0 = full batch */
  batch: number;
  seed: number;
  betas: [number, number];
  eps: number;
  /** metrics (train/held-out loss and accuracy) every this many steps */
  evalEvery: number;
  /** theory probe sizes m_S, m_Q and the instrument cadence r (0 = off) */
  probeTrain: number;
  probeTest: number;
  instrumentEvery: number;
}

interface Common {
  key: string;
  help: string;
  /** shown in the URL / CLI only when not equal to the default */
  urlName?: string;
}
interface NumberSpec extends Common {
  kind: 'int' | 'float';
  default: number;
  min: number;
  max: number;
  /** exclusive bounds where the math needs them (train fraction in (0,1)) */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** true: a log-scale slider in the UI */
  log?: boolean;
}
interface EnumSpec extends Common {
  kind: 'enum';
  default: string;
  values: readonly string[];
}
export type SettingSpec = NumberSpec | EnumSpec;

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'task', kind: 'enum', values: TASKS, default: 'add', help: 'operation a∘b mod p (div = a·b⁻¹, b ≠ 0)' },
  { key: 'p', kind: 'int', default: 23, min: 5, max: 113, help: 'modulus p, a prime in 5..113' },
  { key: 'train', kind: 'float', default: 0.7, min: 0, max: 1, minExclusive: true, maxExclusive: true, help: 'training fraction of all pairs, in (0, 1)' },
  { key: 'noise', kind: 'float', default: 0, min: 0, max: 1, maxExclusive: true, help: 'fraction of training labels replaced by wrong ones, in [0, 1)' },
  { key: 'embed', kind: 'int', default: 32, min: 1, max: 512, help: 'embedding size d' },
  { key: 'width', kind: 'int', default: 64, min: 8, max: 512, help: 'hidden width, 8..512' },
  { key: 'depth', kind: 'int', default: 1, min: 1, max: 3, help: 'hidden layers, 1..3' },
  { key: 'act', kind: 'enum', values: ACTIVATIONS, default: 'relu', help: 'activation' },
  { key: 'arch', kind: 'enum', values: ARCHS, default: 'mlp', help: 'network: mlp or transformer (decoder-only, tokens [a, op, b, =])' },
  { key: 'layers', kind: 'int', default: 2, min: 1, max: 4, help: 'transformer blocks L, 1..4' },
  { key: 'heads', kind: 'int', default: 4, min: 1, max: 16, help: 'transformer attention heads H (dmodel a multiple of H)' },
  { key: 'dmodel', kind: 'int', default: 128, min: 4, max: 512, help: 'transformer width d' },
  { key: 'ffn', kind: 'int', default: 512, min: 4, max: 2048, help: 'transformer MLP width F' },
  { key: 'opt', kind: 'enum', values: OPTIMIZERS, default: 'adamw', help: 'optimizer (sgd with momentum 0 is plain gradient descent)' },
  { key: 'momentum', kind: 'float', default: 0.9, min: 0, max: 1, maxExclusive: true, help: 'SGD momentum, in [0, 1)' },
  { key: 'gate', kind: 'enum', values: GATES, default: 'off', help: 'the gate: update k iff μ_k² > σ_k²/(b−1) (and its variants)' },
  { key: 'softness', kind: 'float', default: 1, min: 0, max: 100, help: 'λ of the soft gate masks' },
  { key: 'lr', kind: 'float', default: 1e-2, min: 0, max: 10, minExclusive: true, log: true, help: 'learning rate η' },
  { key: 'wd', kind: 'float', default: 1, min: 0, max: 100, help: 'decoupled weight decay (never gated)' },
  { key: 'batch', kind: 'int', default: 0, min: 0, max: 1 << 20, help: 'minibatch size b (0 = full batch)' },
  { key: 'seed', kind: 'int', default: 1, min: 0, max: 2 ** 31 - 1, help: 'seed of split, noise, init, batches and probe' },
  { key: 'beta1', kind: 'float', default: 0.9, min: 0, max: 1, maxExclusive: true, help: 'Adam β₁' },
  { key: 'beta2', kind: 'float', default: 0.98, min: 0, max: 1, maxExclusive: true, help: 'Adam β₂' },
  { key: 'eps', kind: 'float', default: 1e-8, min: 0, max: 1, minExclusive: true, log: true, help: 'Adam ε' },
  { key: 'evalEvery', kind: 'int', default: 10, min: 1, max: 100000, help: 'steps between metric evaluations' },
  { key: 'probeTrain', kind: 'int', default: 32, min: 2, max: 256, help: 'probe size m_S (training points)' },
  { key: 'probeTest', kind: 'int', default: 32, min: 2, max: 256, help: 'probe size m_Q (held-out points)' },
  { key: 'instrumentEvery', kind: 'int', default: 0, min: 0, max: 100000, help: 'theory instruments every r steps (0 = off)' },
];

export const SETTING_BY_KEY: ReadonlyMap<string, SettingSpec> = new Map(SETTINGS.map((s) => [s.key, s]));

/** A value that could not be used; the message names the setting and the rule. */
export interface SettingError {
  key: string;
  value: string;
  message: string;
}

export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  for (let k = 2; k * k <= n; k++) if (n % k === 0) return false;
  return true;
}

function rangeText(s: NumberSpec): string {
  return `${s.minExclusive ? '(' : '['}${s.min}, ${s.max}${s.maxExclusive ? ')' : ']'}`;
}

/** Parses one raw string for one setting; returns the value or an error message. */
export function parseSettingValue(spec: SettingSpec, raw: string): { value: number | string } | { error: string } {
  const text = raw.trim();
  if (spec.kind === 'enum') {
    return spec.values.includes(text)
      ? { value: text }
      : { error: `${spec.key}=${JSON.stringify(raw)} is not one of ${spec.values.join('|')}` };
  }
  // Number(): rejects '12abc' (parseFloat would accept it); '' is not 0.
  const v = text === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) return { error: `${spec.key}=${JSON.stringify(raw)} is not a number` };
  return checkNumber(spec, v);
}

function checkNumber(spec: NumberSpec, v: number): { value: number } | { error: string } {
  if (spec.kind === 'int' && !Number.isInteger(v)) return { error: `${spec.key}=${v} must be a whole number` };
  const low = spec.minExclusive ? v <= spec.min : v < spec.min;
  const high = spec.maxExclusive ? v >= spec.max : v > spec.max;
  if (low || high) return { error: `${spec.key}=${v} is outside ${rangeText(spec)}` };
  return { value: v };
}

export function defaultConfig(): RunConfig {
  const o: Record<string, number | string> = {};
  for (const s of SETTINGS) o[s.key] = s.default;
  return fromFlat(o);
}

function fromFlat(o: Record<string, number | string>): RunConfig {
  const { beta1, beta2, ...rest } = o;
  return { ...(rest as unknown as Omit<RunConfig, 'betas'>), betas: [beta1 as number, beta2 as number] };
}

export function toFlat(c: RunConfig): Record<string, number | string> {
  const { betas, ...rest } = c;
  return { ...rest, beta1: betas[0], beta2: betas[1] };
}

/** Rules that involve more than one setting or are not a plain range. */
export function crossCheck(c: RunConfig): SettingError[] {
  const errors: SettingError[] = [];
  if (!isPrime(c.p)) errors.push({ key: 'p', value: String(c.p), message: `p=${c.p} is not prime (modular arithmetic needs a field: try 23, 47 or 97)` });
  const n = c.task === 'div' ? c.p * (c.p - 1) : c.p * c.p;
  const nTrain = Math.round(c.train * n);
  if (nTrain < 2 || nTrain >= n) errors.push({ key: 'train', value: String(c.train), message: `train=${c.train} leaves ${nTrain} of ${n} pairs for training; need at least 2 and at least one held out` });
  if (c.batch > 0 && c.batch > nTrain) errors.push({ key: 'batch', value: String(c.batch), message: `batch=${c.batch} exceeds the ${nTrain} training pairs (use 0 for full batch)` });
  if (c.arch === 'transformer' && c.instrumentEvery > 0)
    errors.push({ key: 'instrumentEvery', value: String(c.instrumentEvery), message: 'the theory instruments are MLP only (their structured eNTK formula has no transformer form yet): set instrumentEvery=0 with arch=transformer' });
  if (c.arch === 'transformer' && c.dmodel % c.heads !== 0) errors.push({ key: 'heads', value: String(c.heads), message: `heads=${c.heads} must divide dmodel=${c.dmodel} (head size d/H)` });
  if (c.batch === 1 && c.gate.startsWith('exact')) errors.push({ key: 'batch', value: '1', message: 'the exact gate needs b ≥ 2 (σ²/(b−1))' });
  return errors;
}

/**
 * Reads settings from string pairs (URL query or CLI flags). Unknown keys and bad
 * values become errors; every bad value falls back to the default (or the
 * preset's value), so the caller can still run and show what was wrong.
 */
export function parseSettings(
  raw: Iterable<[string, string]>,
  base: RunConfig = defaultConfig(),
  ignoreKeys: ReadonlySet<string> = new Set(),
): { config: RunConfig; errors: SettingError[] } {
  const flat = toFlat(base);
  const errors: SettingError[] = [];
  for (const [key, value] of raw) {
    if (ignoreKeys.has(key)) continue;
    const spec = SETTING_BY_KEY.get(key);
    if (!spec) {
      errors.push({ key, value, message: `unknown setting "${key}"` });
      continue;
    }
    const r = parseSettingValue(spec, value);
    if ('error' in r) errors.push({ key, value, message: r.error });
    else flat[key] = r.value;
  }
  let config = fromFlat(flat);
  const cross = crossCheck(config);
  if (cross.length > 0) {
    // Cross-rule failures: put the offending settings back to the base values.
    for (const e of cross) flat[e.key] = toFlat(base)[e.key];
    config = fromFlat(flat);
    errors.push(...cross);
  }
  return { config, errors };
}

/**
 * Validates a whole config object (a run file's, or one built in code).
 * Throws with every problem named; the CLI and the run-file loader use it.
 */
export function validateConfig(obj: unknown): RunConfig {
  if (typeof obj !== 'object' || obj === null) throw new Error('config must be an object');
  const src = obj as Record<string, unknown>;
  const flat: Record<string, number | string> = {};
  const problems: string[] = [];
  const betas = src.betas;
  const expanded: Record<string, unknown> = { ...src };
  if (Array.isArray(betas)) {
    expanded.beta1 = betas[0];
    expanded.beta2 = betas[1];
  }
  for (const spec of SETTINGS) {
    const v = expanded[spec.key];
    if (v === undefined) {
      flat[spec.key] = spec.default;
      continue;
    }
    const r = spec.kind === 'enum' ? parseSettingValue(spec, String(v)) : typeof v === 'number' ? checkNumber(spec, v) : { error: `${spec.key} must be a number, got ${JSON.stringify(v)}` };
    if ('error' in r) problems.push(r.error);
    else flat[spec.key] = r.value;
  }
  const config = fromFlat(flat);
  if (problems.length === 0) problems.push(...crossCheck(config).map((e) => e.message));
  if (problems.length > 0) throw new Error(`invalid config: ${problems.join('; ')}`);
  return config;
}

/** Settings that differ from `base`, as string pairs for a URL or a command line. */
export function diffSettings(c: RunConfig, base: RunConfig = defaultConfig()): [string, string][] {
  const a = toFlat(c);
  const b = toFlat(base);
  return SETTINGS.filter((s) => a[s.key] !== b[s.key]).map((s) => [s.key, String(a[s.key])]);
}

/** Number of examples of the task: p² pairs, or p(p−1) for division (b ≠ 0). */
export function exampleCount(task: Task, p: number): number {
  return task === 'div' ? p * (p - 1) : p * p;
}
