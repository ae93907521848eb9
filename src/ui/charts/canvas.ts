/** Sizes a canvas for the device pixel ratio and clears it in the chart theme; null when not drawable. */
import { chartTheme } from './theme';

export function prepareCanvas(c: HTMLCanvasElement | null, width: number, height: number, presenter: boolean): { ctx: CanvasRenderingContext2D; t: ReturnType<typeof chartTheme> } | null {
  if (!c || width < 20 || height < 20) return null;
  const dpr = window.devicePixelRatio || 1;
  c.width = Math.floor(width * dpr);
  c.height = Math.floor(height * dpr);
  const ctx = c.getContext('2d');
  if (!ctx) return null;
  const t = chartTheme(presenter);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = t.bg;
  ctx.fillRect(0, 0, width, height);
  return { ctx, t };
}
