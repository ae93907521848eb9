import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The lab is a static site: WGSL files in shaders/ are imported as text (`?raw`),
// training runs in a module Web Worker.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
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
