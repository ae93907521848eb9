/**
 * Accuracy curves from `grokscope train --csv` files as an SVG (log-step axis), and a
 * PNG of it through headless Chromium when /usr/bin/chromium exists.
 * Usage: npx tsx bench/plot-curves.ts out.svg "title" label=file.csv [label=file.csv …]
 */
import { readFileSync } from 'node:fs';
import { writeFigure } from './svg';

const [out, title, ...series] = process.argv.slice(2);
if (!out || series.length === 0) {
  console.error('usage: plot-curves.ts out.svg "title" label=file.csv …');
  process.exit(2);
}
const W = 900;
const H = 420;
const M = { l: 60, r: 170, t: 40, b: 50 };
const colors = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const data = series.map((s) => {
  const [label, file] = s.split('=');
  const rows = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
  return { label, rows };
});
const maxStep = Math.max(...data.flatMap((d) => d.rows.map((r) => r[0])));
const x = (s: number) => M.l + ((Math.log10(s) - 1) / (Math.log10(maxStep) - 1)) * (W - M.l - M.r);
const y = (a: number) => M.t + (1 - a) * (H - M.t - M.b);
const parts: string[] = [];
parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
parts.push(`<text x="${M.l}" y="24" font-size="16" font-family="sans-serif" font-weight="600">${title}</text>`);
for (let a = 0; a <= 1.0001; a += 0.25)
  parts.push(
    `<line x1="${M.l}" x2="${W - M.r}" y1="${y(a)}" y2="${y(a)}" stroke="#ddd"/><text x="${M.l - 8}" y="${y(a) + 4}" font-size="12" text-anchor="end" font-family="sans-serif">${(a * 100).toFixed(0)}%</text>`,
  );
for (let d = 1; d <= Math.ceil(Math.log10(maxStep)); d++) {
  const s = 10 ** d;
  if (s <= maxStep)
    parts.push(
      `<line x1="${x(s)}" x2="${x(s)}" y1="${M.t}" y2="${H - M.b}" stroke="#eee"/><text x="${x(s)}" y="${H - M.b + 18}" font-size="12" text-anchor="middle" font-family="sans-serif">${s}</text>`,
    );
}
parts.push(`<text x="${(M.l + W - M.r) / 2}" y="${H - 12}" font-size="13" text-anchor="middle" font-family="sans-serif">training step (log scale)</text>`);
data.forEach((d, i) => {
  const c = colors[i % colors.length];
  const path = (col: number) =>
    d.rows
      .filter((r) => r[0] >= 10)
      .map((r, k) => `${k ? 'L' : 'M'}${x(r[0]).toFixed(1)},${y(r[col]).toFixed(1)}`)
      .join('');
  parts.push(`<path d="${path(2)}" fill="none" stroke="${c}" stroke-width="1.5" stroke-dasharray="5,4"/>`);
  parts.push(`<path d="${path(4)}" fill="none" stroke="${c}" stroke-width="2.5"/>`);
  const ly = M.t + 20 + i * 40;
  parts.push(
    `<line x1="${W - M.r + 12}" x2="${W - M.r + 40}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2.5"/><text x="${W - M.r + 46}" y="${ly + 4}" font-size="12" font-family="sans-serif">${d.label} held-out</text>`,
  );
  parts.push(
    `<line x1="${W - M.r + 12}" x2="${W - M.r + 40}" y1="${ly + 16}" y2="${ly + 16}" stroke="${c}" stroke-width="1.5" stroke-dasharray="5,4"/><text x="${W - M.r + 46}" y="${ly + 20}" font-size="12" font-family="sans-serif">${d.label} train</text>`,
  );
});
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>\n`;
await writeFigure(out, svg, W, H);
