/**
 * End-to-end tests in real Chromium (Debian's /usr/bin/chromium; Playwright's own
 * browser download is not used). WebGPU runs on SwiftShader where there is no GPU:
 * slow, hence tiny presets and generous timeouts.
 */
import { defineConfig } from '@playwright/test';

// E2E_PORT lets several checkouts on one machine run their e2e suites side by side.
const PORT = Number(process.env.E2E_PORT ?? 4173);
const BASE_URL = `http://127.0.0.1:${PORT}`;

const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: BASE_URL,
    headless: true,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'webgpu',
      testIgnore: /no-webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: '/usr/bin/chromium', args: [...BASE_ARGS, '--enable-unsafe-webgpu'] } },
    },
    {
      // the same browser with WebGPU switched off: the page must explain and train on the CPU
      name: 'no-webgpu',
      testMatch: /no-webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: '/usr/bin/chromium', args: [...BASE_ARGS, '--disable-webgpu'] } },
    },
  ],
  webServer: {
    command: `npm run build && npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: BASE_URL,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
