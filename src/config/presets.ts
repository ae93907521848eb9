import { defaultConfig, type RunConfig } from './settings';

/** A preset is a named partial config; as a URL it is `?preset=name`. */
export interface Preset {
  name: string;
  title: string;
  blurb: string;
  config: Partial<RunConfig>;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'tiny',
    title: 'Tiny',
    blurb: 'a+b mod 13, 80% train: memorises in ~75 steps, groks by ~700 (seed 1; small p is seed-sensitive)',
    config: { task: 'add', p: 13, train: 0.8, embed: 16, width: 32, depth: 1, lr: 1e-2, wd: 1, evalEvery: 5, probeTrain: 16, probeTest: 16, instrumentEvery: 20 },
  },
  {
    name: 'lecture',
    title: 'Lecture',
    blurb: 'a+b mod 23, 70% train: memorises, then groks within about a minute',
    config: { task: 'add', p: 23, train: 0.7, embed: 32, width: 64, depth: 1, lr: 1e-2, wd: 1, evalEvery: 10, instrumentEvery: 25 },
  },
  {
    name: 'paper',
    title: 'Paper',
    blurb: 'a·b⁻¹ mod 97 at 25% train, the setting of the published 5× claim (slow without a real GPU)',
    config: { task: 'div', p: 97, train: 0.25, embed: 128, width: 256, depth: 1, lr: 1e-3, wd: 1, evalEvery: 50, instrumentEvery: 200 },
  },
  {
    name: 'small-transformer',
    title: 'Small transformer',
    blurb: 'the contract transformer at L=1, H=4, d=32, F=64 on a+b mod 23 at 70%, b=64, AdamW 3e-3: groks in 650–1550 steps on SwiftShader; the instruments measure it every 250 (docs/results.md)',
    config: {
      arch: 'transformer',
      task: 'add',
      p: 23,
      train: 0.7,
      layers: 1,
      heads: 4,
      dmodel: 32,
      ffn: 64,
      lr: 3e-3,
      wd: 1,
      betas: [0.9, 0.98],
      eps: 1e-8,
      batch: 64,
      evalEvery: 50,
      instrumentEvery: 250,
    },
  },
  {
    name: 'paper-transformer',
    title: 'Paper transformer',
    blurb: 'the contract transformer (L=2, H=4, d=128, F=512, AdamW 1e-3, β (0.9, 0.98), wd 1, warm-up 10) on a·b⁻¹ mod 97 at 25%, b=512: the setting of the 5× claim (needs a real GPU)',
    config: {
      arch: 'transformer',
      task: 'div',
      p: 97,
      train: 0.25,
      layers: 2,
      heads: 4,
      dmodel: 128,
      ffn: 512,
      lr: 1e-3,
      wd: 1,
      betas: [0.9, 0.98],
      eps: 1e-8,
      batch: 512,
      evalEvery: 50,
      instrumentEvery: 0,
    },
  },
  {
    name: 'noise',
    title: 'Label noise',
    blurb: 'a+b mod 23 with 20% of training labels wrong: where does the noise go, channel or reservoir?',
    config: { task: 'add', p: 23, train: 0.7, noise: 0.2, embed: 32, width: 64, depth: 1, lr: 1e-2, wd: 1, evalEvery: 10, instrumentEvery: 25 },
  },
  {
    name: 'reservoir',
    title: 'Reservoir',
    blurb: 'a+b mod 11, 50% train, a narrow net: 547 parameters against 600 centred training outputs, so ker W is not empty and a reservoir exists',
    config: { task: 'add', p: 11, train: 0.5, embed: 8, width: 16, depth: 1, lr: 1e-2, wd: 1, evalEvery: 10, probeTrain: 16, probeTest: 16, instrumentEvery: 20 },
  },
  {
    name: 'reservoir-noise',
    title: 'Reservoir + noise',
    blurb: 'the reservoir preset with 20% wrong labels: does the network park the noise in ker W (benign overfitting)?',
    config: { task: 'add', p: 11, train: 0.5, noise: 0.2, embed: 8, width: 16, depth: 1, lr: 1e-2, wd: 1, evalEvery: 10, probeTrain: 16, probeTest: 16, instrumentEvery: 20 },
  },
  {
    name: 'regress',
    title: 'Regression',
    blurb: 'a random teacher on 11×11 pairs, noisy targets (σ = 0.5), squared loss: the network interpolates the noise; sweep --widths crosses P ≈ n·k',
    config: { task: 'regress', p: 11, train: 0.5, noise: 0, noiseStd: 0.5, teacherSeed: 1, embed: 8, width: 64, depth: 1, lr: 1e-2, wd: 0, evalEvery: 20, instrumentEvery: 100 },
  },
  {
    name: 'regress-narrow',
    title: 'Regression, narrow',
    blurb: 'the regress task at width 8: P = 323 parameters against n·k = 671 training outputs, so at least 348 output directions lie beyond reach (a reservoir by counting)',
    config: { task: 'regress', p: 11, train: 0.5, noise: 0, noiseStd: 0.5, teacherSeed: 1, embed: 8, width: 8, depth: 1, lr: 1e-2, wd: 0, evalEvery: 20, instrumentEvery: 100 },
  },
];

export function presetConfig(name: string): RunConfig | undefined {
  const p = PRESETS.find((x) => x.name === name);
  return p ? { ...defaultConfig(), ...p.config } : undefined;
}
