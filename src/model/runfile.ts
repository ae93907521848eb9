/**
 * The run file (JSON): what `grokscope train --out` writes and the lab exports and
 * imports. Readable with nothing but json + numpy:
 *
 *   format, version; config (every setting by its URL name, betas [β1, β2], eps);
 *   split {train: [a·p+b …], flipped: [a·p+b …]}; step; metrics (rows); events;
 *   weights {name: {shape, data (row-major)}}; optimizer {name, step, m, v, aux, s}
 *   (same naming and shapes); instruments (when recorded); batches {b, epochs: [[a·p+b …]
 *   per epoch begun]} for minibatch runs of at most 2²⁰ drawn examples (steps·b), so an
 *   outside replay takes the same batches (batch k of an epoch = entries k·b … k·b+b−1).
 *   Transformer runs name their tensors as in src/model/transformerLayout.ts.
 *   task=regress adds `teacher` (seed, embed, width, act, outputs, standardised: the
 *   teacher network of src/tasks/regression.ts, which with config.noiseStd and
 *   config.seed reproduces every target); its metric rows carry trainAcc/testAcc null
 *   and trainMse/testMse (mean squared error per output).
 *
 * Loading checks everything it can — format, config ranges, that the split is the
 * one the config's seed makes, every tensor's shape, every number finite — and
 * says precisely what is wrong, so a corrupt file never reaches the GPU.
 */
import * as v from 'valibot';
import { toFlat, validateConfig, type RunConfig } from '../config/settings';
import { makeDataset, type Dataset } from '../tasks/modular';
import type { TeacherSpec } from '../tasks/regression';
import { netLayout, type NetLayout } from './arch';
import { batchSize, epochOrders } from './run';
import type { TensorInfo } from './layout';
import type { MetricsRow, RunEvent, TrainerState } from './trainer';

export const RUN_FORMAT = 'grokscope-run';
export const RUN_VERSION = 1;

export interface TensorJson {
  shape: number[];
  data: number[];
}

export interface RunFileJson {
  format: typeof RUN_FORMAT;
  version: number;
  config: Record<string, unknown>;
  split: { train: number[]; flipped: number[] };
  step: number;
  metrics: Record<string, number | number[] | null>[];
  events: RunEvent[];
  weights: Record<string, TensorJson>;
  optimizer: { name: string; step: number; m: Record<string, TensorJson>; v: Record<string, TensorJson>; aux: Record<string, TensorJson>; s: Record<string, TensorJson> };
  instruments?: unknown[];
  batches?: { b: number; epochs: number[][] };
  /** task=regress: the teacher network that made the targets */
  teacher?: TeacherSpec;
}

export interface BuildRunArgs {
  config: RunConfig;
  dataset: Dataset;
  step: number;
  metrics: readonly MetricsRow[];
  events: readonly RunEvent[];
  state: TrainerState;
  layout: NetLayout;
  instruments?: unknown[];
  batches?: { b: number; epochs: number[][] };
}

function tensors(flat: Float32Array, layout: NetLayout): Record<string, TensorJson> {
  const out: Record<string, TensorJson> = {};
  for (const t of layout.tensors) out[t.name] = { shape: t.shape, data: Array.from(flat.subarray(t.offset, t.offset + t.size)) };
  return out;
}

/** the config as the run file keys it: URL names, betas as a pair */
export function configJson(c: RunConfig): Record<string, unknown> {
  const { beta1, beta2, ...rest } = toFlat(c);
  return { ...rest, betas: [beta1, beta2] };
}

export function metricsJson(rows: readonly MetricsRow[]): Record<string, number | number[] | null>[] {
  return rows.map((r) => {
    const o: Record<string, number | number[] | null> = { step: r.step, trainLoss: r.trainLoss, trainAcc: r.trainAcc, testLoss: r.testLoss, testAcc: r.testAcc };
    if (r.trainMse !== null) o.trainMse = r.trainMse;
    if (r.testMse !== null) o.testMse = r.testMse;
    if (r.flippedAcc !== null) o.flippedAcc = r.flippedAcc;
    if (r.gateOpen !== null) o.gateOpen = r.gateOpen;
    if (r.gateOpenByTensor !== null) o.gateOpenByTensor = r.gateOpenByTensor;
    return o;
  });
}

