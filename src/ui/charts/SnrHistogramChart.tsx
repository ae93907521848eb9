/**
 * The exact gate's per-parameter signal-to-noise histogram: log₁₀ of
 * μ_k² / (σ_k²/(b−1)). The gate's threshold is SNR = 1 (log 0): bars right of the line
 * are parameters the exact-hard rule updates, bars left are held.
 */
import { memo, useRef } from 'react';
import type { SnrHistogram } from '../../model/gate';
import { useLab } from '../store';
import { chartTheme } from './theme';
import { useSize } from './useSize';

function SnrHistogramView({ hist }: { hist: SnrHistogram }) {
  const wrap = useRef<HTMLDivElement>(null);
  const { width, height } = useSize(wrap);
  const t = chartTheme(useLab((s) => s.presenter));
  const m = { top: 8, right: 8, bottom: 30 + t.font, left: 40 + t.font };
  const w = Math.max(10, width - m.left - m.right);
  const h = Math.max(10, height - m.top - m.bottom);
  const lo = hist.edges[0];
  const hi = hist.edges[hist.edges.length - 1];
  const x = (v: number) => m.left + ((v - lo) / (hi - lo)) * w;
  const max = Math.max(1, ...hist.counts);
  const y = (c: number) => m.top + h - (c / max) * h;
  const total = hist.counts.reduce((a, b) => a + b, 0) + hist.noiseless;
  const open = hist.counts.reduce((a, c, i) => a + (hist.edges[i] >= 0 ? c : 0), 0) + hist.noiseless;
  return (
    <div className="chart-wrap" ref={wrap}>
      {width > 20 && (
        <svg className="chart" width={width} height={height} role="img" aria-label="signal-to-noise histogram">
          {hist.counts.map((c, i) => (
            <rect
              key={i}
              x={x(hist.edges[i]) + 0.5}
              width={Math.max(1, x(hist.edges[i + 1]) - x(hist.edges[i]) - 1)}
              y={y(c)}
              height={m.top + h - y(c)}
              fill={hist.edges[i] >= 0 ? t.channel : t.reservoir}
            />
          ))}
          <line x1={x(0)} x2={x(0)} y1={m.top} y2={m.top + h} stroke={t.ink} strokeDasharray="4 3" />
          <text x={x(0) + 4} y={m.top + t.font} fontSize={t.font} fill={t.ink}>
            gate threshold: {total > 0 ? `${((100 * open) / total).toFixed(0)}% above` : ''}
          </text>
          {[-4, -2, 0, 2, 4]
            .filter((v) => v >= lo && v <= hi)
            .map((v) => (
              <text key={v} x={x(v)} y={m.top + h + t.font + 4} fontSize={t.font} fill={t.ink} textAnchor="middle">
                {v === 0 ? '1' : `1e${v}`}
              </text>
            ))}
          <text x={m.left + w / 2} y={height - 6} fontSize={t.font} fill={t.ink} textAnchor="middle">
            μ² / (σ²/(b−1)) per parameter (log scale)
          </text>
          <text transform={`translate(${t.font}, ${m.top + h / 2}) rotate(-90)`} fontSize={t.font} fill={t.ink} textAnchor="middle">
            parameters
          </text>
        </svg>
      )}
    </div>
  );
}

export const SnrHistogramChart = memo(SnrHistogramView);
