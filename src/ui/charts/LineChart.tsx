/**
 * A line chart as a function of (series, size): labelled axes with units,
 * optional log axes, vertical event markers and labelled point markers.
 */
import * as d3 from 'd3';
import { memo, useEffect, useRef } from 'react';
import { useLab } from '../store';
import { chartTheme } from './theme';
import { useSize } from './useSize';

export interface Series {
  id: string;
  label: string;
  color: string;
  dash?: string;
  width?: number;
  points: [number, number][];
}

export interface VMarker {
  x: number;
  label: string;
  color: string;
}

export interface PointMarker {
  x: number;
  y: number;
  label: string;
  color: string;
}

export interface LineChartProps {
  series: Series[];
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  /** fixed y domain (accuracy: [0, 1]) */
  yDomain?: [number, number];
  xDomain?: [number, number];
  vMarkers?: VMarker[];
  points?: PointMarker[];
  /** horizontal reference lines */
  hLines?: { y: number; label: string; color: string }[];
  legend?: boolean;
  height?: number;
}

const M = { top: 8, right: 18, bottom: 34, left: 52 };

function LineChartChart(p: LineChartProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const { width, height } = useSize(wrap);
  const presenter = useLab((s) => s.presenter);

  useEffect(() => {
    const svg = d3.select(svgRef.current);
    svg.selectAll('*').remove();
    if (width < 40 || height < 40) return;
    const t = chartTheme(presenter);
    const m = { ...M, bottom: M.bottom + (presenter ? 8 : 0), left: M.left + (presenter ? 16 : 0) };
    // the legend gets its own rows above the plot, so it never hides a line
    const legendRows = p.legend !== false && p.series.length > 1 ? p.series.filter((s, i, a) => a.findIndex((o) => o.label === s.label) === i) : [];
    const longest = Math.max(0, ...legendRows.map((r) => r.label.length));
    const colW = Math.max(presenter ? 150 : 110, longest * t.font * 0.58 + 34);
    const cols = Math.max(1, Math.floor((width - m.left - m.right) / colW));
    if (legendRows.length > 0) m.top += Math.ceil(legendRows.length / cols) * (t.font + 5) + 2;
    const w = width - m.left - m.right;
    const h = height - m.top - m.bottom;
    const all = p.series.flatMap((s) => s.points);
    const finite = all.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!p.yLog || y > 0));
    const xs = finite.map((d) => d[0]);
    const ys = finite.map((d) => d[1]);
    const xMin = p.xLog ? 1 : 0;
    const xd = p.xDomain ?? [xMin, Math.max(xMin + 1, d3.max(xs) ?? 1)];
    const x = (p.xLog ? d3.scaleLog() : d3.scaleLinear()).domain([Math.max(xd[0], xMin), xd[1]]).range([0, w]);
    let yd: [number, number] = p.yDomain ?? [d3.min(ys) ?? 0, d3.max(ys) ?? 1];
    if (!p.yDomain && p.yLog) yd = [Math.max(yd[0], 1e-12), Math.max(yd[1], yd[0] * 10)];
    if (!p.yDomain && !p.yLog && yd[0] === yd[1]) yd = [yd[0] - 1, yd[1] + 1];
    const y = (p.yLog ? d3.scaleLog() : d3.scaleLinear()).domain(yd).range([h, 0]);
    if (!p.yLog && !p.yDomain) y.nice();

    const g = svg.append('g').attr('transform', `translate(${m.left},${m.top})`).attr('font-size', t.font).attr('fill', t.ink);
    const xAxis = d3.axisBottom(x).ticks(Math.max(2, Math.floor(w / 80)), '~s');
    const yTicks = p.yLog ? logTicks(y.domain() as [number, number], Math.max(2, Math.floor(h / 28))) : y.ticks(Math.max(2, Math.floor(h / 40)));
    const yAxis = d3
      .axisLeft(y)
      .tickValues(yTicks)
      .tickFormat((v) => (p.yLog ? powerOfTen(Number(v)) : d3.format('~g')(Number(v))));
    g.append('g')
      .attr('transform', `translate(0,${h})`)
      .call(xAxis)
      .call((a) => a.selectAll('text').attr('font-size', t.font));
    g.append('g')
      .call(yAxis)
      .call((a) => a.selectAll('text').attr('font-size', t.font));
    g.selectAll('.domain, .tick line').attr('stroke', t.muted);
    g.append('g')
      .attr('stroke', t.grid)
      .selectAll('line')
      .data(yTicks)
      .join('line')
      .attr('x1', 0)
      .attr('x2', w)
      .attr('y1', (d) => y(d))
      .attr('y2', (d) => y(d));
    g.append('text')
      .attr('x', w / 2)
      .attr('y', h + m.bottom - 4)
      .attr('text-anchor', 'middle')
      .attr('fill', t.muted)
      .text(p.xLabel);
    g.append('text')
      .attr('transform', `translate(${-m.left + t.font + 1},${h / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .attr('fill', t.muted)
      .text(p.yLabel);

    const clip = `clip-${Math.random().toString(36).slice(2)}`;
    svg.append('defs').append('clipPath').attr('id', clip).append('rect').attr('width', w).attr('height', h);
    const plot = g.append('g').attr('clip-path', `url(#${clip})`);
    for (const hl of p.hLines ?? []) {
      if (!(hl.y >= yd[0] && hl.y <= yd[1])) continue;
      plot.append('line').attr('x1', 0).attr('x2', w).attr('y1', y(hl.y)).attr('y2', y(hl.y)).attr('stroke', hl.color).attr('stroke-dasharray', '6 3').attr('stroke-width', t.stroke);
      g.append('text')
        .attr('x', w - 2)
        .attr('y', y(hl.y) - 3)
        .attr('text-anchor', 'end')
        .attr('fill', hl.color)
        .text(hl.label);
    }
    const line = d3
      .line<[number, number]>()
      .defined(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && (!p.yLog || b > 0) && (!p.xLog || a >= 1))
      .x((d) => x(d[0]))
      .y((d) => y(d[1]));
    for (const s of p.series) {
      plot
        .append('path')
        .attr('d', line(s.points))
        .attr('fill', 'none')
        .attr('stroke', s.color)
        .attr('stroke-width', s.width ?? t.stroke)
        .attr('stroke-dasharray', s.dash ?? null)
        .attr('stroke-linejoin', 'round');
      // a series with one point so far still shows where it is
      const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && (!p.yLog || b > 0) && (!p.xLog || a >= 1));
      if (pts.length === 1)
        plot
          .append('circle')
          .attr('cx', x(pts[0][0]))
          .attr('cy', y(pts[0][1]))
          .attr('r', t.stroke + 2)
          .attr('fill', s.color);
    }
    for (const v of p.vMarkers ?? []) {
      if (p.xLog && v.x < 1) continue;
      const vx = x(v.x);
      plot.append('line').attr('x1', vx).attr('x2', vx).attr('y1', 0).attr('y2', h).attr('stroke', v.color).attr('stroke-dasharray', '3 3').attr('stroke-width', 1.5);
      g.append('text')
        .attr('x', vx + 3)
        .attr('y', t.font)
        .attr('fill', v.color)
        .text(v.label);
    }
    for (const pt of p.points ?? []) {
      if (p.xLog && pt.x < 1) continue;
      const px = x(pt.x);
      const py = y(pt.y);
      plot
        .append('path')
        .attr('d', d3.symbol(d3.symbolDiamond, presenter ? 160 : 70)())
        .attr('transform', `translate(${px},${py})`)
        .attr('fill', pt.color)
        .attr('stroke', t.bg);
      g.append('text')
        .attr('x', px < 80 ? px + 8 : Math.min(px, w - 4))
        .attr('y', py + t.font + 8)
        .attr('text-anchor', px > w - 80 ? 'end' : px < 80 ? 'start' : 'middle')
        .attr('fill', pt.color)
        .attr('font-weight', 600)
        .text(pt.label);
    }
    if (legendRows.length > 0) {
      const lg = svg
        .append('g')
        .attr('transform', `translate(${m.left},${t.font + 2})`)
        .attr('font-size', t.font);
      legendRows.forEach((s, i) => {
        const r = lg.append('g').attr('transform', `translate(${(i % cols) * colW},${Math.floor(i / cols) * (t.font + 5)})`);
        r.append('line')
          .attr('x1', 0)
          .attr('x2', 18)
          .attr('y1', -t.font / 3)
          .attr('y2', -t.font / 3)
          .attr('stroke', s.color)
          .attr('stroke-width', t.stroke + 0.5)
          .attr('stroke-dasharray', s.dash ?? null);
        r.append('text').attr('x', 22).attr('y', 0).attr('fill', t.ink).text(s.label);
      });
    }
  }, [p, width, height, presenter]);

  return (
    <div className="chart-wrap" ref={wrap} style={p.height ? { height: p.height } : undefined}>
      <svg className="chart" ref={svgRef} width={width} height={height} role="img" aria-label={`${p.yLabel} against ${p.xLabel}`} />
    </div>
  );
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** 10^k as "10³", "10⁻²"; other values in short exponent form */
export function powerOfTen(v: number): string {
  const k = Math.log10(v);
  if (Math.abs(k - Math.round(k)) > 1e-9) return d3.format('.1~e')(v);
  const e = Math.round(k);
  if (e === 0) return '1';
  if (e === 1) return '10';
  const digits = String(Math.abs(e))
    .split('')
    .map((c) => SUPERSCRIPT[Number(c)])
    .join('');
  return `10${e < 0 ? '⁻' : ''}${digits}`;
}

/** log-axis ticks at powers of ten, thinned to at most `max` (or 1-2-5 steps inside a single decade) */
export function logTicks([lo, hi]: [number, number], max: number): number[] {
  const a = Math.ceil(Math.log10(lo) - 1e-9);
  const b = Math.floor(Math.log10(hi) + 1e-9);
  if (b - a + 1 < 2)
    return d3
      .scaleLog()
      .domain([lo, hi])
      .ticks(3)
      .filter((v) => [1, 2, 5].includes(Math.round(v / 10 ** Math.floor(Math.log10(v)))));
  const stride = Math.max(1, Math.ceil((b - a + 1) / max));
  const out: number[] = [];
  for (let e = a; e <= b; e += stride) out.push(10 ** e);
  return out;
}

export const LineChart = memo(LineChartChart);
