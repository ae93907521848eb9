/**
 * Two small SVG charts of the channel/reservoir view: a sorted spectrum with a
 * threshold line, and stacked 100 % bars (channel vs reservoir share).
 */
import * as d3 from 'd3';
import { memo, useEffect, useRef } from 'react';
import { useLab } from '../store';
import { logTicks, powerOfTen } from './LineChart';
import { chartTheme } from './theme';
import { useSize } from './useSize';

function useSvg(draw: (svg: d3.Selection<SVGSVGElement, unknown, null, undefined>, w: number, h: number, presenter: boolean) => void, deps: unknown[]) {
  const wrap = useRef<HTMLDivElement>(null);
  const ref = useRef<SVGSVGElement>(null);
  const { width, height } = useSize(wrap);
  const presenter = useLab((s) => s.presenter);
  useEffect(() => {
    if (!ref.current) return;
    const svg = d3.select(ref.current);
    svg.selectAll('*').remove();
    if (width > 40 && height > 40) draw(svg, width, height, presenter);
    // `draw` is a new closure every render: the deps list names the data it reads instead
  }, [width, height, presenter, ...deps]);
  return { wrap, ref, width, height };
}

/** eigenvalues (descending) as bars on a log axis; bars at or above `threshold` are the channel */
function SpectrumBarsChart({ values, threshold, label, thresholdLabel }: { values: number[]; threshold: number; label: string; thresholdLabel: string }) {
  const { wrap, ref, width, height } = useSvg(
    (svg, width, height, presenter) => {
      const t = chartTheme(presenter);
      const m = { top: 8, right: 10, bottom: 30 + (presenter ? 8 : 0), left: 52 + (presenter ? 14 : 0) };
      const w = width - m.left - m.right;
      const h = height - m.top - m.bottom;
      const pos = values.map((v) => Math.max(v, 1e-300));
      const lo = Math.min(threshold / 100, d3.min(pos) ?? 1e-12);
      const y = d3
        .scaleLog()
        .domain([Math.max(lo, (d3.max(pos) ?? 1) * 1e-12), Math.max(d3.max(pos) ?? 1, lo * 10)])
        .range([h, 0])
        .clamp(true);
      const x = d3
        .scaleBand<number>()
        .domain(values.map((_, i) => i))
        .range([0, w])
        .padding(0.15);
      const g = svg.append('g').attr('transform', `translate(${m.left},${m.top})`).attr('font-size', t.font);
      g.append('g')
        .selectAll('rect')
        .data(pos)
        .join('rect')
        .attr('x', (_, i) => x(i) ?? 0)
        .attr('width', x.bandwidth())
        .attr('y', (v) => y(v))
        .attr('height', (v) => h - y(v))
        .attr('fill', (v) => (v >= threshold ? t.channel : t.reservoir));
      g.append('g')
        .call(
          d3
            .axisLeft(y)
            .tickValues(logTicks(y.domain() as [number, number], Math.max(2, Math.floor(h / 28))))
            .tickFormat((v) => powerOfTen(Number(v))),
        )
        .call((a) => a.selectAll('text').attr('font-size', t.font));
      g.append('line').attr('x1', 0).attr('x2', w).attr('y1', h).attr('y2', h).attr('stroke', t.muted);
      g.selectAll('.domain, .tick line').attr('stroke', t.muted);
      g.append('line').attr('x1', 0).attr('x2', w).attr('y1', y(threshold)).attr('y2', y(threshold)).attr('stroke', t.ink).attr('stroke-dasharray', '6 3').attr('stroke-width', 1.5);
      g.append('text')
        .attr('x', w - 4)
        .attr('y', y(threshold) - 5)
        .attr('text-anchor', 'end')
        .attr('fill', t.ink)
        .attr('stroke', t.bg)
        .attr('stroke-width', 3)
        .attr('paint-order', 'stroke')
        .attr('font-weight', 600)
        .text(thresholdLabel);
      g.append('text')
        .attr('x', w / 2)
        .attr('y', h + m.bottom - 6)
        .attr('text-anchor', 'middle')
        .attr('fill', t.muted)
        .text(label);
      g.append('text')
        .attr('transform', `translate(${-m.left + t.font + 1},${h / 2}) rotate(-90)`)
        .attr('text-anchor', 'middle')
        .attr('fill', t.muted)
        .text('eigenvalue of W (log)');
    },
    [values, threshold, label],
  );
  return (
    <div className="chart-wrap" ref={wrap}>
      <svg className="chart" ref={ref} width={width} height={height} role="img" aria-label="spectrum of W" />
    </div>
  );
}

export interface SplitRow {
  label: string;
  /** share of energy in the channel, in [0, 1]; null = not defined for this run */
  channel: number | null;
  /** why `channel` is null */
  note?: string;
}

