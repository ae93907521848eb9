/** Shared steps of the end-to-end tests: reading readouts, waiting for training, saving artifacts. */
import { expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const ARTIFACTS = 'e2e-artifacts';

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** a readout as a number (readouts are plain numbers by contract); NaN while it shows "—" */
export async function readNumber(page: Page, testid: string): Promise<number> {
  const text = (await page.getByTestId(testid).textContent()) ?? '';
  return Number(text.trim());
}

export async function waitForStepAbove(page: Page, min: number, timeout = 120_000): Promise<number> {
  await expect.poll(() => readNumber(page, 'step-count'), { timeout, message: `step count should pass ${min}` }).toBeGreaterThan(min);
  return readNumber(page, 'step-count');
}

/** fails the test on any uncaught page error (a crash is never acceptable, even on bad input) */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** waits until the step count stops changing (after a pause, the last in-flight steps land) */
export async function settledStep(page: Page): Promise<number> {
  let prev = -1;
  let cur = await readNumber(page, 'step-count');
  while (cur !== prev) {
    prev = cur;
    await page.waitForTimeout(600);
    cur = await readNumber(page, 'step-count');
  }
  return cur;
}
