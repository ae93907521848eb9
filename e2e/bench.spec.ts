/**
 * The benchmark page (/bench.html) runs end to end in the browser on a small
 * setting and leaves a complete record in data-testid=bench-result: our three
 * steps and TF.js webgl timed, the matmul ceiling with TF.js beside it, copy
 * bandwidth, the instruments' cost and the autotuner's table. No speed is asserted
 * (that is what the record is for); a bad URL parameter is named on the page.
 */
import { expect, test } from '@playwright/test';
import { collectPageErrors } from './helpers';

test('bench.html writes a complete record', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = collectPageErrors(page);
  await page.goto('/bench.html?sizes=small&presets=tiny&rounds=1&minMs=50&tfjs=webgl');
  await expect(page.getByTestId('bench-status')).toHaveText(/^done on /, { timeout: 280_000 });
  const r = JSON.parse((await page.getByTestId('bench-result').textContent()) ?? '{}');
  expect(r.host).toBe('browser');
  expect(r.adapter.length).toBeGreaterThan(0);
  expect(r.versions.tfjs).toBe('4.22.0');
  expect(r.sizes).toHaveLength(1);
  const s = r.sizes[0];
  expect([s.p, s.embed, s.width, s.n]).toEqual([23, 32, 64, 212]);
  for (const k of ['ours', 'ours exact-hard', 'ours stream', 'tfjs webgl']) expect(s.stepsPerSec[k]).toBeGreaterThan(0);
  expect(s.dispatchesPerStep).toBeGreaterThan(0);
  // "kvec8 ×2, block8 ×3, …": every entry names a kept variant
  for (const part of s.kernels.split(', ')) expect(part).toMatch(/^(block4|block8|tiled|kvec|outer4|bvec|kvec8|outer8|bvec8) ×\d+$/);
  // forward, weight gradient, input gradient; each with block4, block8, tiled and the vec4 forms that serve it
  expect(r.matmul).toHaveLength(3);
  r.matmul.forEach((m: { gflops: Record<string, number>; tfjsWebgl: number }, i: number) => {
    expect(m.gflops.block4).toBeGreaterThan(0);
    expect(m.gflops.tiled).toBeGreaterThan(0);
    expect(m.gflops[['kvec', 'outer4', 'bvec'][i]]).toBeGreaterThan(0);
    expect(m.gflops[['kvec8', 'outer8', 'bvec8'][i]]).toBeGreaterThan(0);
    expect(m.gflops.block8).toBeGreaterThan(0);
    expect(m.tfjsWebgl).toBeGreaterThan(0);
  });
  expect(r.copyGBs).toBeGreaterThan(0);
  // the adapter's ceilings, and the markdown's reading of them
  expect(r.ceiling.arithmeticGflops).toBeGreaterThan(0);
  expect(r.ceiling.rowLoadsG).toBeGreaterThan(0);
  // the plain step's products as the engine runs them: the first layer's three over the p = 23 table rows
  // (P = E·W'ᵀ, dW' = Sᵀ·E, dE = S·W', 64 → 64), the head's three over the n = 212 examples (64 → 23)
  expect(s.flopsPerStep).toBe(3 * 2 * (23 * 64 * 64 + 212 * 64 * 23));
  expect(r.instruments[0].preset).toBe('tiny');
  expect(r.instruments[0].share).toBeLessThanOrEqual(0.2 + 1e-9);
  expect(r.tune.length).toBeGreaterThan(0);
  await expect(page.getByTestId('bench-markdown')).toContainText('ours ÷ best TF.js');
  await expect(page.getByTestId('bench-markdown')).toContainText('Adapter ceilings');
  expect(errors).toEqual([]);
});

test('bench.html names a bad URL parameter', async ({ page }) => {
  await page.goto('/bench.html?sizes=huge');
  await expect(page.getByTestId('bench-error')).toContainText('URL parameter sizes: unknown value(s) huge');
});
