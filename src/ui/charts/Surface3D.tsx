/**
 * A height field drawn as a lit, shaded 3-D surface on a 2-D canvas: orthographic
 * projection, quads painted back to front, Lambert shading (ambient + diffuse from
 * a fixed light), colour by signed height. Drag to rotate; double-click resets.
 */
import { prepareCanvas } from './canvas';
import { memo, useEffect, useRef, useState } from 'react';
import { useLab } from '../store';
import { divergingColor } from './theme';
import { useSize } from './useSize';

export interface Surface3DProps {
  m: number;
  /** m×m heights, row-major */
  data: ArrayLike<number>;
  /** the surface is drawn at most this many cells a side (block-averaged) */
  maxGrid?: number;
}

type Vec3 = [number, number, number];
const AMBIENT = 0.35;
const LIGHT: Vec3 = normalise([-0.4, -0.5, 0.77]);

function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** block-average an m×m field to at most g×g */
function downsample(data: ArrayLike<number>, m: number, g: number): { n: number; z: Float64Array } {
  const n = Math.min(m, g);
  const z = new Float64Array(n * n);
  const cnt = new Float64Array(n * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      const k = Math.floor((i * n) / m) * n + Math.floor((j * n) / m);
      z[k] += data[i * m + j];
      cnt[k]++;
    }
  for (let k = 0; k < n * n; k++) z[k] /= cnt[k] || 1;
  return { n, z };
}

function Surface3DChart({ m, data, maxGrid = 48 }: Surface3DProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const { width, height } = useSize(wrap);
  const presenter = useLab((s) => s.presenter);
  const [view, setView] = useState({ az: -0.6, el: 0.95 });
  const drag = useRef<{ x: number; y: number; az: number; el: number } | null>(null);

  useEffect(() => {
    const prepared = m < 2 ? null : prepareCanvas(canvas.current, width, height, presenter);
    if (!prepared) return;
    const { ctx, t } = prepared;
    const { n, z } = downsample(data, m, maxGrid);
    let zMax = 0;
    for (const v of z) zMax = Math.max(zMax, Math.abs(v));
    const zs = zMax > 0 ? 0.55 / zMax : 0;
    const ca = Math.cos(view.az);
    const sa = Math.sin(view.az);
    const ce = Math.cos(view.el);
    const se = Math.sin(view.el);
    // world (x, y in [−1, 1], z up) → view: rotate about z by az, then tilt about x by el
    const rot = (x: number, y: number, zz: number): Vec3 => {
      const x1 = ca * x - sa * y;
      const y1 = sa * x + ca * y;
      return [x1, ce * y1 - se * zz, se * y1 + ce * zz];
    };
    const scale = Math.min(width * 0.34, height * 0.5);
    const cx = width / 2;
    const cy = height / 2 + 6;
    const P: Vec3[] = new Array((n + 1) * (n + 1));
    // vertices at cell corners; corner height = mean of the adjacent cells
    for (let i = 0; i <= n; i++)
      for (let j = 0; j <= n; j++) {
        let s = 0;
        let k = 0;
        for (const [a, b] of [
          [i - 1, j - 1],
          [i - 1, j],
          [i, j - 1],
          [i, j],
        ])
          if (a >= 0 && b >= 0 && a < n && b < n) {
            s += z[a * n + b];
            k++;
          }
        P[i * (n + 1) + j] = rot((2 * j) / n - 1, (2 * i) / n - 1, (s / k) * zs);
      }
    const quads: { depth: number; i: number; j: number }[] = [];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const a = P[i * (n + 1) + j];
        const d = P[(i + 1) * (n + 1) + j + 1];
        quads.push({ depth: (a[2] + d[2]) / 2, i, j });
      }
    // painter's algorithm: the third view coordinate grows toward the viewer, so draw small first
    quads.sort((q1, q2) => q1.depth - q2.depth);
    const sx = (v: Vec3) => cx + v[0] * scale;
    const sy = (v: Vec3) => cy + v[1] * scale;
    for (const q of quads) {
      const a = P[q.i * (n + 1) + q.j];
      const b = P[q.i * (n + 1) + q.j + 1];
      const d = P[(q.i + 1) * (n + 1) + q.j + 1];
      const e = P[(q.i + 1) * (n + 1) + q.j];
      const u: Vec3 = [d[0] - a[0], d[1] - a[1], d[2] - a[2]];
      const v: Vec3 = [e[0] - b[0], e[1] - b[1], e[2] - b[2]];
      const nrm = normalise([u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]);
      const lambert = Math.abs(nrm[0] * LIGHT[0] + nrm[1] * LIGHT[1] + nrm[2] * LIGHT[2]);
      const shade = AMBIENT + (1 - AMBIENT) * lambert;
      const base = divergingColor(zMax > 0 ? z[q.i * n + q.j] / zMax : 0);
      ctx.fillStyle = shadeColor(base, shade);
      ctx.strokeStyle = ctx.fillStyle;
      ctx.beginPath();
      ctx.moveTo(sx(a), sy(a));
      ctx.lineTo(sx(b), sy(b));
      ctx.lineTo(sx(d), sy(d));
      ctx.lineTo(sx(e), sy(e));
      ctx.closePath();
      ctx.fill();
      ctx.lineWidth = 0.6;
      ctx.stroke();
    }
    ctx.fillStyle = t.muted;
    ctx.font = `${t.font}px system-ui, sans-serif`;
    ctx.fillText(`max |ΔK_c| = ${zMax.toPrecision(2)}   (drag to rotate)`, 6, height - 6);
  }, [m, data, maxGrid, width, height, presenter, view]);

  const onDown = (e: React.PointerEvent) => {
    (e.target as Element).setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, ...view };
  };
  const onMove = (e: React.PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    setView({ az: d.az + (e.clientX - d.x) * 0.01, el: Math.max(0.05, Math.min(1.5, d.el + (e.clientY - d.y) * 0.01)) });
  };
  return (
    <div className="chart-wrap surface" ref={wrap}>
      <canvas
        ref={canvas}
        style={{ width, height, cursor: 'grab', touchAction: 'none' }}
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={() => (drag.current = null)}
        onDoubleClick={() => setView({ az: -0.6, el: 0.95 })}
        role="img"
        aria-label="deformed kernel surface"
      />
    </div>
  );
}

/** multiplies an rgb(...) or #rrggbb colour by a shade factor */
function shadeColor(c: string, s: number): string {
  let r: number, g: number, b: number;
  if (c.startsWith('#')) [r, g, b] = [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  else [r, g, b] = (c.match(/\d+/g) ?? ['0', '0', '0']).map(Number);
  return `rgb(${Math.round(r * s)},${Math.round(g * s)},${Math.round(b * s)})`;
}

export const Surface3D = memo(Surface3DChart);
