/** Downloads: run files, CSV of metrics, PNG of a chart (SVG and canvas layers composited). */

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, filename: string, type: string): void {
  downloadBlob(new Blob([text], { type }), filename);
}

export { metricsCsv } from '../model/csv';

function svgImage(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const r = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(r.width));
  clone.setAttribute('height', String(r.height));
  // charts set colours and fonts as attributes, so the standalone SVG looks the same
  clone.setAttribute('font-family', getComputedStyle(svg).fontFamily);
  const src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(clone))}`;
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('could not render the chart to an image'));
    img.src = src;
  });
}

/** Composites every svg and canvas inside `root` into one PNG, at device resolution. */
export async function exportPng(root: HTMLElement, filename: string): Promise<void> {
  const box = root.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  const out = document.createElement('canvas');
  out.width = Math.ceil(box.width * dpr);
  out.height = Math.ceil(box.height * dpr);
  const ctx = out.getContext('2d');
  if (!ctx) return;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = getComputedStyle(root).backgroundColor || '#fff';
  if (ctx.fillStyle === 'rgba(0, 0, 0, 0)') ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, box.width, box.height);
  for (const el of Array.from(root.querySelectorAll<SVGSVGElement | HTMLCanvasElement>('svg.chart, canvas'))) {
    const r = el.getBoundingClientRect();
    const img = el instanceof HTMLCanvasElement ? el : await svgImage(el);
    ctx.drawImage(img, r.left - box.left, r.top - box.top, r.width, r.height);
  }
  const blob = await new Promise<Blob | null>((res) => out.toBlob(res, 'image/png'));
  if (blob) downloadBlob(blob, filename);
}
