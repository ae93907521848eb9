/** The WGSL sources of shaders/, by file name; loaded by the host (Vite import or Node fs). */
export const SHADER_FILES = ['matmul', 'activation', 'embed', 'loss', 'metrics', 'optim', 'kernel', 'transformer', 'ceiling'] as const;
export type ShaderName = (typeof SHADER_FILES)[number];
export type ShaderSources = Record<ShaderName, string>;

export function checkShaderSources(src: Partial<Record<string, string>>): ShaderSources {
  const missing = SHADER_FILES.filter((f) => typeof src[f] !== 'string' || src[f]!.length === 0);
  if (missing.length > 0) throw new Error(`missing WGSL sources: ${missing.map((m) => `shaders/${m}.wgsl`).join(', ')}`);
  return src as ShaderSources;
}
