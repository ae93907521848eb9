#!/usr/bin/env node
/**
 * npm run bench:browser [-- --port N --query "sizes=small&rounds=1" --out docs/bench-browser --no-build]
 *
 * Builds the site, serves it (vite preview), opens /bench.html in headless Chromium
 * (Debian's /usr/bin/chromium, or CHROMIUM=path) with WebGPU and WebGL on, streams
 * the page's log, and writes the record it leaves in data-testid=bench-result as
 * <out>.json and <out>.md. Exits non-zero when the page reports an error.
 */
/* global document */
import { chromium } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const port = Number(opt('port', process.env.E2E_PORT ?? '4180'));
const query = opt('query', '');
const out = opt('out', 'docs/bench-browser');
const timeoutMin = Number(opt('timeout-min', '60'));

if (!args.includes('--no-build')) {
  const b = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
const stop = () => {
  try {
    process.kill(-server.pid);
  } catch {
    /* already gone */
  }
};
process.on('exit', stop);
await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => String(d).includes(`${port}`) && resolve());
  server.on('exit', (code) => reject(new Error(`vite preview exited (${code})`)));
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
});
let code = 0;
try {
  const page = await browser.newPage();
  page.on('console', (m) => m.type() !== 'debug' && process.stdout.write(`${m.text()}\n`));
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await page.goto(`http://127.0.0.1:${port}/bench.html${query ? `?${query}` : ''}`);
  const done = page.locator('[data-testid="bench-status"]');
  await page.waitForFunction(() => /^(done|benchmark failed)/.test(document.querySelector('[data-testid="bench-status"]')?.textContent ?? ''), null, { timeout: timeoutMin * 60_000, polling: 1000 });
  const status = (await done.textContent()) ?? '';
  if (status.startsWith('benchmark failed')) throw new Error(status);
  const json = await page.getByTestId('bench-result').textContent();
  const md = await page.getByTestId('bench-markdown').textContent();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, json ?? '');
  writeFileSync(`${out}.md`, md ?? '');
  process.stdout.write(`\n${md}\nwrote ${out}.json and ${out}.md\n`);
} catch (err) {
  process.stderr.write(`bench:browser failed: ${err instanceof Error ? err.message : String(err)}\n`);
  code = 1;
} finally {
  await browser.close();
  stop();
}
process.exit(code);
