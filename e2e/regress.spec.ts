/**
 * The regress task in the lab: MSE readouts in place of accuracy (which is not
 * defined for real-valued targets), and the curves chart MSE on a log axis.
 */
import { expect, test } from '@playwright/test';
import { artifact, collectPageErrors, readNumber, waitForStepAbove } from './helpers';

test('regress preset trains and shows MSE, never an accuracy', async ({ page }) => {
  const errors = collectPageErrors(page);
  await page.goto('/?preset=regress&autoplay=1');
  await waitForStepAbove(page, 0);
  await expect(page.getByTestId('train-acc')).toHaveCount(0);
  await expect(page.getByTestId('test-acc')).toHaveCount(0);
  // at init the student's outputs are O(1) against unit-variance targets: train MSE ≈ 1;
  // the preset interpolates within a few hundred steps
  await expect.poll(() => readNumber(page, 'train-mse'), { timeout: 120_000 }).toBeLessThan(0.2);
  expect(await readNumber(page, 'test-mse')).toBeGreaterThan(0);
  await expect(page.locator('.panel.curves')).toContainText('mean squared error');
  await page.locator('.panel.curves').screenshot({ path: artifact('curves-regress.png') });
  expect(errors).toEqual([]);
});