export function buildRunFile(a: BuildRunArgs): RunFileJson {
  const ds = a.dataset;
  const file: RunFileJson = {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    config: configJson(a.config),
    split: { train: Array.from(ds.trainIdx, (i) => ds.pairIndex[i]), flipped: Array.from(ds.flippedIdx, (i) => ds.pairIndex[i]) },
    step: a.step,
    metrics: metricsJson(a.metrics),
    events: [...a.events],
    weights: tensors(a.state.params, a.layout),
    optimizer: { name: a.config.opt, step: a.state.step, m: tensors(a.state.m, a.layout), v: tensors(a.state.v, a.layout), aux: tensors(a.state.aux, a.layout), s: tensors(a.state.s, a.layout) },
  };
  if (a.instruments && a.instruments.length > 0) file.instruments = a.instruments;
  const b = batchSize(a.config, ds);
  if (b < ds.trainIdx.length && a.step * b <= 1 << 20) file.batches = { b, epochs: epochOrders(ds.trainIdx, b, a.config.seed, a.step).map((o) => Array.from(o, (i) => ds.pairIndex[i])) };
  if (ds.regression) file.teacher = ds.regression.teacher;
  return file;
}

export interface ParsedRun {
  config: RunConfig;
  step: number;
  metrics: MetricsRow[];
  events: RunEvent[];
  state: TrainerState;
  instruments: unknown[];
}

/**
 * Limits of an untrusted run file. A real run of the largest config (p = 113,
 * width 512, depth 3) is about 40 MB of JSON; metric rows and events are far
 * below these caps even for hour-long runs at evalEvery 1 (rows are thinned by
 * the lab's bounded history before export).
 */
export const RUN_FILE_LIMITS = {
  bytes: 64 * 1024 * 1024,
  metricRows: 100_000,
  events: 2_000,
  /** no real run reaches 10⁹ steps; larger numbers are garbage or attacks */
  step: 1e9,
  instruments: 5_000,
  /** array length and nesting depth inside one instrument snapshot */
  instrumentArray: 1 << 16,
  instrumentDepth: 6,
  eventText: 64,
} as const;

/** a valibot issue as "where.field[3]: message" */
function issueText(where: string, issues: readonly v.BaseIssue<unknown>[]): string {
  const i = issues[0];
  const path = (i.path ?? []).map((p) => (typeof p.key === 'number' ? `[${p.key}]` : `.${String(p.key)}`)).join('');
  return `${where}${path}: ${i.message}${i.input === undefined ? '' : ` (got ${JSON.stringify(i.input)?.slice(0, 40)})`}`;
}

const finiteNum = v.pipe(v.number('must be a number'), v.finite('must be a finite number'));
const stepNum = v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(0, 'must be ≥ 0'), v.maxValue(RUN_FILE_LIMITS.step, `must be ≤ ${RUN_FILE_LIMITS.step}`));
const share = v.pipe(finiteNum, v.minValue(0, 'must be in [0, 1]'), v.maxValue(1, 'must be in [0, 1]'));
const loss = v.pipe(finiteNum, v.minValue(0, 'must be ≥ 0'));
const optionalShare = v.nullish(share, null);

const MetricsRowSchema = v.object({
  step: stepNum,
  trainLoss: loss,
  // accuracy for the modular tasks, MSE per output for regress (checked against the task below)
  trainAcc: optionalShare,
  testLoss: loss,
  testAcc: optionalShare,
  trainMse: v.nullish(loss, null),
  testMse: v.nullish(loss, null),
  flippedAcc: optionalShare,
  gateOpen: optionalShare,
  gateOpenByTensor: v.nullish(v.array(share), null),
});
const eventText = v.pipe(v.string('must be text'), v.maxLength(RUN_FILE_LIMITS.eventText, `must be at most ${RUN_FILE_LIMITS.eventText} characters`));
const EventSchema = v.object({ step: stepNum, kind: v.picklist(['gate', 'opt', 'hyper'], 'must be gate|opt|hyper'), from: eventText, to: eventText });

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** own keys only: a file's "__proto__" or "constructor" is never read through the prototype */
const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

