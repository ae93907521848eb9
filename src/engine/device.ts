/**
 * WebGPU device acquisition with errors a person can act on. Works with the
 * browser's navigator.gpu and with Dawn's GPU object under Node (npm `webgpu`).
 */

export class WebGpuUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WebGpuUnavailableError';
  }
}

export interface GpuContext {
  device: GPUDevice;
  adapterName: string;
  /** true on a software adapter (SwiftShader, lavapipe): slow, and kernel variants are chosen for it */
  software: boolean;
}

export function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'WebGPU adapter';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0);
  return parts.length > 0 ? Array.from(new Set(parts)).join(' ') : 'WebGPU adapter';
}

export async function acquireDevice(gpu: GPU | undefined, onLost?: (reason: string) => void): Promise<GpuContext> {
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'This browser does not expose WebGPU (navigator.gpu is missing). Use Chrome or Edge 113+, Safari 26+, or Firefox 141+ on Windows; on Linux, Chrome needs chrome://flags/#enable-unsafe-webgpu. The page must be served over https or from localhost.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      "WebGPU is present but no GPU adapter was found (the GPU may be blocklisted, or, headless, no Vulkan driver is installed). On Linux without a GPU, install Debian's chromium, whose SwiftShader driver WebGPU can use.",
    );
  }
  const info = adapter.info;
  const name = describeAdapter(info);
  const software = /swiftshader|lavapipe|llvmpipe|software|cpu/i.test(`${name} ${info?.description ?? ''}`) || info?.vendor === 'google';
  const lim = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(lim.maxStorageBuffersPerShaderStage, 10),
    },
  });
  void device.lost.then((l) => onLost?.(`GPU device lost (${l.reason}): ${l.message || 'no details'}`));
  return { device, adapterName: name, software };
}
