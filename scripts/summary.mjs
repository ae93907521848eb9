// Totals the vitest and Playwright JSON reports into the one line CI reads:
// "N passed, N failed, N skipped". A missing report or an empty suite fails.
import { existsSync, readFileSync } from 'node:fs';

const [unitPath, e2ePath] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

if (existsSync(unitPath)) {
  const u = JSON.parse(readFileSync(unitPath, 'utf8'));
  passed += u.numPassedTests;
  failed += u.numFailedTests;
  skipped += u.numPendingTests + (u.numTodoTests ?? 0);
  if (u.numTotalTests === 0) problems.push('vitest ran no test');
  if (u.numFailedTestSuites > 0 && u.numFailedTests === 0) {
    failed += u.numFailedTestSuites; // a file that failed to load counts as failed
    problems.push(`${u.numFailedTestSuites} test file(s) failed to run`);
  }
  console.log(`unit+gpu: ${u.numPassedTests} passed, ${u.numFailedTests} failed, ${u.numPendingTests} skipped`);
} else problems.push(`no vitest report (${unitPath})`);

if (existsSync(e2ePath)) {
  const e = JSON.parse(readFileSync(e2ePath, 'utf8'));
  const s = e.stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  skipped += s.skipped ?? 0;
  if ((s.expected ?? 0) + (s.unexpected ?? 0) + (s.flaky ?? 0) === 0) problems.push('playwright ran no test');
  for (const err of e.errors ?? []) problems.push(`playwright: ${String(err.message ?? err).split('\n')[0]}`);
  console.log(`e2e: ${(s.expected ?? 0) + (s.flaky ?? 0)} passed, ${s.unexpected ?? 0} failed, ${s.skipped ?? 0} skipped`);
} else problems.push(`no Playwright report (${e2ePath})`);

for (const p of problems) console.log(`problem: ${p}`);
if (problems.length > 0 && failed === 0) failed = problems.length;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
