/**
 * The lecture contract (issue 10): the bare URL opens the lecture preset with the
 * instruments on and shows the kernel, channel/reservoir and Fourier views with
 * data within 30 s; every story screen fits 1280×720 without scrollbars, shows its
 * number and its named views (screenshots go to docs/); axe-core finds no
 * violations on any preset or story screen; every control is reachable by Tab.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { STORY_STEPS } from '../src/ui/story';
import { PRESETS } from '../src/config/presets';
import { collectPageErrors, waitForStepAbove } from './helpers';

// evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern, unlike an injected <script>
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now: rule id and the first offending selectors */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document);
  });
  return result.violations.map(
    (v) =>
      `${v.id}: ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join(' | ')}`,
  );
}

/** a view holds a chart (canvas or svg), not the waiting placeholder */
async function expectChart(page: Page, testid: string, timeout: number) {
  await expect(page.getByTestId(testid).locator('canvas, svg.chart').first()).toBeVisible({ timeout });
}

test('the bare URL opens the lecture preset, playing, and the theory views fill with data within 30 s', async ({ page }) => {
  const errors = collectPageErrors(page);
  const t0 = Date.now();
  // one 30 s budget from the navigation to the last view's chart
  const left = () => Math.max(1, 30_000 - (Date.now() - t0));
  await page.goto('/');
  await expect(page.getByTestId('first-visit')).toBeVisible({ timeout: left() });
  await expect(page.locator('#setting-p')).toHaveValue('23', { timeout: left() });
  await expect(page.locator('#setting-instrumentEvery')).toHaveValue('25', { timeout: left() });
  await waitForStepAbove(page, 0, left());
  for (const id of ['kernel-view', 'fourier-view', 'reservoir-view']) {
    await expectChart(page, id, left());
    console.log(`${id} holds data after ${((Date.now() - t0) / 1000).toFixed(1)} s; ${await page.getByTestId('kernel-view').locator('.cost').innerText()}`);
  }
  const seconds = (Date.now() - t0) / 1000;
  console.log(`bare URL: kernel, channel/reservoir and Fourier views hold data after ${seconds.toFixed(1)} s`);
  expect(seconds).toBeLessThan(30);
  // the Fourier view names the group it reads the embedding on
  await expect(page.getByTestId('fourier-view')).toContainText('ℤ_23');
  expect(errors).toEqual([]);
});

test('story mode: each screen fits 1280×720, shows its number and views, and → ← step through them', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1280, height: 720 });
  const errors = collectPageErrors(page);
  await page.goto('/?story=1');
  await waitForStepAbove(page, 30, 120_000);
  for (let n = 1; n <= STORY_STEPS.length; n++) {
    const step = page.getByTestId('story-step');
    await expect(step).toHaveAttribute('data-step', String(n));
    await expect(step).toContainText(`Step ${n} of ${STORY_STEPS.length}`);
    await expect(page).toHaveURL(new RegExp(`story=${n}`));
    for (const v of STORY_STEPS[n - 1].views) {
      const sel = v === 'curves' ? '.panel.curves' : v === 'gate' ? '.gate-view' : `[data-testid=${v}-view]`;
      await expect(step.locator(sel)).toBeVisible();
    }
    const overflow = await page.evaluate(() => {
      const el = document.documentElement;
      return { x: el.scrollWidth - el.clientWidth, y: el.scrollHeight - el.clientHeight };
    });
    expect(overflow, `story screen ${n} scrolls`).toEqual({ x: 0, y: 0 });
    expect(await axeViolations(page), `axe on story screen ${n}`).toEqual([]);
    await page.waitForTimeout(1500); // let the charts take the newest data
    await page.screenshot({ path: `docs/story-${n}.png` });
    if (n < STORY_STEPS.length) await page.keyboard.press('ArrowRight');
  }
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('story-step')).toHaveAttribute('data-step', String(STORY_STEPS.length - 1));
  // training went on underneath the whole time
  await waitForStepAbove(page, 60, 60_000);
  expect(errors).toEqual([]);
});

test('axe-core finds no violations on any preset, and every control takes a visible focus', async ({ page }) => {
  test.setTimeout(240_000);
  for (const preset of PRESETS) {
    await page.goto(`/?preset=${preset.name}`);
    await expect(page.getByTestId('fourier-view')).toBeVisible();
    expect(await axeViolations(page), `axe on preset ${preset.name}`).toEqual([]);
  }
  // a formula opens typeset by KaTeX (loaded on demand), never as raw TeX
  await page.goto('/?preset=tiny');
  await page
    .locator('.panel.curves')
    .getByRole('button', { name: /formula of/ })
    .click();
  await expect(page.locator('.panel.curves .katex').first()).toBeVisible();
  expect(await page.locator('body').innerText()).not.toMatch(/\\(frac|mathcal|lVert)|_\{/);
  expect(await axeViolations(page), 'axe with a formula open').toEqual([]);
  // Tab walks through the controls from the top of a fresh page; each focused one shows an outline
  await page.goto('/?preset=tiny');
  await expect(page.getByTestId('play')).toBeEnabled(); // transport buttons wait for the worker
  const reached: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      return {
        name: `${el.tagName.toLowerCase()}:${el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 20)}`,
        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
      };
    });
    expect(focus, `Tab ${i + 1} reached a control (after ${reached.slice(-3).join(', ')})`).not.toBeNull();
    expect(focus!.outline, `Tab ${i + 1}: ${focus!.name} shows a focus ring`).toBe(true);
    reached.push(focus!.name);
  }
  expect(reached).toContain('button:play');
  // the ƒ button works from the keyboard too
  const fButton = page.getByRole('button', { name: 'formula of Learning curves' });
  await fButton.press('Enter');
  await expect(fButton).toHaveAttribute('aria-expanded', 'true');
  await expect(page.locator('.panel.curves .katex').first()).toBeVisible();
});
