/**
 * Records the README's animated capture: the lecture preset grokking in presenter
 * mode (curves, Fourier view, deformed kernel, channel/reservoir), in real
 * Chromium with WebGPU (SwiftShader where there is no GPU). Screenshots every few
 * seconds are assembled into one animated PNG (APNG: the frames' own PNG data in
 * fdAT chunks, no re-encoding, no image library), and the file must stay < 5 MB.
 *
 * Usage: npm run build && npx tsx scripts/record-capture.ts [out=docs/capture.png] [port=4220]
 */
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';

const [out = 'docs/capture.png', portArg = '4220'] = process.argv.slice(2);
const port = Number(portArg);
const base = `http://127.0.0.1:${port}`;
const MAX_BYTES = 5 * 1024 * 1024;
const FRAME_EVERY_MS = 3500;
const MAX_FRAMES = 45;
const FRAME_DELAY_MS = 350;

interface Chunk {
  type: string;
  data: Buffer;
}

function readChunks(png: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    chunks.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + len) });
    at += 12 + len;
  }
  return chunks;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** APNG from same-sized PNG frames: IHDR of the first, acTL, then per frame fcTL + IDAT (first) or fdAT (rest) */
export function assembleApng(frames: Buffer[], delayMs: number[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  const ihdr = readChunks(frames[0]).find((c) => c.type === 'IHDR')!;
  const width = ihdr.data.readUInt32BE(0);
  const height = ihdr.data.readUInt32BE(4);
  parts.push(chunk('IHDR', ihdr.data));
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames.length, 0);
  actl.writeUInt32BE(0, 4); // loop forever
  parts.push(chunk('acTL', actl));
  let seq = 0;
  frames.forEach((png, i) => {
    const chunks = readChunks(png);
    const h = chunks.find((c) => c.type === 'IHDR')!;
    if (!h.data.equals(ihdr.data)) throw new Error(`frame ${i} differs in size or format from frame 0`);
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(seq++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    fctl.writeUInt32BE(0, 12);
    fctl.writeUInt32BE(0, 16);
    fctl.writeUInt16BE(delayMs[i], 20);
    fctl.writeUInt16BE(1000, 22); // delay = delayMs[i] / 1000 s
    fctl.writeUInt8(0, 24); // dispose: none
    fctl.writeUInt8(0, 25); // blend: source
    parts.push(chunk('fcTL', fctl));
    for (const c of chunks.filter((c) => c.type === 'IDAT')) {
      if (i === 0) parts.push(chunk('IDAT', c.data));
      else {
        const sq = Buffer.alloc(4);
        sq.writeUInt32BE(seq++, 0);
        parts.push(chunk('fdAT', Buffer.concat([sq, c.data])));
      }
    }
  });
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(base)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`vite preview did not answer on ${base} (run npm run build first)`);
}

async function main(): Promise<void> {
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
  try {
    await waitForServer();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${base}/?preset=lecture&autoplay=1`);
    await page
      .getByTestId('first-visit')
      .waitFor({ state: 'detached', timeout: 2000 })
      .catch(() => undefined);
    await page.keyboard.press('f');
    // start once every view holds data, so the first frame (what a viewer without APNG shows) is not placeholders
    for (const id of ['fourier-view', 'kernel-view', 'reservoir-view']) await page.getByTestId(id).locator('canvas, svg.chart').first().waitFor({ timeout: 120_000 });
    const frames: Buffer[] = [];
    let groked = -1;
    for (let i = 0; i < MAX_FRAMES; i++) {
      await page.waitForTimeout(FRAME_EVERY_MS);
      frames.push(await page.screenshot({ type: 'png' }));
      const test = Number((await page.getByTestId('test-acc').first().textContent())?.trim());
      const step = (await page.getByTestId('step-count').textContent())?.trim();
      process.stderr.write(`\rframe ${frames.length}: step ${step}, held-out ${test}   `);
      if (groked < 0 && test >= 0.95) groked = i;
      if (groked >= 0 && i >= groked + 4) break; // a few frames after the jump
    }
    await browser.close();
    const delays = frames.map((_, i) => (i === frames.length - 1 ? 3000 : FRAME_DELAY_MS));
    const apng = assembleApng(frames, delays);
    if (apng.length >= MAX_BYTES) throw new Error(`capture is ${(apng.length / 1e6).toFixed(1)} MB, over the 5 MB limit: fewer frames or a smaller viewport`);
    writeFileSync(out, apng);
    if (process.env.CAPTURE_LAST) writeFileSync(process.env.CAPTURE_LAST, frames[frames.length - 1]);
    process.stderr.write(`\nwrote ${out}: ${frames.length} frames, ${(statSync(out).size / 1e6).toFixed(2)} MB${groked < 0 ? ' (held-out accuracy did not reach 95% within the frames)' : ''}\n`);
  } finally {
    if (server.pid) process.kill(-server.pid);
  }
}

await main();
