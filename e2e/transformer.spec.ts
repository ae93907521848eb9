/**
 * The small transformer in the lab: it trains on WebGPU, and the theory views fill
 * with its measurements (dense probe Jacobian, src/theory/network.ts) as they do for
 * the MLP; the Fourier view reads its token embedding and its unembedding.
 */
import { expect, test } from '@playwright/test';
import { collectPageErrors, waitForStepAbove } from './helpers';

test('small transformer: trains, and the kernel, channel/reservoir and Fourier views show its measurements', async ({ page }) => {
  const errors = collectPageErrors(page);
  // a small probe keeps each measurement to a few seconds on SwiftShader's CPU cores
  await page.goto('/?preset=small-transformer&instrumentEvery=20&probeTrain=8&probeTest=8&autoplay=1');
  await waitForStepAbove(page, 0);
  await expect(page.getByTestId('kernel-view').locator('canvas').first()).toBeVisible({ timeout: 150_000 });
  await expect(page.getByTestId('reservoir-view').locator('svg.chart').first()).toBeVisible({ timeout: 150_000 });
  await expect(page.getByTestId('reservoir-view')).not.toContainText('MLP only');
  await expect(page.getByTestId('fourier-view').getByRole('combobox', { name: "which layer's spectrum" })).toContainText('unembedding', { timeout: 60_000 });
  expect(errors).toEqual([]);
});
