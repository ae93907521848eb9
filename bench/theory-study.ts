/**
 * The channel/reservoir study over seeds: reads `grokscope train --instruments` run files
 * named PRESET-SEED.json from a folder and prints, per preset and seed, what the theory's
 * story needs — when the net memorised and grokked (src/model/grok.ts), where the labels,
 * their clean part and their noise sit (the decayed channel's share on W's set, the
 * whole-set dissipated share, ker W at the first interval), the prediction error and the
 * per-step stiffness — and draws, per preset, the clean labels' and the noise's
 * decayed-channel share against held-out accuracy over training.
 * Usage: npx tsx bench/theory-study.ts DIR PRESET[,PRESET…] SEEDS OUT_PREFIX
 */
import { readFileSync, existsSync } from 'node:fs';
import { writeFigure } from './svg';
import { parseRunFile } from '../src/model/runfile';
import { grokSteps } from '../src/model/grok';
import type { InstrumentSnapshot } from '../src/theory/instruments';

const [dir, presetList, seedList, outPrefix] = process.argv.slice(2);
const presets = presetList.split(',');
const seeds = seedList.split(',').map(Number);
const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

interface Loaded {
  seed: number;
  snaps: InstrumentSnapshot[];
  metrics: { step: number; trainAcc: number | null; testAcc: number | null }[];
  memorised: number | null;
  grokked: number | null;
}

