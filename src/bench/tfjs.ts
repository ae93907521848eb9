/**
 * The same model in TensorFlow.js 4.22 (the benchmark page only; a dev dependency):
 * token embeddings of a and b concatenated → dense(width) + activation → dense(p),
 * softmax cross-entropy over the full training set, Adam with decoupled weight decay
 * (TF.js has no AdamW: the decay is one more multiply per variable, as in ours).
 * A run ends on a readback of one value, so its time includes all its GPU work.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { RunConfig } from '../config/settings';
import type { MatmulShape } from '../engine/autotune';
import { MM_TRANS_A, MM_TRANS_B } from '../reference/kernels';
import { makeDataset } from '../tasks/modular';
import type { Stepper } from './core';

export type TfBackend = 'webgl' | 'webgpu';

export const tfjsVersion = tf.version.tfjs;

async function activate(backend: TfBackend): Promise<void> {
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`TensorFlow.js backend ${backend} is not available in this browser`);
  }
  await tf.ready();
}

export async function tfjsStepper(cfg: RunConfig, backend: TfBackend): Promise<Stepper> {
  await activate(backend);
  const ds = makeDataset(cfg);
  const n = ds.trainIdx.length;
  const { p, embed: d, width: w } = cfg;
  const tok = new Int32Array(2 * n);
  const lab = new Int32Array(n);
  ds.trainIdx.forEach((e, i) => {
    tok[2 * i] = ds.tokens[2 * e];
    tok[2 * i + 1] = ds.tokens[2 * e + 1];
    lab[i] = ds.labels[e];
  });
  const tokens = tf.tensor2d(tok, [n, 2], 'int32');
  const onehot = tf.oneHot(tf.tensor1d(lab, 'int32'), p);
  const E = tf.variable(tf.randomNormal([p, d], 0, 1));
  const W1 = tf.variable(tf.randomNormal([2 * d, w], 0, 1 / Math.sqrt(2 * d)));
  const b1 = tf.variable(tf.zeros([w]));
  const W2 = tf.variable(tf.randomNormal([w, p], 0, 1 / Math.sqrt(w)));
  const b2 = tf.variable(tf.zeros([p]));
  const vars = [E, W1, b1, W2, b2];
  const opt = tf.train.adam(cfg.lr, cfg.betas[0], cfg.betas[1], cfg.eps);
  const decay = 1 - cfg.lr * cfg.wd;
  const act = (z: tf.Tensor) => (cfg.act === 'relu' ? tf.relu(z) : cfg.act === 'quadratic' ? tf.square(z) : tf.mul(z, tf.sigmoid(tf.mul(z, 1.702))));
  const step = () =>
    tf.tidy(() => {
      opt.minimize(
        () => {
          const x = tf.reshape(tf.gather(E, tokens), [n, 2 * d]);
          const h = act(tf.add(tf.matMul(x, W1), b1));
          return tf.losses.softmaxCrossEntropy(onehot, tf.add(tf.matMul(h, W2), b2)) as tf.Scalar;
        },
        false,
        vars,
      );
      for (const v of vars) v.assign(tf.mul(v, decay));
    });
  return {
    name: `tfjs ${backend}`,
    run: async (steps) => {
      await activate(backend);
      for (let s = 0; s < steps; s++) step();
      const probe = tf.slice(b2, [0], [1]);
      await probe.data();
      probe.dispose();
    },
    destroy: () => {
      opt.dispose();
      tf.dispose([tokens, onehot, ...vars]);
    },
  };
}

/** TF.js GFLOP/s of one product on a backend (best of `rounds` timings of ≥ minMs) */
export async function tfjsMatmulGflops(s: MatmulShape, backend: TfBackend, rounds: number, minMs: number): Promise<number> {
  await activate(backend);
  const ta = (s.flags & MM_TRANS_A) !== 0;
  const tb = (s.flags & MM_TRANS_B) !== 0;
  const a = tf.randomNormal(ta ? [s.K, s.M] : [s.M, s.K]);
  const b = tf.randomNormal(tb ? [s.N, s.K] : [s.K, s.N]);
  const run = async (reps: number) => {
    const t0 = performance.now();
    const outs: tf.Tensor[] = [];
    for (let r = 0; r < reps; r++) outs.push(tf.matMul(a, b, ta, tb));
    const probes = outs.map((o) => tf.slice(o, [0, 0], [1, 1]));
    await Promise.all(probes.map((q) => q.data()));
    tf.dispose([...outs, ...probes]);
    return (performance.now() - t0) / reps;
  };
  let reps = 1;
  const first = await run(1); // warm-up: shader compilation
  while (first * reps < minMs && reps < 64) reps *= 2;
  let best = Infinity;
  for (let r = 0; r < rounds; r++) best = Math.min(best, await run(reps));
  tf.dispose([a, b]);
  return (2 * s.M * s.N * s.K) / best / 1e6;
}
