import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * The Content-Security-Policy of the built page, as a meta tag so it travels with
 * the static files to any host. Nothing loads from another origin and no inline
 * script runs; workers are same-origin modules; WebGPU needs no exception. Inline
 * style *attributes* (React's style={…}, d3's .style()) are set through the CSSOM,
 * which style-src does not govern. The dev server is left without it: Vite's hot
 * reload injects inline scripts there.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function cspMeta(): Plugin {
  return {
    name: 'grokscope-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

// The lab is a static site: WGSL files in shaders/ are imported as text (`?raw`),
// training runs in a module Web Worker.
export default defineConfig({
  plugins: [react(), cspMeta()],
  worker: { format: 'es' },
  // two pages: the lab, and the benchmark (/bench.html; TF.js is bundled into it only)
  build: { rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } } },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
