import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The lab is a static site: WGSL files in shaders/ are imported as text (`?raw`),
// training runs in a module Web Worker.
export default defineConfig({
  plugins: [react()],
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
