#!/usr/bin/env bash
# Runs a command with Dawn (npm `webgpu`) able to find a Vulkan driver.
# A machine with a real GPU has its own Vulkan ICD and loader: nothing changes.
# A GPU-less machine with Debian's chromium gets chromium's SwiftShader ICD and its
# bundled loader. LD_LIBRARY_PATH must be set before node starts (the dynamic
# linker reads it once), which is why this is a wrapper and not code.
sw=/usr/lib/chromium/vk_swiftshader_icd.json
has_icd() { ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; }
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -f "$sw" ] && ! has_icd; then
  export VK_ICD_FILENAMES="$sw"
fi
if [ -f "$sw" ] && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  export LD_LIBRARY_PATH="/usr/lib/chromium${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
exec "$@"
