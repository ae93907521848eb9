/**
 * The one table of run settings, written as valibot schemas. It drives the URL,
 * the lab's controls, the CLI flags, the run file's `config`, the worker's
 * messages and validation everywhere; `RunConfig`, the live keys, the control
 * groups and the range text are all derived from it, never kept by hand.
 *
 * Adding a setting is one entry in SETTINGS_TABLE: its schema (which holds the
 * type and range), default, help, display group and, where it applies, `live`
 * (the Trainer accepts it mid-run), `log` (log-scale slider) and `urlName`.
 *
 * Numbers are checked twice: as float64 and as the float32 the GPU will see, so
 * β₂ = 0.99999999999 (which rounds to 1) and lr = 1e-320 (which rounds to 0) are
 * refused by name instead of producing NaN or a run that never moves.
 */
import * as v from 'valibot';
import { transformerLayout } from '../model/transformerLayout';

/** The modular tasks a∘b mod p, and `regress`: a fixed random teacher network on the same (a, b) pairs (src/tasks/regression.ts). */
export const TASKS = ['add', 'sub', 'mul', 'div', 'regress'] as const;
export const ACTIVATIONS = ['relu', 'gelu', 'quadratic'] as const;
export const OPTIMIZERS = ['sgd', 'adamw', 'cautious', 'grokfast'] as const;
/** Gate variants (THEORY.md "The gate"). `stream` is the soft streaming mask, `stream-hard` its hard form. */
export const GATES = ['off', 'exact-hard', 'exact-soft', 'stream', 'stream-hard'] as const;
/** mlp: embed → dense layers; transformer: the decoder-only model of docs/architecture.md */
export const ARCHS = ['mlp', 'transformer'] as const;
/** W's integrators over a held interval (docs/theory.md, instrument 2) */
export const INTEGRATORS = ['flow', 'discrete'] as const;
/** display groups of the controls, in order; every entry names one */
export const SETTING_GROUPS = ['Task', 'Model', 'Optimizer', 'Gate', 'Run', 'Instruments'] as const;

export type Task = (typeof TASKS)[number];
export type Activation = (typeof ACTIVATIONS)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];
export type GateVariant = (typeof GATES)[number];
export type Arch = (typeof ARCHS)[number];
export type SettingGroup = (typeof SETTING_GROUPS)[number];

// ---- schema builders: the range lives in the schema's actions and is read back from them ----

