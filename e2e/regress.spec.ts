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
  // no group structure, so no Fourier story: the view says why instead of showing label-based numbers
  await expect(page.getByTestId('fourier-view')).toContainText('unavailable for the regress task');
  await page.locator('.panel.curves').screenshot({ path: artifact('curves-regress.png') });
  expect(errors).toEqual([]);
});

test('the double-descent view plots a width sweep loaded from its CSV, and names a bad file', async ({ page }) => {
  const errors = collectPageErrors(page);
  await page.goto('/?preset=regress');
  const view = page.getByTestId('double-descent-view');
  await expect(view).toBeVisible();
  const header = 'width,seed,params,outputs,trainError,testError,trainLoss,testLoss,noiseShare,steps,seconds';
  const rows = [
    [8, 1, 323, 671, 0.2, 0.6, 1, 3, 0.1],
    [8, 2, 323, 671, 0.2, 0.7, 1, 3, 0.2],
    [24, 1, 771, 671, 0.004, 1.9, 0.02, 9, 0.6],
    [24, 2, 771, 671, 0.003, 1.8, 0.02, 9, 0.5],
    [128, 1, 3683, 671, 1e-4, 0.4, 1e-3, 2, 0.2],
  ].map((r) => [...r, 4000, 10].join(','));
  await view.getByTestId('sweep-file').setInputFiles({ name: 'sweep.csv', mimeType: 'text/csv', buffer: Buffer.from([header, ...rows].join('\n') + '\n') });
  await expect(view.locator('svg.chart')).toHaveCount(2); // error vs P/(n·k), and the noise share
  await view.screenshot({ path: artifact('double-descent-view.png') });
  await view.getByTestId('sweep-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('step,trainLoss\n1,2\n') });
  await expect(view.getByRole('alert')).toContainText('bad.csv');
  expect(errors).toEqual([]);
});