/** one 100 % bar per vector: channel share (left) and reservoir share (right) */
function SplitBarsChart({ rows }: { rows: SplitRow[] }) {
  const { wrap, ref, width, height } = useSvg(
    (svg, width, height, presenter) => {
      const t = chartTheme(presenter);
      const labelW = presenter ? 150 : 104;
      const m = { top: t.font + 10, right: t.font * 3.2, bottom: t.font + 12, left: labelW };
      const w = width - m.left - m.right;
      const h = height - m.top - m.bottom;
      const y = d3
        .scaleBand<string>()
        .domain(rows.map((r) => r.label))
        .range([0, h])
        .padding(0.25);
      const x = d3.scaleLinear().domain([0, 1]).range([0, w]);
      const g = svg.append('g').attr('transform', `translate(${m.left},${m.top})`).attr('font-size', t.font).attr('fill', t.ink);
      // legend
      const lg = svg.append('g').attr('transform', `translate(${m.left},${t.font})`).attr('font-size', t.font);
      lg.append('rect').attr('width', 10).attr('height', 10).attr('y', -9).attr('fill', t.channel);
      lg.append('text').attr('x', 14).attr('fill', t.ink).text('signal channel');
      lg.append('rect')
        .attr('x', 130 + (presenter ? 40 : 0))
        .attr('width', 10)
        .attr('height', 10)
        .attr('y', -9)
        .attr('fill', t.reservoir);
      lg.append('text')
        .attr('x', 144 + (presenter ? 40 : 0))
        .attr('fill', t.ink)
        .text('reservoir');
      for (const r of rows) {
        const yy = y(r.label) ?? 0;
        g.append('text')
          .attr('x', -8)
          .attr('y', yy + y.bandwidth() / 2 + t.font / 3)
          .attr('text-anchor', 'end')
          .attr('fill', t.ink)
          .text(r.label);
        if (r.channel === null) {
          g.append('text')
            .attr('x', 4)
            .attr('y', yy + y.bandwidth() / 2 + t.font / 3)
            .attr('fill', t.muted)
            .text(r.note ?? 'n/a for this run');
          continue;
        }
        const c = Math.max(0, Math.min(1, r.channel));
        g.append('rect').attr('x', 0).attr('y', yy).attr('width', x(c)).attr('height', y.bandwidth()).attr('fill', t.channel);
        g.append('rect')
          .attr('x', x(c))
          .attr('y', yy)
          .attr('width', w - x(c))
          .attr('height', y.bandwidth())
          .attr('fill', t.reservoir);
        g.append('text')
          .attr('x', w + 4)
          .attr('y', yy + y.bandwidth() / 2 + t.font / 3)
          .attr('fill', t.ink)
          .text(`${(100 * c).toFixed(c < 0.1 ? 1 : 0)}%`);
      }
      g.append('g')
        .attr('transform', `translate(0,${h})`)
        .call(d3.axisBottom(x).ticks(4, '.0%'))
        .call((a) => a.selectAll('text').attr('font-size', t.font));
      g.selectAll('.domain, .tick line').attr('stroke', t.muted);
    },
    [rows],
  );
  return (
    <div className="chart-wrap" ref={wrap}>
      <svg className="chart" ref={ref} width={width} height={height} role="img" aria-label="channel vs reservoir energy split" />
    </div>
  );
}

/** predicted vs actual held-out change, with the y = x line */
function ScatterChart({ xs, ys, xLabel, yLabel }: { xs: number[]; ys: number[]; xLabel: string; yLabel: string }) {
  const { wrap, ref, width, height } = useSvg(
    (svg, width, height, presenter) => {
      const t = chartTheme(presenter);
      const m = { top: 8, right: 10, bottom: 30, left: 52 };
      const w = width - m.left - m.right;
      const h = height - m.top - m.bottom;
      const ext = d3.extent([...xs, ...ys].filter(Number.isFinite)) as [number, number];
      const lim = Math.max(Math.abs(ext[0] ?? 1), Math.abs(ext[1] ?? 1), 1e-9);
      const x = d3.scaleLinear().domain([-lim, lim]).range([0, w]);
      const y = d3.scaleLinear().domain([-lim, lim]).range([h, 0]);
      const g = svg.append('g').attr('transform', `translate(${m.left},${m.top})`).attr('font-size', t.font);
      g.append('line').attr('x1', x(-lim)).attr('y1', y(-lim)).attr('x2', x(lim)).attr('y2', y(lim)).attr('stroke', t.grid).attr('stroke-width', 2);
      g.append('g')
        .selectAll('circle')
        .data(xs.map((v, i) => [v, ys[i]]))
        .join('circle')
        .attr('cx', (d) => x(d[0]))
        .attr('cy', (d) => y(d[1]))
        .attr('r', presenter ? 3.5 : 2.2)
        .attr('fill', t.channel)
        .attr('fill-opacity', 0.7);
      g.append('g').attr('transform', `translate(0,${h})`).call(d3.axisBottom(x).ticks(4));
      g.append('g').call(d3.axisLeft(y).ticks(4));
      g.selectAll('.domain, .tick line').attr('stroke', t.muted);
      g.append('text')
        .attr('x', w / 2)
        .attr('y', h + m.bottom - 4)
        .attr('text-anchor', 'middle')
        .attr('fill', t.muted)
        .text(xLabel);
      g.append('text')
        .attr('transform', `translate(${-m.left + t.font + 1},${h / 2}) rotate(-90)`)
        .attr('text-anchor', 'middle')
        .attr('fill', t.muted)
        .text(yLabel);
    },
    [xs, ys, xLabel, yLabel],
  );
  return (
    <div className="chart-wrap" ref={wrap}>
      <svg className="chart" ref={ref} width={width} height={height} role="img" aria-label={`${yLabel} against ${xLabel}`} />
    </div>
  );
}

export const SpectrumBars = memo(SpectrumBarsChart);

export const SplitBars = memo(SplitBarsChart);

export const Scatter = memo(ScatterChart);