function readTensor(where: string, v: unknown, t: TensorInfo, into: Float32Array): void {
  if (!isObj(v)) throw new Error(`${where}: missing tensor "${t.name}"`);
  const shape = own(v, 'shape');
  if (!Array.isArray(shape) || shape.length !== t.shape.length || shape.some((s, i) => s !== t.shape[i]))
    throw new Error(`${where}.${t.name}: shape ${JSON.stringify(shape)?.slice(0, 60)} does not match the config's model, which needs [${t.shape.join(', ')}]`);
  const data = own(v, 'data');
  if (!Array.isArray(data) || data.length !== t.size) throw new Error(`${where}.${t.name}: needs ${t.size} numbers, has ${Array.isArray(data) ? data.length : 'none'}`);
  for (let i = 0; i < t.size; i++) {
    const x = data[i];
    // float32 is what the GPU holds: 1e39 is finite in float64 but Infinity there
    if (typeof x !== 'number' || !Number.isFinite(Math.fround(x))) throw new Error(`${where}.${t.name}[${i}] is ${JSON.stringify(x)}, not a finite float32 number`);
    into[t.offset + i] = x;
  }
}

/**
 * Instrument snapshots are validated by structure only (their field list belongs to
 * the theory instruments and grows): plain objects, arrays and strings, finite
 * numbers (null allowed for "not measured"), bounded array lengths and depth.
 */
export function checkInstrumentSnapshot(where: string, x: unknown, depth = 0): void {
  if (x === null || typeof x === 'boolean') return;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new Error(`${where} is ${x}, not a finite number`);
    return;
  }
  if (typeof x === 'string') {
    if (x.length > 256) throw new Error(`${where} is a string of ${x.length} characters (at most 256)`);
    return;
  }
  if (depth >= RUN_FILE_LIMITS.instrumentDepth) throw new Error(`${where} nests deeper than ${RUN_FILE_LIMITS.instrumentDepth} levels`);
  if (Array.isArray(x)) {
    if (x.length > RUN_FILE_LIMITS.instrumentArray) throw new Error(`${where} has ${x.length} entries (at most ${RUN_FILE_LIMITS.instrumentArray})`);
    for (let i = 0; i < x.length; i++) checkInstrumentSnapshot(`${where}[${i}]`, x[i], depth + 1);
    return;
  }
  if (isObj(x)) {
    for (const k of Object.keys(x)) checkInstrumentSnapshot(`${where}.${k}`, x[k], depth + 1);
    return;
  }
  throw new Error(`${where} has an unsupported value`);
}

function readList(raw: Record<string, unknown>, key: string, max: number, required: boolean): unknown[] {
  const list = own(raw, key);
  if (list === undefined && !required) return [];
  if (!Array.isArray(list)) throw new Error(`run file "${key}" must be a list`);
  if (list.length > max) throw new Error(`run file "${key}" has ${list.length} entries, more than the ${max} a run file may hold`);
  return list;
}

