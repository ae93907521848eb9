/** Vite bundles shaders/*.wgsl as text into the page and the worker. */
import { checkShaderSources, type ShaderSources } from './shaders';

const files = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export function browserShaderSources(): ShaderSources {
  const byName: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) byName[path.replace(/^.*\/(\w+)\.wgsl$/, '$1')] = text;
  return checkShaderSources(byName);
}
