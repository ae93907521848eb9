/** Node hosts (CLI, tests) read shaders/*.wgsl from the package on disk. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkShaderSources, SHADER_FILES, type ShaderSources } from './shaders';

export function nodeShaderSources(): ShaderSources {
  const dir = fileURLToPath(new URL('../../shaders/', import.meta.url));
  const out: Record<string, string> = {};
  for (const f of SHADER_FILES) out[f] = readFileSync(`${dir}${f}.wgsl`, 'utf8');
  return checkShaderSources(out);
}
