/**
 * Without WebGPU the page explains why and how to enable it, and the tiny preset
 * still trains, on the CPU reference in the worker. Runs in the `no-webgpu`
 * project (Chromium launched with --disable-webgpu: navigator.gpu exists but
 * yields no adapter, as on Linux without the flag), and once more with
 * navigator.gpu removed from the page altogether.
 */
import { expect, test, type Page } from '@playwright/test';
import { artifact, collectPageErrors, readNumber, waitForStepAbove } from './helpers';

async function expectCpuTraining(page: Page): Promise<void> {
  const panel = page.getByTestId('no-webgpu');
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('CPU reference');
  await expect(panel).toContainText('Chrome or Edge 113+');
  await expect(panel).toContainText('chrome://flags/#enable-unsafe-webgpu');
  const adapter = page.getByTestId('adapter-name');
  await expect(adapter).toHaveAttribute('data-backend', 'cpu');
  await expect(adapter).toContainText('CPU reference');
  const s1 = await waitForStepAbove(page, 0);
  await waitForStepAbove(page, s1);
  // chance is 1/13
  await expect.poll(() => readNumber(page, 'train-acc'), { timeout: 120_000 }).toBeGreaterThan(0.5);
}

test('no adapter: explanation, and the tiny preset trains on the CPU', async ({ page }) => {
  const errors = collectPageErrors(page);
  await page.goto('/?preset=tiny&autoplay=1');
  await expectCpuTraining(page);
  await expect(page.getByTestId('no-webgpu')).toContainText('no GPU adapter');
  await page.screenshot({ path: artifact('no-webgpu.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('no navigator.gpu at all: the same fallback', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto('/?preset=tiny&autoplay=1');
  await expectCpuTraining(page);
  await expect(page.getByTestId('no-webgpu')).toContainText('navigator.gpu is missing');
});