for (const preset of presets) {
  const runs: Loaded[] = [];
  for (const seed of seeds) {
    const file = `${dir}/${preset}-${seed}.json`;
    if (!existsSync(file)) continue;
    const run = parseRunFile(readFileSync(file, 'utf8'));
    const g = grokSteps(run.metrics);
    runs.push({ seed, snaps: run.instruments as InstrumentSnapshot[], metrics: run.metrics, ...g });
  }
  if (runs.length === 0) continue;
  console.log(`\n### ${preset} (${runs.length} seeds)\n`);
  console.log(
    '| seed | memorised | grokked | W set, rows | ker W at 1st interval (labels / clean / noise share in it) | decayed channel at end | labels / clean / noise in the decayed channel: 1st interval → end | whole-set dissipated share, labels / clean / noise, end | prediction error, median | stiffness η·λ_max per step, median |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    const gs = r.snaps.map((s) => s.gramian).filter((g) => g !== null);
    if (gs.length === 0) continue;
    const first = gs[0];
    const last = gs[gs.length - 1];
    const e0 = first.energy.decayed;
    const e1 = last.energy.decayed;
    console.log(
      `| ${r.seed} | ${r.memorised ?? 'no'} | ${r.grokked ?? 'no'} | ${last.set}, ${last.rows} | ${first.kernelDim} (${f(first.energy.kernel.labels)} / ${f(first.energy.kernel.clean)} / ${f(first.energy.kernel.noise)}) | ${last.channel.decayed} | ${f(e0.labels)} / ${f(e0.clean)} / ${f(e0.noise)} → ${f(e1.labels)} / ${f(e1.clean)} / ${f(e1.noise)} | ${f(last.dissipated.labels)} / ${f(last.dissipated.clean)} / ${f(last.dissipated.noise)} | ${f(median(gs.map((g) => g.predictionError)))} | ${f(median(gs.map((g) => g.stiffnessPerStep)))} |`,
    );
  }
  // the clean labels' decayed-channel share just before and just after the held-out jump (grokking runs)
  const around = runs.filter((r) => r.grokked !== null);
  if (around.length) {
    console.log(
      '\nAround the jump (clean labels — the labels themselves where there is no noise — in the decayed channel, last reading before held-out accuracy first passes 0.5 → first reading after grokked):',
    );
    for (const r of around) {
      const half = r.metrics.find((m) => (m.testAcc ?? 0) >= 0.5)?.step ?? r.grokked!;
      const before = [...r.snaps].reverse().find((s) => s.gramian && s.step < half)?.gramian;
      const after = r.snaps.find((s) => s.gramian && s.step >= r.grokked!)?.gramian;
      const clean = (g: typeof before) => g?.energy.decayed.clean ?? g?.energy.decayed.labels;
      console.log(
        `- seed ${r.seed}: ${f(clean(before))} (step < ${half}) → ${f(clean(after))} (step ≥ ${r.grokked}); channel ${before?.channel.decayed ?? '—'} → ${after?.channel.decayed ?? '—'} of ${after?.rows ?? '—'}; whole-set dissipated share of the labels ${f(before?.dissipated.labels)} → ${f(after?.dissipated.labels)}`,
      );
    }
  }

  // figure: held-out accuracy (solid), clean-label and noise shares in the decayed channel (dashed, dotted)
  const W = 900;
  const H = 380;
  const M = { l: 60, r: 210, t: 40, b: 50 };
  const maxStep = Math.max(...runs.flatMap((r) => r.metrics.map((m) => m.step)));
  const x = (s: number) => M.l + (s / maxStep) * (W - M.l - M.r);
  const y = (v: number) => M.t + (1 - Math.max(0, Math.min(1, v))) * (H - M.t - M.b);
  const colours = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00'];
  const parts = [
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.l}" y="24" font-size="16" font-family="sans-serif" font-weight="600">${preset}: held-out accuracy and where the labels sit (decayed channel share), ${runs.length} seeds</text>`,
  ];
  for (let v = 0; v <= 1.0001; v += 0.25)
    parts.push(
      `<line x1="${M.l}" x2="${W - M.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${M.l - 8}" y="${y(v) + 4}" font-size="12" text-anchor="end" font-family="sans-serif">${v.toFixed(2)}</text>`,
    );
  for (let s = 0; s <= maxStep; s += Math.max(100, Math.round(maxStep / 7 / 100) * 100))
    parts.push(`<text x="${x(s)}" y="${H - M.b + 18}" font-size="12" text-anchor="middle" font-family="sans-serif">${s}</text>`);
  parts.push(`<text x="${(M.l + W - M.r) / 2}" y="${H - 12}" font-size="13" text-anchor="middle" font-family="sans-serif">training step</text>`);
  const path = (pts: [number, number][], colour: string, dash = '') =>
    pts.length
      ? `<path d="${pts.map(([a, b], k) => `${k ? 'L' : 'M'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join('')}" fill="none" stroke="${colour}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`
      : '';
  runs.forEach((r, i) => {
    const c = colours[i % colours.length];
    parts.push(
      path(
        r.metrics.filter((m) => m.testAcc !== null).map((m) => [m.step, m.testAcc!]),
        c,
      ),
    );
    const gs = r.snaps.filter((s) => s.gramian);
    parts.push(
      path(
        // the clean labels; without label noise the labels themselves
        gs.filter((s) => (s.gramian!.energy.decayed.clean ?? s.gramian!.energy.decayed.labels) !== null).map((s) => [s.step, (s.gramian!.energy.decayed.clean ?? s.gramian!.energy.decayed.labels)!]),
        c,
        '6,4',
      ),
    );
    parts.push(
      path(
        gs.filter((s) => s.gramian!.energy.decayed.noise !== null).map((s) => [s.step, s.gramian!.energy.decayed.noise!]),
        c,
        '2,3',
      ),
    );
    parts.push(`<text x="${W - M.r + 12}" y="${M.t + 18 * i + 10}" font-size="13" font-family="sans-serif" fill="${c}">seed ${r.seed}</text>`);
  });
  const ly = M.t + 18 * runs.length + 20;
  parts.push(`<text x="${W - M.r + 12}" y="${ly}" font-size="12" font-family="sans-serif">solid: held-out acc.</text>`);
  parts.push(`<text x="${W - M.r + 12}" y="${ly + 16}" font-size="12" font-family="sans-serif">dashed: clean labels (labels</text>`);
  parts.push(`<text x="${W - M.r + 12}" y="${ly + 30}" font-size="12" font-family="sans-serif">where there is no noise)</text>`);
  parts.push(`<text x="${W - M.r + 12}" y="${ly + 48}" font-size="12" font-family="sans-serif">dotted: label noise</text>`);
  parts.push(`<text x="${W - M.r + 12}" y="${ly + 64}" font-size="12" font-family="sans-serif">(share in the decayed</text>`);
  parts.push(`<text x="${W - M.r + 12}" y="${ly + 80}" font-size="12" font-family="sans-serif">channel of W)</text>`);
  await writeFigure(`${outPrefix}-${preset}.svg`, `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`, W, H);
}
