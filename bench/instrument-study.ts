/**
 * The theory study of a `grokscope train --instruments --out run.json` file: the
 * instrument time series beside the accuracy curves, as a table (stdout) and an SVG
 * (+ PNG through headless Chromium when available).
 * Usage: npx tsx bench/instrument-study.ts run.json out.svg "title"
 */
import { readFileSync } from 'node:fs';
import { writeFigure } from './svg';
import { parseRunFile } from '../src/model/runfile';
import type { InstrumentSnapshot } from '../src/theory/instruments';

const [file, out, title] = process.argv.slice(2);
const run = parseRunFile(readFileSync(file, 'utf8'));
const snaps = run.instruments as InstrumentSnapshot[];
if (snaps.length === 0) throw new Error(`${file} has no instruments (train with --instruments)`);
const accAt = (step: number) => {
  let best = run.metrics[0];
  for (const m of run.metrics) if (m.step <= step + 1) best = m;
  return best;
};
const f = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '—' : v.toFixed(d));
console.log('step | train acc | held-out acc | kernel dist | align (trace) | top angle° | W channel dim / rows | share dissipated: labels / clean / noise / g(s) | reservoir/channel G_Q | fidelity');
for (const s of snaps) {
  const m = accAt(s.step);
  const g = s.gramian;
  const angle = s.principalAngles.length ? (Math.max(...s.principalAngles) * 180) / Math.PI : null;
  console.log(
    [
      s.step,
      f(m.trainAcc),
      f(m.testAcc),
      f(s.kernelDistance),
      f(s.alignmentTrace),
      f(angle, 1),
      g ? `${g.channel.decayed} / ${g.rows}` : '—',
      g ? `${f(g.dissipated.labels)} / ${f(g.dissipated.clean)} / ${f(g.dissipated.noise)} / ${f(g.dissipated.gradient)}` : '—',
      g ? f(g.transferRatio, 4) : '—',
      f(s.fidelity),
    ].join(' | '),
  );
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`mean instrument time per call: ${mean(snaps.map((s) => s.timeMs)).toFixed(0)} ms over ${snaps.length} calls`);

// plot: held-out and train accuracy, kernel distance, alignment, channel fraction of the noise
const W = 900;
const H = 420;
const M = { l: 60, r: 230, t: 40, b: 50 };
const maxStep = Math.max(...run.metrics.map((m) => m.step), ...snaps.map((s) => s.step));
const x = (s: number) => M.l + (s / maxStep) * (W - M.l - M.r);
const y = (v: number) => M.t + (1 - v) * (H - M.t - M.b);
const series: { label: string; color: string; dash?: string; pts: [number, number][] }[] = [
  { label: 'held-out accuracy', color: '#D55E00', pts: run.metrics.map((m) => [m.step, m.testAcc ?? NaN]) },
  { label: 'train accuracy', color: '#D55E00', dash: '5,4', pts: run.metrics.map((m) => [m.step, m.trainAcc ?? NaN]) },
  { label: 'kernel distance', color: '#0072B2', pts: snaps.map((s) => [s.step, s.kernelDistance]) },
  { label: 'kernel–target alignment', color: '#009E73', pts: snaps.map((s) => [s.step, s.alignmentTrace]) },
];
if (snaps.some((s) => s.gramian?.dissipated.noise !== null && s.gramian?.dissipated.noise !== undefined))
  series.push({ label: 'label noise dissipated', color: '#CC79A7', pts: snaps.filter((s) => s.gramian?.dissipated.noise != null).map((s) => [s.step, s.gramian!.dissipated.noise!]) });
series.push({ label: 'W channel dim (decayed) / rows', color: '#999999', dash: '2,3', pts: snaps.filter((s) => s.gramian).map((s) => [s.step, s.gramian!.channel.decayed / s.gramian!.rows]) });
const parts = [`<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${M.l}" y="24" font-size="16" font-family="sans-serif" font-weight="600">${title}</text>`];
for (let v = 0; v <= 1.0001; v += 0.25)
  parts.push(
    `<line x1="${M.l}" x2="${W - M.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${M.l - 8}" y="${y(v) + 4}" font-size="12" text-anchor="end" font-family="sans-serif">${v.toFixed(2)}</text>`,
  );
for (let s = 0; s <= maxStep; s += 200) parts.push(`<text x="${x(s)}" y="${H - M.b + 18}" font-size="12" text-anchor="middle" font-family="sans-serif">${s}</text>`);
parts.push(`<text x="${(M.l + W - M.r) / 2}" y="${H - 12}" font-size="13" text-anchor="middle" font-family="sans-serif">training step</text>`);
series.forEach((s, i) => {
  const d = s.pts.map(([a, b], k) => `${k ? 'L' : 'M'}${x(a).toFixed(1)},${y(Math.max(0, Math.min(1, b))).toFixed(1)}`).join('');
  parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
  const ly = M.t + 14 + i * 24;
  parts.push(
    `<line x1="${W - M.r + 12}" x2="${W - M.r + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${W - M.r + 46}" y="${ly + 4}" font-size="12" font-family="sans-serif">${s.label}</text>`,
  );
});
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>\n`;
await writeFigure(out, svg, W, H);
