/**
 * The Fourier measurement of docs/results.md: the lecture preset (or another) on
 * Dawn, the FourierMeter (src/theory/fourier.ts) every r steps, per seed: the
 * embedding's share in its strongest ≤ 6 frequencies after grokking, the key
 * frequencies, and where the restricted and excluded losses move relative to the
 * held-out jump. Prints a table per seed and a summary; writes JSON when asked.
 * Usage: bash scripts/with-dawn.sh npx tsx bench/fourier-study.ts [preset] [seeds=1,2,3] [steps=2500] [every=25] [out.json]
 */
import { writeFileSync } from 'node:fs';
import { presetConfig } from '../src/config/presets';
import { runTraining } from '../src/cli/session';
import { FourierMeter, type FourierReadout } from '../src/theory/fourier';

const [presetName = 'lecture', seedList = '1,2,3', stepsArg = '2500', everyArg = '25', out] = process.argv.slice(2);
const base = presetConfig(presetName);
if (!base) throw new Error(`unknown preset ${presetName}`);
const seeds = seedList.split(',').map(Number);
const steps = Number(stepsArg);
const every = Number(everyArg);

interface SeedResult {
  seed: number;
  train99: number | null;
  test95: number | null;
  /** first measured step where the restricted loss is below half its step-0 value, and where the excluded loss exceeds the train loss by 1 nat */
  restrictedHalf: number | null;
  excludedRise: number | null;
  /** the same two steps with the final key frequencies held fixed over the whole run */
  fixedRestrictedHalf: number | null;
  fixedExcludedRise: number | null;
  final: FourierReadout;
  series: { step: number; testAcc: number; trainLoss: number; restrictedLoss: number; excludedLoss: number; top6Share: number; key: number[] }[];
}

const results: SeedResult[] = [];
for (const seed of seeds) {
  const config = { ...base, seed, instrumentEvery: 0 };
  let meter: FourierMeter | null = null;
  const readouts: FourierReadout[] = [];
  const snapshots: { step: number; params: Float32Array }[] = [];
  const run = await runTraining(config, {
    steps,
    hook: {
      every,
      fn: async (t) => {
        meter ??= new FourierMeter(t.layout, config.task, t.dataset);
        const state = await t.readState();
        readouts.push(meter.measure(t.step, state.params));
        snapshots.push({ step: t.step, params: Float32Array.from(state.params) });
      },
    },
  });
  run.trainer.destroy();
  const accAt = (step: number) => run.rows.filter((r) => r.step <= step).pop()?.testAcc ?? 0;
  const r0 = readouts[0];
  const restrictedHalf = readouts.find((r) => r.restrictedLoss < r0.restrictedLoss / 2)?.step ?? null;
  const excludedRise = readouts.find((r) => r.step > 0 && r.excludedLoss > r.trainLoss + 1)?.step ?? null;
  const final = readouts[readouts.length - 1];
  // Nanda et al.'s reading: the final key frequencies, held fixed over the whole run
  const fixed = snapshots.map((s) => meter!.measure(s.step, s.params, null, final.key));
  const fixedRestrictedHalf = fixed.find((r) => r.restrictedLoss < fixed[0].restrictedLoss / 2)?.step ?? null;
  const fixedExcludedRise = fixed.find((r) => r.step > 0 && r.excludedLoss > r.trainLoss + 1)?.step ?? null;
  const series = readouts.map((r, i) => ({
    step: r.step,
    testAcc: accAt(r.step),
    trainLoss: r.trainLoss,
    restrictedLoss: r.restrictedLoss,
    excludedLoss: r.excludedLoss,
    fixedRestrictedLoss: fixed[i].restrictedLoss,
    fixedExcludedLoss: fixed[i].excludedLoss,
    top6Share: r.top6Share,
    key: r.key,
  }));
  results.push({ seed, train99: run.train99, test95: run.grokked, restrictedHalf, excludedRise, fixedRestrictedHalf, fixedExcludedRise, final, series });
  console.log(`\nseed ${seed}: 99% train at ${run.train99}, 95% held-out at ${run.grokked}`);
  console.log(
    `step | held-out acc | train loss | restricted / excluded loss (key set of that step) | restricted / excluded loss (final key set ${final.key.join(',')}) | top-6 share | key frequencies`,
  );
  for (const s of series.filter((_, i) => i % 4 === 0 || i === series.length - 1))
    console.log(
      [
        s.step,
        s.testAcc.toFixed(3),
        s.trainLoss.toFixed(4),
        `${s.restrictedLoss.toFixed(3)} / ${s.excludedLoss.toFixed(3)}`,
        `${s.fixedRestrictedLoss.toFixed(3)} / ${s.fixedExcludedLoss.toFixed(3)}`,
        s.top6Share.toFixed(3),
        s.key.join(',') || '—',
      ].join(' | '),
    );
}

const K = results[0].final.embedShares.length;
console.log(`\nsummary (${presetName}, ${steps} steps, Fourier every ${every}; ${K} frequencies, equal share of 6 = ${(6 / K).toFixed(3)})`);
console.log(
  'seed | 95% held-out | restricted < ½·initial (own / final key set) | excluded > train + 1 nat (own / final) | final top-6 share | final top-1 share | key frequencies (final) | first-layer top-6 share',
);
for (const r of results) {
  const sorted = [...r.final.embedShares].sort((a, b) => b - a);
  const fl = [...r.final.firstLayerShares]
    .sort((a, b) => b - a)
    .slice(0, 6)
    .reduce((a, b) => a + b, 0);
  console.log(
    [
      r.seed,
      r.test95,
      `${r.restrictedHalf} / ${r.fixedRestrictedHalf}`,
      `${r.excludedRise} / ${r.fixedExcludedRise}`,
      r.final.top6Share.toFixed(3),
      sorted[0].toFixed(3),
      r.final.key.join(',') || '—',
      fl.toFixed(3),
    ].join(' | '),
  );
}
if (out) writeFileSync(out, JSON.stringify(results));