export function parseRunFile(text: string): ParsedRun {
  if (text.length > RUN_FILE_LIMITS.bytes) throw new Error(`run file is ${(text.length / 2 ** 20).toFixed(0)} MB, over the ${RUN_FILE_LIMITS.bytes / 2 ** 20} MB limit`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not a run file: the text is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (!isObj(raw) || own(raw, 'format') !== RUN_FORMAT) throw new Error(`not a run file: "format" must be "${RUN_FORMAT}"`);
  if (own(raw, 'version') !== RUN_VERSION) throw new Error(`run file version ${JSON.stringify(own(raw, 'version'))} is not supported (this build reads version ${RUN_VERSION})`);
  const config = validateConfig(own(raw, 'config'));
  const stepR = v.safeParse(stepNum, own(raw, 'step'));
  if (!stepR.success) throw new Error(issueText('run file step', stepR.issues));
  const step = stepR.output;

  // the split must be the one this config's seed makes: otherwise "resume" would silently train on other data
  const ds = makeDataset(config);
  const split = own(raw, 'split');
  if (!isObj(split) || !Array.isArray(split.train) || !Array.isArray(split.flipped)) throw new Error('run file split must have "train" and "flipped" lists');
  const sameList = (a: unknown[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (
    !sameList(
      split.train,
      Array.from(ds.trainIdx, (i) => ds.pairIndex[i]),
    ) ||
    !sameList(
      split.flipped,
      Array.from(ds.flippedIdx, (i) => ds.pairIndex[i]),
    )
  )
    throw new Error('run file split does not match the split its config (task, p, train, noise, seed) produces');
  if (ds.regression) {
    // the targets are a function of (teacher, noiseStd, seed): a teacher this build would not rebuild is refused
    const t = own(raw, 'teacher');
    const want = ds.regression.teacher;
    if (!isObj(t) || (Object.keys(want) as (keyof TeacherSpec)[]).some((k) => t[k] !== want[k]))
      throw new Error(`run file teacher ${JSON.stringify(t)} does not match the teacher its config makes (${JSON.stringify(want)})`);
  }

  const layout = netLayout(config);
  const P = layout.totalSize;
  const params = new Float32Array(P);
  const weights = own(raw, 'weights');
  if (!isObj(weights)) throw new Error('run file has no "weights"');
  for (const t of layout.tensors) readTensor('weights', own(weights, t.name), t, params);
  const opt = own(raw, 'optimizer');
  if (!isObj(opt)) throw new Error('run file has no "optimizer" state');
  if (own(opt, 'name') !== config.opt) throw new Error(`run file optimizer.name ${JSON.stringify(own(opt, 'name'))?.slice(0, 40)} disagrees with config.opt "${config.opt}"`);
  if (own(opt, 'step') !== step) throw new Error(`run file optimizer.step ${JSON.stringify(own(opt, 'step'))?.slice(0, 40)} disagrees with step ${step}`);
  const parts = { m: new Float32Array(P), v: new Float32Array(P), aux: new Float32Array(P), s: new Float32Array(P) };
  for (const [k, arr] of Object.entries(parts)) {
    const group = own(opt, k);
    if (!isObj(group)) throw new Error(`run file optimizer.${k} is missing`);
    for (const t of layout.tensors) readTensor(`optimizer.${k}`, own(group, t.name), t, arr);
  }
  for (let k = 0; k < P; k++) if (parts.v[k] < 0) throw new Error('run file optimizer.v has a negative second moment');

  const metrics: MetricsRow[] = [];
  let lastStep = -1;
  readList(raw, 'metrics', RUN_FILE_LIMITS.metricRows, true).forEach((row, i) => {
    const r = v.safeParse(MetricsRowSchema, row);
    if (!r.success) throw new Error(issueText(`metrics[${i}]`, r.issues));
    const m = r.output;
    const need = ds.regression ? (['trainMse', 'testMse'] as const) : (['trainAcc', 'testAcc'] as const);
    const missing = need.find((k) => m[k] === null);
    if (missing) throw new Error(`metrics[${i}].${missing} must be a number (${ds.regression ? 'the regress task reports MSE, not accuracy' : 'the accuracy of a modular task'})`);
    if (m.step <= lastStep || m.step > step) throw new Error(`metrics[${i}].step ${m.step} must increase and be ≤ the run's step ${step}`);
    if (m.gateOpenByTensor !== null && m.gateOpenByTensor.length !== layout.tensors.length)
      throw new Error(`metrics[${i}].gateOpenByTensor must list ${layout.tensors.length} numbers, one per tensor`);
    lastStep = m.step;
    metrics.push(m);
  });
  const events: RunEvent[] = readList(raw, 'events', RUN_FILE_LIMITS.events, false).map((e, i) => {
    const r = v.safeParse(EventSchema, e);
    if (!r.success) throw new Error(issueText(`events[${i}]`, r.issues));
    if (r.output.step > step) throw new Error(`events[${i}].step ${r.output.step} is after the run's step ${step}`);
    return r.output;
  });
  const instruments = readList(raw, 'instruments', RUN_FILE_LIMITS.instruments, false);
  instruments.forEach((snap, i) => {
    if (!isObj(snap)) throw new Error(`instruments[${i}] is not an object`);
    checkInstrumentSnapshot(`instruments[${i}]`, snap);
  });
  return { config, step, metrics, events, state: { step, params, ...parts }, instruments };
}
