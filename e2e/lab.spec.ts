/**
 * The lab in real Chromium with WebGPU (SwiftShader where there is no GPU): the
 * PRODUCT.md contract of URL parameters and data-testids, end to end.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { artifact, collectPageErrors, readNumber, settledStep, waitForStepAbove } from './helpers';

test('tiny preset trains on WebGPU and every view renders', async ({ page }) => {
  const errors = collectPageErrors(page);
  await page.goto('/?preset=tiny&autoplay=1');
  const s1 = await waitForStepAbove(page, 0);
  const s2 = await waitForStepAbove(page, s1);
  expect(s2).toBeGreaterThan(s1);
  // chance is 1/p = 1/13; memorisation takes ~75 steps at this preset
  await expect.poll(() => readNumber(page, 'train-acc'), { timeout: 120_000 }).toBeGreaterThan(0.5);
  for (const id of ['kernel-view', 'reservoir-view']) {
    const view = page.getByTestId(id);
    await expect(view).toBeVisible();
    expect((await view.innerText()).trim().length).toBeGreaterThan(20);
  }
  // once the first measurement (step r = 20) lands, the views hold charts, not the placeholder
  await expect(page.getByTestId('kernel-view').locator('canvas').first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('reservoir-view').locator('svg.chart').first()).toBeVisible();
  await page.screenshot({ path: artifact('main-tiny.png'), fullPage: true });
  await page.getByTestId('kernel-view').screenshot({ path: artifact('kernel-view.png') });
  await page.getByTestId('reservoir-view').screenshot({ path: artifact('reservoir-view.png') });
  await page.locator('.panel.curves').screenshot({ path: artifact('curves.png') });
  // any chart exports as a PNG of itself
  const png = page.waitForEvent('download');
  await page.locator('.panel.curves').getByRole('button', { name: 'PNG' }).click();
  const pngFile = await png;
  expect(pngFile.suggestedFilename()).toMatch(/\.png$/);
  expect(
    readFileSync(await pngFile.path())
      .subarray(1, 4)
      .toString(),
  ).toBe('PNG');
  // the contract: a WebGPU adapter trains this run (not the CPU fallback)
  const adapter = page.getByTestId('adapter-name');
  await expect(adapter).toHaveAttribute('data-backend', 'webgpu');
  await expect(adapter).not.toContainText('CPU');
  expect(errors).toEqual([]);
});

test('gate toggled mid-run: open fraction appears and moves, the run goes on', async ({ page }) => {
  await page.goto('/?preset=tiny&autoplay=1');
  const before = await waitForStepAbove(page, 40);
  await expect(page.getByTestId('gate-open-fraction')).toHaveCount(0);
  await page.getByTestId('gate-toggle').click();
  await expect(page.getByTestId('gate-toggle')).toHaveAttribute('aria-pressed', 'true');
  const frac = page.getByTestId('gate-open-fraction');
  await expect(frac).toBeVisible();
  await expect.poll(() => readNumber(page, 'gate-open-fraction'), { timeout: 60_000 }).toBeGreaterThanOrEqual(0);
  const first = await readNumber(page, 'gate-open-fraction');
  expect(first).toBeLessThanOrEqual(1);
  await expect.poll(() => readNumber(page, 'gate-open-fraction'), { timeout: 60_000 }).not.toBe(first);
  // no reset: the step count only grew
  const after = await waitForStepAbove(page, before + 20);
  expect(after).toBeGreaterThan(before);
  await expect(page.locator('.gate-view canvas').first()).toBeVisible({ timeout: 60_000 });
  // the default variant is exact-hard: its per-parameter SNR histogram is drawn, bars and all
  const snr = page.getByRole('img', { name: 'signal-to-noise histogram' });
  await expect(snr).toBeVisible({ timeout: 60_000 });
  expect(await snr.locator('rect').count()).toBeGreaterThan(10);
  await page.locator('.gate-view').screenshot({ path: artifact('gate-view.png') });
});

test('bad URL values are named in a banner, defaults are used, the page works', async ({ page }) => {
  const errors = collectPageErrors(page);
  await page.goto('/?p=12&lr=abc');
  const banner = page.getByTestId('error-banner');
  await expect(banner).toBeVisible();
  await expect(banner.locator('[data-key="p"]')).toContainText('p=12');
  await expect(banner.locator('[data-key="lr"]')).toContainText('lr');
  await expect(banner).toContainText('abc');
  await expect(page.locator('#setting-p')).toHaveValue('23');
  await page.getByTestId('play').click();
  await waitForStepAbove(page, 5);
  await page.screenshot({ path: artifact('bad-url.png') });
  expect(errors).toEqual([]);
});

test('the URL holds the setup: an edit lands in the URL and survives a reload', async ({ page }) => {
  await page.goto('/?preset=tiny');
  await page.locator('#setting-lr').fill('0.003');
  await page.locator('#setting-lr').press('Enter');
  await expect(page).toHaveURL(/[?&]lr=0\.003(&|$)/);
  await page.locator('#setting-width').fill('48');
  await page.locator('#setting-width').press('Enter');
  await expect(page.locator('.pending')).toContainText('width');
  await expect(page).toHaveURL(/[?&]width=48(&|$)/);
  await expect(page).toHaveURL(/[?&]preset=tiny(&|$)/);
  await page.reload();
  await expect(page.locator('#setting-lr')).toHaveValue('0.003');
  await expect(page.locator('#setting-width')).toHaveValue('48');
  await expect(page.locator('.pending')).toHaveCount(0);
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
});

test('export a run, reset, import it: same step, same metrics, and it resumes', async ({ page }, info) => {
  await page.goto('/?preset=tiny&autoplay=1');
  await waitForStepAbove(page, 60);
  await page.getByTestId('pause').click();
  const step = await settledStep(page);
  const trainAcc = await readNumber(page, 'train-acc');
  const testAcc = await readNumber(page, 'test-acc');
  const csvBefore = await downloadCsv(page);

  const download = page.waitForEvent('download');
  await page.getByTestId('export-run').click();
  const file = info.outputPath('run.json');
  await (await download).saveAs(file);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { format: string; step: number };
  expect(json.format).toBe('grokscope-run');
  expect(json.step).toBe(step);

  await page.getByTestId('reset').click();
  await expect(page.getByTestId('step-count')).toHaveText('0');
  await page.getByTestId('import-run').setInputFiles(file);
  await expect(page.getByTestId('step-count')).toHaveText(String(step));
  expect(await readNumber(page, 'train-acc')).toBe(trainAcc);
  expect(await readNumber(page, 'test-acc')).toBe(testAcc);
  expect(await downloadCsv(page)).toBe(csvBefore);

  await page.getByTestId('play').click();
  await waitForStepAbove(page, step);
});

test('a corrupt run file gives a clear message and leaves the run untouched', async ({ page }) => {
  await page.goto('/?preset=tiny');
  await expect(page.getByTestId('play')).toBeEnabled();
  await page.getByTestId('step').click();
  await expect.poll(() => readNumber(page, 'step-count')).toBeGreaterThan(0);
  const step = await settledStep(page);
  await page.getByTestId('import-run').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "grokscope-run", "version": 1, "config": {"p": ') });
  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText('Could not load the run file');
  await expect(banner).toContainText('JSON');
  expect(await readNumber(page, 'step-count')).toBe(step);
  // a well-formed file with a wrong shape is named precisely too
  await page
    .getByTestId('import-run')
    .setInputFiles({ name: 'wrong.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ format: 'grokscope-run', version: 1, config: { p: 12 } })) });
  await expect(banner).toContainText('p=12');
  await page.getByTestId('play').click();
  await waitForStepAbove(page, step);
});

test('keyboard: Space, S, G, R, F', async ({ page }) => {
  await page.goto('/?preset=tiny');
  await expect(page.getByTestId('play')).toBeEnabled();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('pause')).toBeVisible();
  await waitForStepAbove(page, 10);
  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toBeVisible();
  const paused = await settledStep(page);
  await page.keyboard.press('s');
  await expect.poll(() => readNumber(page, 'step-count')).toBeGreaterThan(paused);
  await page.keyboard.press('g');
  await expect(page.getByTestId('gate-toggle')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('g');
  await expect(page.getByTestId('gate-toggle')).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('r');
  await expect(page.getByTestId('step-count')).toHaveText('0');
  await page.keyboard.press('f');
  await expect(page.locator('.app.presenter')).toBeVisible();
  await page.keyboard.press('f');
  await expect(page.locator('.app.presenter')).toHaveCount(0);
});

test('presenter mode fits 1280×720 without scrollbars', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/?preset=lecture&autoplay=1');
  await waitForStepAbove(page, 0);
  await page.keyboard.press('f');
  await expect(page.locator('.app.presenter')).toBeVisible();
  await expect(page.getByTestId('kernel-view')).toBeVisible();
  await expect(page.getByTestId('reservoir-view')).toBeVisible();
  await expect(page.getByTestId('fourier-view')).toBeVisible();
  await page.waitForTimeout(4000);
  const m = await page.evaluate(() => ({
    sh: document.documentElement.scrollHeight,
    sw: document.documentElement.scrollWidth,
    ih: window.innerHeight,
    iw: window.innerWidth,
  }));
  expect(m.sh).toBeLessThanOrEqual(m.ih);
  expect(m.sw).toBeLessThanOrEqual(m.iw);
  await page.screenshot({ path: artifact('presenter-1280x720.png') });
});

test('compare mode races gate off against gate on', async ({ page }) => {
  await page.goto('/?preset=tiny&compare=1&autoplay=1');
  await waitForStepAbove(page, 40);
  await expect(page.getByTestId('train-acc-b')).toBeVisible();
  await expect(page.locator('.lane-tag')).toHaveCount(2);
  await expect(page.locator('.panel.curves svg.chart').first()).toContainText('gate on');
  await expect(page.getByTestId('gate-open-fraction')).toBeVisible();
  await page.waitForTimeout(3000);
  await page.locator('.panel.curves').screenshot({ path: artifact('compare-curves.png') });
});

test('compare mode races the setup against any challenger (vs=OPT+GATE)', async ({ page }) => {
  await page.goto('/?preset=tiny&compare=1&vs=cautious&autoplay=1');
  await waitForStepAbove(page, 30);
  await expect(page.locator('.lane-tag')).toHaveCount(2);
  await expect(page.locator('.panel.curves svg.chart').first()).toContainText('cautious');
  await expect(page.getByTestId('train-acc-b')).toBeVisible();
  expect(page.url()).toContain('vs=cautious');
  // a bad challenger is named in the banner and compare falls back to gate off vs on
  await page.goto('/?preset=tiny&compare=1&vs=rmsprop');
  await expect(page.getByTestId('error-banner')).toContainText('rmsprop');
});

test('UI frame rate while training the lecture preset', async ({ page }) => {
  await page.goto('/?preset=lecture&autoplay=1');
  await waitForStepAbove(page, 0);
  const startStep = await readNumber(page, 'step-count');
  const fps = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let frames = 0;
        const t0 = performance.now();
        const tick = (t: number) => {
          frames++;
          if (t - t0 < 5000) requestAnimationFrame(tick);
          else resolve((frames * 1000) / (t - t0));
        };
        requestAnimationFrame(tick);
      }),
  );
  const endStep = await readNumber(page, 'step-count');
  const backend = await page.getByTestId('adapter-name').getAttribute('data-backend');
  const adapter = await page.getByTestId('adapter-name').textContent();
  const result = { preset: 'lecture', fps: Math.round(fps * 10) / 10, seconds: 5, stepsDuring: endStep - startStep, backend, adapter, measuredAt: new Date().toISOString() };
  console.log(`UI frames per second during training (lecture preset): ${result.fps} (${result.stepsDuring} steps in 5 s on ${adapter})`);
  writeFileSync(artifact('fps.json'), JSON.stringify(result, null, 2) + '\n');
  expect(fps).toBeGreaterThan(5);
  expect(endStep).toBeGreaterThan(startStep);
});

async function downloadCsv(page: Page): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'CSV' }).click();
  const path = await (await download).path();
  return readFileSync(path, 'utf8');
}
