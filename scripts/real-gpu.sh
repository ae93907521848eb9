#!/usr/bin/env bash
# One prepared command for a machine with an NVIDIA GPU (Debian/Ubuntu, root or sudo):
#
#   bash scripts/real-gpu.sh            # results in real-gpu-results/
#
# It installs what it needs (the Vulkan loader, Node 20+, the npm packages of this
# repository), checks that Dawn sees a Vulkan adapter that is not a software one,
# then runs, through Vulkan:
#   1. `grokscope bench` (the Dawn benchmark: three sizes, matmul ceiling per kernel
#      variant, copy bandwidth, the instruments' cost, the autotuner's table), and
#   2. a full paper-preset grokking run (a·b⁻¹ mod 97, 25% train, embed 128, width
#      256, AdamW lr 1e-3, wd 1) until 95% held-out accuracy or PAPER_STEPS steps,
#      with its CSV and run file.
# Peak FP32 of the card (nvidia-smi's name; fill PEAK_TFLOPS for the fraction of peak
# our best matmul reaches) is written beside the bench record.
#
# Knobs (environment): OUT (folder), PAPER_STEPS (default 50000), BENCH_ARGS
# (default: all sizes and presets), ALLOW_SOFTWARE=1 to run on SwiftShader/lavapipe
# (how this script is proven on a machine without a GPU), PEAK_TFLOPS.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-real-gpu-results}
PAPER_STEPS=${PAPER_STEPS:-50000}
BENCH_ARGS=${BENCH_ARGS:-}
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
# only the loader, and only where an NVIDIA driver is: its ICD comes with the driver. (Mesa's
# drivers, which vulkan-tools would pull in, would add lavapipe and change which adapter Dawn takes.)
if command -v nvidia-smi >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
  log "installing the Vulkan loader"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends libvulkan1 >/dev/null
fi
if ! command -v node >/dev/null 2>&1; then
  log "installing Node.js"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node >= 20.19 is needed, found "+process.versions.node); process.exit(1) }'
if [ ! -d node_modules/webgpu ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi

log "GPU and Vulkan"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.csv"
  # NVIDIA's Vulkan ICD ships with the driver; containers need NVIDIA_DRIVER_CAPABILITIES to include graphics
  ls /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null | grep -i nvidia || echo "warning: no NVIDIA Vulkan ICD json found (container? set NVIDIA_DRIVER_CAPABILITIES=all)"
else
  echo "no nvidia-smi: no NVIDIA driver on this machine" | tee "$OUT/gpu.csv"
fi
adapter=$( (node bin/grokscope.mjs bench --sizes small --presets tiny --rounds 1 --min-ms 10 2>&1 || true) | sed -n 's/^grokscope bench on \(.*\) (Dawn)$/\1/p' | head -1)
echo "Dawn adapter: ${adapter:-none}"
if [ -z "$adapter" ]; then echo "Dawn found no WebGPU adapter" >&2; exit 2; fi
if echo "$adapter" | grep -qiE 'swiftshader|lavapipe|llvmpipe'; then
  if [ "${ALLOW_SOFTWARE:-0}" != 1 ]; then
    echo "Dawn chose a software adapter ($adapter): the NVIDIA Vulkan driver is not visible. Set ALLOW_SOFTWARE=1 to run anyway." >&2
    exit 2
  fi
  echo "software adapter allowed (ALLOW_SOFTWARE=1): numbers are not a real GPU's"
fi

log "1. grokscope bench"
# shellcheck disable=SC2086
node bin/grokscope.mjs bench $BENCH_ARGS --out "$OUT/bench-dawn.json" --md "$OUT/bench-dawn.md" | tee "$OUT/bench.log"
if [ -n "${PEAK_TFLOPS:-}" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const best = Math.max(...r.matmul.map((m) => Math.max(m.gflops.block4, m.gflops.tiled)));
    console.log(`best matmul ${best.toFixed(1)} GFLOP/s = ${(100 * best / (1000 * Number(process.argv[2]))).toFixed(1)}% of ${process.argv[2]} TFLOP/s peak FP32`);
  ' "$OUT/bench-dawn.json" "$PEAK_TFLOPS" | tee "$OUT/peak.txt"
fi

log "2. paper preset until 95% held-out (at most $PAPER_STEPS steps)"
start=$(date +%s)
node bin/grokscope.mjs train --preset paper --steps "$PAPER_STEPS" --stop-at 0.95 --csv "$OUT/paper.csv" --out "$OUT/paper-run.json" | tee "$OUT/paper-summary.json"
echo "wall time: $(( $(date +%s) - start )) s" | tee -a "$OUT/paper.log"
log "done: $OUT/"
ls -la "$OUT"
