#!/usr/bin/env bash
# The README's test command runs this (after npm ci): type check, unit + GPU tests
# (vitest on Dawn), the end-to-end tests in real headless Chromium with WebGPU
# (Playwright), then one summary line totalling every suite. A suite that ran no test,
# or a missing WebGPU adapter, is a failure.
set -u
cd "$(dirname "$0")/.."
mkdir -p test-results
rm -f test-results/unit.json test-results/e2e.json

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium (WebGPU through SwiftShader, for Dawn and the e2e tests)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || { echo "apt-get install chromium failed"; exit 1; }
  else
    echo "error: /usr/bin/chromium is missing. Install Debian's chromium package (sudo apt-get install chromium): the GPU tests use its SwiftShader Vulkan driver and the e2e tests use the browser." >&2
    exit 1
  fi
fi

status=0
echo "== type check"
npx tsc --noEmit -p tsconfig.json || status=1

echo "== format (prettier --check)"
npx prettier --check . || status=1

echo "== lint (eslint, TypeScript-aware)"
npx eslint . || status=1

echo "== unit and GPU tests (vitest, WebGPU through Dawn)"
bash scripts/with-dawn.sh npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/unit.json || status=1

echo "== mutation check (each plausible wiring slip in src/theory, the wide matmul kernels or the first layer's p-row path must fail their tests)"
bash scripts/with-dawn.sh node scripts/mutation-check.mjs || status=1

echo "== end-to-end tests (Playwright, headless Chromium with WebGPU)"
npx playwright test || status=1

node scripts/summary.mjs test-results/unit.json test-results/e2e.json || status=1
exit $status