interface Bounds {
  min: number;
  max: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

const rangeOf = (b: Bounds) => `${b.minExclusive ? '(' : '['}${b.min}, ${b.max}${b.maxExclusive ? ')' : ']'}`;
const inBounds = (b: Bounds, x: number) => (b.minExclusive ? x > b.min : x >= b.min) && (b.maxExclusive ? x < b.max : x <= b.max);

type NumberItem = v.PipeItem<number, number, v.BaseIssue<unknown>>;

function bounded(kind: 'int' | 'float', b: Bounds): v.GenericSchema<number, number> {
  const out = `is outside ${rangeOf(b)}`;
  const items: NumberItem[] = [
    v.finite('must be a finite number'),
    ...(kind === 'int' ? [v.integer('must be a whole number')] : []),
    (b.minExclusive ? v.gtValue(b.min, out) : v.minValue(b.min, out)) as NumberItem,
    (b.maxExclusive ? v.ltValue(b.max, out) : v.maxValue(b.max, out)) as NumberItem,
    // the GPU computes in float32: the rounded value must obey the same range
    v.check(
      (x: number) => inBounds(b, Math.fround(x)),
      (i) => `becomes ${Math.fround(i.input as number)} in float32, which ${out}`,
    ),
  ];
  // items are read back by specOf (kind and bounds), so the help text is the check
  return v.pipe(v.number('must be a number'), ...(items as [NumberItem]));
}
const int = (min: number, max: number) => bounded('int', { min, max });
const float = (min: number, max: number, ex: { minExclusive?: boolean; maxExclusive?: boolean } = {}) => bounded('float', { min, max, ...ex });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => v.picklist(values, `is not one of ${values.join('|')}`);

interface SettingOpts {
  group: SettingGroup;
  /** the Trainer accepts it mid-run (LiveSettings) */
  live?: boolean;
  /** a log-scale slider in the UI */
  log?: boolean;
  /** its name in the URL and, kebab-cased, on the command line; the key when absent */
  urlName?: string;
}

type AnySchema = v.GenericSchema<unknown, unknown>;

function setting<const S extends AnySchema, const O extends SettingOpts>(schema: S, dflt: v.InferOutput<S>, help: string, opts: O) {
  return { schema, default: dflt, help, ...opts };
}

/** The table. One entry per setting; everything else is derived. */
export const SETTINGS_TABLE = {
  task: setting(oneOf(TASKS), 'add', 'operation a∘b mod p (div = a·b⁻¹, b ≠ 0), or regress: a random teacher network, squared loss', { group: 'Task' }),
  p: setting(int(5, 113), 23, 'modulus p, a prime in 5..113', { group: 'Task' }),
  train: setting(float(0, 1, { minExclusive: true, maxExclusive: true }), 0.7, 'training fraction of all pairs, in (0, 1)', { group: 'Task' }),
  noise: setting(float(0, 1, { maxExclusive: true }), 0, 'fraction of training labels replaced by wrong ones, in [0, 1) (modular tasks)', { group: 'Task' }),
  noiseStd: setting(float(0, 10), 0, 'regress: Gaussian noise on training targets, std relative to the teacher outputs (std 1)', { group: 'Task' }),
  teacherSeed: setting(int(0, 2 ** 31 - 1), 1, 'regress: seed of the teacher network (independent of seed)', { group: 'Task' }),
  embed: setting(int(1, 512), 32, 'embedding size d', { group: 'Model' }),
  width: setting(int(8, 512), 64, 'hidden width, 8..512', { group: 'Model' }),
  depth: setting(int(1, 3), 1, 'hidden layers, 1..3', { group: 'Model' }),
  act: setting(oneOf(ACTIVATIONS), 'relu', 'activation', { group: 'Model' }),
  arch: setting(oneOf(ARCHS), 'mlp', 'network: mlp (embed, width, depth, act) or transformer (layers, heads, dmodel, ffn; tokens [a, op, b, =])', { group: 'Model' }),
  layers: setting(int(1, 4), 2, 'transformer blocks L, 1..4', { group: 'Model' }),
  heads: setting(int(1, 16), 4, 'transformer attention heads H (dmodel a multiple of H)', { group: 'Model' }),
  dmodel: setting(int(4, 512), 128, 'transformer width d', { group: 'Model' }),
  ffn: setting(int(4, 2048), 512, 'transformer MLP width F', { group: 'Model' }),
  opt: setting(oneOf(OPTIMIZERS), 'adamw', 'optimizer (sgd with momentum 0 is plain gradient descent)', { group: 'Optimizer', live: true }),
  momentum: setting(float(0, 1, { maxExclusive: true }), 0.9, 'SGD momentum, in [0, 1)', { group: 'Optimizer', live: true }),
  gate: setting(oneOf(GATES), 'off', 'the gate: update k iff μ_k² > σ_k²/(b−1) (and its variants)', { group: 'Gate', live: true }),
  softness: setting(float(0, 100), 1, 'λ of the soft gate masks', { group: 'Gate', live: true }),
  lr: setting(float(0, 1e6, { minExclusive: true }), 1e-2, 'learning rate η', { group: 'Optimizer', live: true, log: true }),
  wd: setting(float(0, 100), 1, 'decoupled weight decay (never gated)', { group: 'Optimizer', live: true }),
  batch: setting(int(0, 1 << 20), 0, 'minibatch size b (0 = full batch)', { group: 'Optimizer' }),
  seed: setting(int(0, 2 ** 31 - 1), 1, 'seed of split, noise, init, batches and probe', { group: 'Run' }),
  beta1: setting(float(0, 1, { maxExclusive: true }), 0.9, 'Adam β₁', { group: 'Optimizer' }),
  beta2: setting(float(0, 1, { maxExclusive: true }), 0.98, 'Adam β₂', { group: 'Optimizer' }),
  eps: setting(float(0, 1, { minExclusive: true }), 1e-8, 'Adam ε', { group: 'Optimizer', log: true }),
  evalEvery: setting(int(1, 100000), 10, 'steps between metric evaluations', { group: 'Run', live: true }),
  probeTrain: setting(int(2, 256), 32, 'probe size m_S (training points)', { group: 'Instruments' }),
  probeTest: setting(int(2, 256), 32, 'probe size m_Q (held-out points)', { group: 'Instruments' }),
  instrumentEvery: setting(int(0, 100000), 0, 'theory instruments every r steps (0 = off)', { group: 'Instruments' }),
  integrator: setting(oneOf(INTEGRATORS), 'flow', 'how W integrates each held interval: flow = e^{−hBK̃} (h = η·r), discrete = the exact r-step map (I − ηBK̃)^r', { group: 'Instruments' }),
};

type Table = typeof SETTINGS_TABLE;
export type SettingKey = keyof Table;
/** every setting by its table key, β₁ and β₂ apart */
export type FlatConfig = { -readonly [K in SettingKey]: v.InferOutput<Table[K]['schema']> };
/** the config as the trainers use it: β₁, β₂ as the pair `betas` */
export type RunConfig = Omit<FlatConfig, 'beta1' | 'beta2'> & { betas: [number, number] };
/** keys the Trainer can change mid-run (entries marked `live`) */
export type LiveKey = { [K in SettingKey]: Table[K] extends { live: true } ? K : never }[SettingKey];

// ---- the table seen as a list of specs (for controls, help text and string parsing) ----

interface Common {
  key: string;
  help: string;
  group: SettingGroup;
  urlName: string;
  live: boolean;
  schema: AnySchema;
}
interface NumberSpec extends Common, Bounds {
  kind: 'int' | 'float';
  default: number;
  /** true: a log-scale slider in the UI */
  log: boolean;
}
interface EnumSpec extends Common {
  kind: 'enum';
  default: string;
  values: readonly string[];
}
export type SettingSpec = NumberSpec | EnumSpec;

interface ActionLike {
  type: string;
  requirement?: unknown;
}

/** Reads kind and bounds back from a schema's own actions, so the text can never disagree with the check. */
function specOf(key: string, e: Table[SettingKey]): SettingSpec {
  const common = { key, help: e.help, group: e.group, urlName: 'urlName' in e && typeof e.urlName === 'string' ? e.urlName : key, live: 'live' in e && e.live === true, schema: e.schema as AnySchema };
  const s = e.schema as unknown as { type: string; options?: readonly string[]; pipe?: ActionLike[] };
  if (s.type === 'picklist') return { ...common, kind: 'enum', default: e.default as string, values: s.options ?? [] };
  const b: Bounds = { min: -Infinity, max: Infinity };
  let kind: 'int' | 'float' = 'float';
  for (const a of s.pipe ?? []) {
    if (a.type === 'integer') kind = 'int';
    else if (a.type === 'min_value' || a.type === 'gt_value') [b.min, b.minExclusive] = [a.requirement as number, a.type === 'gt_value'];
    else if (a.type === 'max_value' || a.type === 'lt_value') [b.max, b.maxExclusive] = [a.requirement as number, a.type === 'lt_value'];
  }
  return { ...common, ...b, kind, default: e.default as number, log: 'log' in e && e.log === true };
}

export const SETTINGS: readonly SettingSpec[] = (Object.keys(SETTINGS_TABLE) as SettingKey[]).map((k) => specOf(k, SETTINGS_TABLE[k]));

export const SETTING_BY_KEY: ReadonlyMap<string, SettingSpec> = new Map(SETTINGS.map((s) => [s.key, s]));
/** by the name the URL and the CLI use */
export const SETTING_BY_URL_NAME: ReadonlyMap<string, SettingSpec> = new Map(SETTINGS.map((s) => [s.urlName, s]));

/** the keys of LiveSettings, at run time */
export const LIVE_KEYS: ReadonlySet<string> = new Set(SETTINGS.filter((s) => s.live).map((s) => s.key));

/** "[5, 113]", "(0, 1)" or "add|sub|…": the range as people read it */
export function rangeText(s: SettingSpec): string {
  return s.kind === 'enum' ? s.values.join('|') : rangeOf(s);
}

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

const show = (x: unknown) => (typeof x === 'number' ? String(x) : (JSON.stringify(x) ?? String(x)));

/** Checks one already-typed value against its setting's schema; the message names the setting. */
export function checkSetting(spec: SettingSpec, value: unknown): { value: number | string } | { error: string } {
  const r = v.safeParse(spec.schema, value);
  if (r.success) return { value: r.output as number | string };
  const issue = r.issues[0];
  return issue.kind === 'schema' && spec.kind !== 'enum' ? { error: `${spec.key} ${issue.message}, got ${show(value)}` } : { error: `${spec.key}=${show(value)} ${issue.message}` };
}

/**
 * Plain decimal text only: "0x17", "0b1", "1_000", "Infinity" and "" are refused (Number()
 * would read the first as 23 and the last as 0).
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parses one raw string (URL or CLI) for one setting; returns the value or an error message. */
export function parseSettingValue(spec: SettingSpec, raw: string): { value: number | string } | { error: string } {
  const text = raw.trim();
  if (spec.kind === 'enum') return checkSetting(spec, text);
  if (!DECIMAL.test(text)) return { error: `${spec.key}=${JSON.stringify(raw)} is not a number` };
  return checkSetting(spec, Number(text));
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

/**
 * The largest storage buffer a config needs, in bytes: the activations of all n
 * examples at the widest layer (n × max(width, embed·2, p) floats). WebGPU's
 * guaranteed maxStorageBufferBindingSize is 128 MiB; a config past it would fail
 * at buffer creation on a default adapter, so it is refused up front.
 */
export const BUFFER_LIMIT_BYTES = 128 * 1024 * 1024;
export function largestBufferBytes(c: Pick<RunConfig, 'task' | 'p' | 'width' | 'embed' | 'arch' | 'dmodel' | 'ffn'>): number {
  // the transformer's activations have one row per position (4 per example)
  if (c.arch === 'transformer') return exampleCount(c.task, c.p) * 4 * Math.max(c.ffn, c.dmodel) * 4;
  return exampleCount(c.task, c.p) * Math.max(c.width, 2 * c.embed, c.p) * 4;
}

/** The transformer's true parameter count P, from its layout (the head count only splits d, so any divisor serves). */
export function transformerParamCount(c: Pick<RunConfig, 'p' | 'dmodel' | 'ffn' | 'layers'>): number {
  return transformerLayout({ p: c.p, dmodel: c.dmodel, ffn: c.ffn, layers: c.layers, heads: 1 }).paramCount;
}

/**
 * The instruments' dense probe Jacobian on the transformer (src/theory/network.ts): one
 * float64 row per probe logit, at most max(m_S·p, 256) rows (the Gramian's sub-probes
 * stay ≤ 256 rows), one column per parameter. Past this many bytes they are refused.
 */
export const DENSE_JACOBIAN_MAX_BYTES = 256 * 2 ** 20;
export function transformerProbeJacobianBytes(c: Pick<RunConfig, 'p' | 'dmodel' | 'ffn' | 'layers' | 'probeTrain'>): number {
  return Math.max(c.probeTrain * c.p, 256) * transformerParamCount(c) * 8;
}

/** Rules that involve more than one setting or are not a plain range. */
export function crossCheck(c: RunConfig, bufferLimit = BUFFER_LIMIT_BYTES): SettingError[] {
  const errors: SettingError[] = [];
  if (!isPrime(c.p)) errors.push({ key: 'p', value: String(c.p), message: `p=${c.p} is not prime (modular arithmetic needs a field: try 23, 47 or 97)` });
  const n = exampleCount(c.task, c.p);
  // one noise setting per meaning: a flip fraction means nothing for real-valued targets, a std nothing for labels
  if (c.task === 'regress' && c.noise > 0)
    errors.push({ key: 'noise', value: String(c.noise), message: `noise=${c.noise} flips class labels; the regress task has none (use noiseStd for Gaussian target noise)` });
  if (c.task !== 'regress' && c.noiseStd > 0)
    errors.push({ key: 'noiseStd', value: String(c.noiseStd), message: `noiseStd=${c.noiseStd} is target noise of the regress task; ${c.task} uses noise (a fraction of flipped labels)` });
  const nTrain = Math.round(c.train * n);
  if (nTrain < 2 || nTrain >= n)
    errors.push({ key: 'train', value: String(c.train), message: `train=${c.train} leaves ${nTrain} of ${n} pairs for training; need at least 2 and at least one held out` });
  if (c.batch > 0 && c.batch > nTrain) errors.push({ key: 'batch', value: String(c.batch), message: `batch=${c.batch} exceeds the ${nTrain} training pairs (use 0 for full batch)` });
  if (c.batch === 1 && c.gate.startsWith('exact')) errors.push({ key: 'batch', value: '1', message: 'the exact gate needs b ≥ 2 (σ²/(b−1))' });
  // the transformer's head is the p-way softmax cross-entropy; the squared loss is wired into the MLP trainer only
  if (c.arch === 'transformer' && c.task === 'regress') errors.push({ key: 'arch', value: c.arch, message: 'arch=transformer has no squared-loss head: task=regress needs arch=mlp' });
  if (c.arch === 'transformer' && c.dmodel % c.heads !== 0) errors.push({ key: 'heads', value: String(c.heads), message: `heads=${c.heads} must divide dmodel=${c.dmodel} (head size d/H)` });
  if (c.arch === 'transformer' && c.instrumentEvery > 0 && transformerProbeJacobianBytes(c) > DENSE_JACOBIAN_MAX_BYTES)
    errors.push({
      key: 'instrumentEvery',
      value: String(c.instrumentEvery),
      message: `the theory instruments on this transformer need a ${Math.ceil(transformerProbeJacobianBytes(c) / 2 ** 20)} MiB probe Jacobian (${Math.max(c.probeTrain * c.p, 256)} rows × ${transformerParamCount(c)} parameters, float64), over ${DENSE_JACOBIAN_MAX_BYTES / 2 ** 20} MiB: lower probeTrain, use a smaller model, or set instrumentEvery=0`,
    });
  const bytes = largestBufferBytes(c);
  if (bytes > bufferLimit)
    errors.push({ key: 'width', value: String(c.width), message: `width=${c.width} needs a ${Math.ceil(bytes / 2 ** 20)} MiB buffer, over the ${Math.floor(bufferLimit / 2 ** 20)} MiB limit` });
  return errors;
}

/**
 * Reads settings from string pairs (URL query or CLI flags). Unknown keys and bad
 * values become errors; every bad value falls back to the default (or the
 * preset's value), so the caller can still run and show what was wrong.
 */
export function parseSettings(raw: Iterable<[string, string]>, base: RunConfig = defaultConfig(), ignoreKeys: ReadonlySet<string> = new Set()): { config: RunConfig; errors: SettingError[] } {
  const flat = toFlat(base);
  const errors: SettingError[] = [];
  for (const [key, value] of raw) {
    if (ignoreKeys.has(key)) continue;
    const spec = SETTING_BY_URL_NAME.get(key);
    if (!spec) {
      errors.push({ key, value, message: `unknown setting ${JSON.stringify(key)}` });
      continue;
    }
    const r = parseSettingValue(spec, value);
    if ('error' in r) errors.push({ key: spec.key, value, message: r.error });
    else flat[spec.key] = r.value;
  }
  let config = fromFlat(flat);
  const cross = crossCheck(config);
  if (cross.length > 0) {
    // Cross-rule failures: put the offending settings back to the base values.
    for (const e of cross) flat[e.key] = toFlat(base)[e.key];
    config = fromFlat(flat);
    // a rule over two settings can still clash with the other one (arch=transformer from a
    // preset, task=regress from the query): then the base, which satisfies every rule, stands
    if (crossCheck(config).length > 0) config = fromFlat(toFlat(base));
    errors.push(...cross);
  }
  return { config, errors };
}

/**
 * Validates a whole config object (a run file's, a worker message's, or one built
 * in code). Missing settings take their defaults (older files); unknown keys are
 * ignored and never copied. Throws with every problem named.
 */
export function validateConfig(obj: unknown): RunConfig {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error('config must be an object');
  const src = obj as Record<string, unknown>;
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(src, k) ? src[k] : undefined);
  const flat: Record<string, number | string> = {};
  const problems: string[] = [];
  const betas = own('betas');
  if (betas !== undefined && (!Array.isArray(betas) || betas.length !== 2)) problems.push(`betas must be a pair [β1, β2], got ${show(betas)}`);
  const pair = Array.isArray(betas) ? betas : [];
  for (const spec of SETTINGS) {
    const value = spec.key === 'beta1' ? (pair[0] ?? own('beta1')) : spec.key === 'beta2' ? (pair[1] ?? own('beta2')) : own(spec.key);
    if (value === undefined) {
      flat[spec.key] = spec.default;
      continue;
    }
    const r = checkSetting(spec, value);
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
  return SETTINGS.filter((s) => a[s.key] !== b[s.key]).map((s) => [s.urlName, String(a[s.key])]);
}

/** Number of examples of the task: p² pairs, or p(p−1) for division (b ≠ 0); regress uses all p² pairs. */
export function exampleCount(task: Task, p: number): number {
  return task === 'div' ? p * (p - 1) : p * p;
}
