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
 *
 * Loading checks everything it can — format, config ranges, that the split is the
 * one the config's seed makes, every tensor's shape, every number finite — and
 * says precisely what is wrong, so a corrupt file never reaches the GPU.
 */
import { toFlat, validateConfig, type RunConfig } from '../config/settings';
import { makeDataset, type Dataset } from '../tasks/modular';
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

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readTensor(where: string, v: unknown, t: TensorInfo, into: Float32Array): void {
  if (!isObj(v)) throw new Error(`${where}: missing tensor "${t.name}"`);
  const shape = v.shape;
  if (!Array.isArray(shape) || shape.length !== t.shape.length || shape.some((s, i) => s !== t.shape[i]))
    throw new Error(`${where}.${t.name}: shape ${JSON.stringify(shape)} does not match the config's model, which needs [${t.shape.join(', ')}]`);
  const data = v.data;
  if (!Array.isArray(data) || data.length !== t.size) throw new Error(`${where}.${t.name}: needs ${t.size} numbers, has ${Array.isArray(data) ? data.length : 'none'}`);
  for (let i = 0; i < t.size; i++) {
    const x = data[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${where}.${t.name}[${i}] is ${JSON.stringify(x)}, not a finite number`);
    into[t.offset + i] = x;
  }
}

const num = (o: Record<string, unknown>, k: string, where: string): number => {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}.${k} is ${JSON.stringify(v)}, not a number`);
  return v;
};

export function parseRunFile(text: string): ParsedRun {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not a run file: the text is not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(raw) || raw.format !== RUN_FORMAT) throw new Error(`not a run file: "format" must be "${RUN_FORMAT}"`);
  if (raw.version !== RUN_VERSION) throw new Error(`run file version ${JSON.stringify(raw.version)} is not supported (this build reads version ${RUN_VERSION})`);
  const config = validateConfig(raw.config);
  const step = raw.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw new Error(`run file step ${JSON.stringify(step)} must be a whole number ≥ 0`);

  // the split must be the one this config's seed makes: otherwise "resume" would silently train on other data
  const ds = makeDataset(config);
  const split = raw.split;
  if (!isObj(split) || !Array.isArray(split.train) || !Array.isArray(split.flipped)) throw new Error('run file split must have "train" and "flipped" lists');
  const sameList = (a: unknown[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!sameList(split.train, Array.from(ds.trainIdx, (i) => ds.pairIndex[i])) || !sameList(split.flipped, Array.from(ds.flippedIdx, (i) => ds.pairIndex[i])))
    throw new Error('run file split does not match the split its config (task, p, train, noise, seed) produces');

  const layout = netLayout(config);
  const P = layout.totalSize;
  const params = new Float32Array(P);
  if (!isObj(raw.weights)) throw new Error('run file has no "weights"');
  for (const t of layout.tensors) readTensor('weights', raw.weights[t.name], t, params);
  const opt = raw.optimizer;
  if (!isObj(opt)) throw new Error('run file has no "optimizer" state');
  const parts = { m: new Float32Array(P), v: new Float32Array(P), aux: new Float32Array(P), s: new Float32Array(P) };
  for (const [k, arr] of Object.entries(parts)) {
    const group = opt[k];
    if (!isObj(group)) throw new Error(`run file optimizer.${k} is missing`);
    for (const t of layout.tensors) readTensor(`optimizer.${k}`, group[t.name], t, arr);
  }
  for (let k = 0; k < P; k++) if (parts.v[k] < 0) throw new Error('run file optimizer.v has a negative second moment');

  if (!Array.isArray(raw.metrics)) throw new Error('run file "metrics" must be a list');
  const metrics: MetricsRow[] = raw.metrics.map((r, i) => {
    const where = `metrics[${i}]`;
    if (!isObj(r)) throw new Error(`${where} is not an object`);
    const opt2 = (k: string) => (r[k] === undefined || r[k] === null ? null : num(r, k, where));
    const byTensor = r.gateOpenByTensor;
    if (byTensor !== undefined && byTensor !== null && (!Array.isArray(byTensor) || byTensor.length !== layout.tensors.length || byTensor.some((x) => typeof x !== 'number' || !Number.isFinite(x))))
      throw new Error(`${where}.gateOpenByTensor must list ${layout.tensors.length} numbers, one per tensor`);
    return { step: num(r, 'step', where), trainLoss: num(r, 'trainLoss', where), trainAcc: num(r, 'trainAcc', where), testLoss: num(r, 'testLoss', where), testAcc: num(r, 'testAcc', where), flippedAcc: opt2('flippedAcc'), gateOpen: opt2('gateOpen'), gateOpenByTensor: Array.isArray(byTensor) ? (byTensor as number[]) : null };
  });
  const events = Array.isArray(raw.events) ? (raw.events as RunEvent[]) : [];
  return { config, step, metrics, events, state: { step, params, ...parts }, instruments: Array.isArray(raw.instruments) ? raw.instruments : [] };
}
