/** Writes an SVG figure, and a PNG of it through headless Chromium when /usr/bin/chromium exists. */
import { existsSync, writeFileSync } from 'node:fs';

export async function writeFigure(out: string, svg: string, width: number, height: number): Promise<void> {
  writeFileSync(out, svg);
  if (!existsSync('/usr/bin/chromium')) return;
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width, height } });
  await page.setContent(`<body style="margin:0">${svg}</body>`);
  await page.screenshot({ path: out.replace(/\.svg$/, '.png') });
  await browser.close();
}
