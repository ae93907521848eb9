/**
 * The double-descent figure from `grokscope sweep --widths … --csv sweep.csv` files:
 * held-out and train error (median over seeds, min–max bar) against P/(n·k) on a log
 * axis, the interpolation threshold P = n·k marked, and — where the runs recorded it —
 * the noise's energy share in the signal channel on a second axis [0, 1].
 * Usage: npx tsx bench/plot-double-descent.ts out.svg "title" label=sweep.csv [label=sweep.json …]
 */
import { readFileSync } from 'node:fs';
import { parseWidthSweep, widthPoints, type Spread, type WidthPoint } from '../src/model/widthSweep';
import { writeFigure } from './svg';

const [out, title, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error('usage: plot-double-descent.ts out.svg "title" label=sweep.csv …');
  process.exit(2);
}
type Point = WidthPoint & { ratio: number };
const sets = inputs.map((arg) => {
  const eq = arg.lastIndexOf('='); // labels may hold '=' (σ=0.5=file.csv)
  const [label, file] = [arg.slice(0, eq), arg.slice(eq + 1)];
  const points: Point[] = widthPoints(parseWidthSweep(readFileSync(file, 'utf8'))).map((w) => ({ ...w, ratio: w.params / w.outputs }));
  return { label, points };
});

const W = 900;
const H = 460;
const M = { l: 70, r: 270, t: 44, b: 56 };
const all = sets.flatMap((s) => s.points);
const xs = all.map((p) => p.ratio);
const ys = all.flatMap((p) => [p.test.min, p.test.max, p.train.min, p.train.max]).filter((v): v is number => v !== null && v > 0);
const [x0, x1] = [Math.log10(Math.min(...xs, 1) / 1.2), Math.log10(Math.max(...xs, 1) * 1.2)];
const [y0, y1] = [Math.floor(Math.log10(Math.min(...ys))), Math.ceil(Math.log10(Math.max(...ys)))];
const x = (r: number) => M.l + ((Math.log10(r) - x0) / (x1 - x0)) * (W - M.l - M.r);
const y = (v: number) => M.t + (1 - (Math.log10(Math.max(v, 10 ** y0)) - y0) / (y1 - y0)) * (H - M.t - M.b);
const yShare = (v: number) => M.t + (1 - v) * (H - M.t - M.b);
const colors = ['#0072B2', '#D55E00', '#009E73', '#E69F00'];
const share = '#CC79A7';
const parts: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${M.l}" y="26" font-size="16" font-family="sans-serif" font-weight="600">${title}</text>`];
const text = (tx: number, ty: number, s: string, anchor = 'start', extra = '') => `<text x="${tx}" y="${ty}" font-size="12" font-family="sans-serif" text-anchor="${anchor}" ${extra}>${s}</text>`;
for (let e = y0; e <= y1; e++) parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#e5e5e5"/>`, text(M.l - 8, y(10 ** e) + 4, `1e${e}`, 'end'));
for (let e = Math.ceil(x0 * 4) / 4; e <= x1; e += 0.25) {
  const r = 10 ** e;
  parts.push(`<line x1="${x(r)}" x2="${x(r)}" y1="${H - M.b}" y2="${H - M.b + 5}" stroke="#333"/>`, text(x(r), H - M.b + 18, r < 1 ? r.toFixed(2) : r.toFixed(1), 'middle'));
}
parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" stroke="#333"/><line x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}" stroke="#333"/>`);
parts.push(`<line x1="${x(1)}" x2="${x(1)}" y1="${M.t}" y2="${H - M.b}" stroke="#999" stroke-dasharray="4,4"/>`, text(x(1) + 4, M.t + 12, 'P = n·k'));
parts.push(text((M.l + W - M.r) / 2, H - 14, 'P / (n·k): trainable parameters per training output (log)', 'middle'));
parts.push(text(18, (M.t + H - M.b) / 2, 'mean squared error per output (log)', 'middle', `transform="rotate(-90 18 ${(M.t + H - M.b) / 2})"`));
const hasShare = all.some((p) => p.noise.median !== null);
if (hasShare) {
  parts.push(`<line x1="${W - M.r}" x2="${W - M.r}" y1="${M.t}" y2="${H - M.b}" stroke="${share}"/>`);
  for (const v of [0, 0.25, 0.5, 0.75, 1]) parts.push(text(W - M.r + 6, yShare(v) + 4, v.toFixed(2), 'start', `fill="${share}"`));
}
const legend: [string, string, string][] = [];
const path = (pts: [number, number][]) => pts.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join('');
sets.forEach((s, i) => {
  const c = colors[i % colors.length];
  const name = sets.length > 1 ? `${s.label}: ` : '';
  const med = (f: (p: Point) => Spread, yy: (v: number) => number) => s.points.filter((p) => f(p).median !== null).map((p) => [x(p.ratio), yy(f(p).median!)] as [number, number]);
  for (const p of s.points)
    if (p.test.min !== null) parts.push(`<line x1="${x(p.ratio)}" x2="${x(p.ratio)}" y1="${y(p.test.min)}" y2="${y(p.test.max!)}" stroke="${c}" stroke-width="1.5" opacity="0.6"/>`);
  parts.push(`<path d="${path(med((p) => p.test, y))}" fill="none" stroke="${c}" stroke-width="2.5"/>`);
  parts.push(`<path d="${path(med((p) => p.train, y))}" fill="none" stroke="${c}" stroke-width="1.5" stroke-dasharray="5,4"/>`);
  legend.push([`${name}held-out MSE`, c, ''], [`${name}train MSE`, c, '5,4']);
  if (hasShare) {
    parts.push(`<path d="${path(med((p) => p.noise, yShare))}" fill="none" stroke="${share}" stroke-width="2" stroke-dasharray="${i ? '2,3' : ''}"/>`);
    legend.push([`${name}noise share in channel`, share, i ? '2,3' : '']);
  }
});
legend.forEach(([label, c, dash], i) => {
  const ly = M.t + 20 + 20 * i;
  parts.push(`<line x1="${W - M.r + 40}" x2="${W - M.r + 66}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2" stroke-dasharray="${dash}"/>`, text(W - M.r + 72, ly + 4, label));
});
parts.push(text(W - M.r + 40, H - M.b + 18, 'bars: min–max over seeds', 'start', 'fill="#666"'));
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>`;
await writeFigure(out, svg, W, H);
console.log(`wrote ${out}`);
