/**
 * A matrix as an image on a canvas (crisp cells at any size), with a colour bar.
 */
import { memo, useEffect, useRef } from 'react';
import { useLab } from '../store';
import { prepareCanvas } from './canvas';
import { useSize } from './useSize';

export interface HeatmapProps {
  rows: number;
  cols: number;
  /** row-major values */
  data: ArrayLike<number>;
  /** value → colour, after scaling to [lo, hi] → [0, 1] */
  color: (t: number) => string;
  domain: [number, number];
  rowLabel: string;
  colLabel: string;
  /** colour-bar end labels */
  lowLabel?: string;
  highLabel?: string;
  /** keep cells square */
  square?: boolean;
}

function HeatmapChart(p: HeatmapProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const { width, height } = useSize(wrap);
  const presenter = useLab((s) => s.presenter);

  useEffect(() => {
    const prepared = prepareCanvas(canvas.current, width, height, presenter);
    if (!prepared) return;
    const { ctx, t } = prepared;
    const pad = { left: t.font + 34, top: 4, bottom: t.font + 24, right: 4 };
    let w = width - pad.left - pad.right;
    let h = height - pad.top - pad.bottom;
    if (p.square) {
      const s = Math.min(w / p.cols, h / p.rows);
      w = s * p.cols;
      h = s * p.rows;
    }
    const cw = w / p.cols;
    const ch = h / p.rows;
    const [lo, hi] = p.domain;
    const span = hi - lo || 1;
    for (let i = 0; i < p.rows; i++)
      for (let j = 0; j < p.cols; j++) {
        ctx.fillStyle = p.color((p.data[i * p.cols + j] - lo) / span);
        // +0.5 overlaps neighbours so no hairline seams appear between cells
        ctx.fillRect(pad.left + j * cw, pad.top + i * ch, cw + 0.5, ch + 0.5);
      }
    ctx.fillStyle = t.muted;
    ctx.font = `${t.font}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.fillText(p.colLabel, pad.left + w / 2, pad.top + h + t.font + 2);
    ctx.save();
    ctx.translate(t.font, pad.top + h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(p.rowLabel, 0, 0);
    ctx.restore();
    // colour bar, labelled at its two ends
    const by = pad.top + h + t.font + 8;
    const bw = Math.min(w, 160);
    for (let k = 0; k < bw; k++) {
      ctx.fillStyle = p.color(k / (bw - 1));
      ctx.fillRect(pad.left + k, by, 1.5, 8);
    }
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'right';
    ctx.fillText(p.lowLabel ?? fmtEnd(lo), pad.left - 4, by + 8);
    ctx.textAlign = 'left';
    ctx.fillText(p.highLabel ?? fmtEnd(hi), pad.left + bw + 4, by + 8);
  }, [p, width, height, presenter]);

  return (
    <div className="chart-wrap" ref={wrap}>
      <canvas ref={canvas} style={{ width, height }} role="img" aria-label={`${p.rowLabel} × ${p.colLabel} heatmap`} />
    </div>
  );
}

const fmtEnd = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(2));

export const Heatmap = memo(HeatmapChart);
