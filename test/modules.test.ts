/**
 * The engine's module catalogue: every WGSL entry point belongs to a module, every
 * module names float64 twins that exist, and the engine imports nothing from the
 * reference that checks it (shared rules live in src/model).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODULE_SPECS, trainerKernels } from '../src/engine/modules';
import { MatmulSpec } from '../src/engine/modules/matmul';
import { ProbeKernelSpec } from '../src/engine/probeKernel';
import { CausalAttentionSpec, LayerNormSpec } from '../src/engine/modules/transformer';
import { PairEmbeddingSpec } from '../src/engine/modules/embedding';
import { ENTRY_POINTS } from '../src/engine/pipelines';

const root = new URL('..', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? tsFiles(path) : /\.tsx?$/.test(f) ? [path] : [];
  });
}

describe('engine modules', () => {
  it('every kernel belongs to a module, and every module kernel exists', () => {
    const owned = new Set(MODULE_SPECS.flatMap((m) => m.kernels));
    for (const k of Object.keys(ENTRY_POINTS)) expect(owned.has(k as never), `kernel ${k} has no module`).toBe(true);
    for (const m of MODULE_SPECS) for (const k of m.kernels) expect(k in ENTRY_POINTS, `${m.name}: ${k}`).toBe(true);
  });

  it("a trainer compiles its own network's kernels and every matmul variant, not the other network's or the probe's", () => {
    for (const arch of ['mlp', 'transformer'] as const) {
      const ks = new Set(trainerKernels(arch));
      for (const k of MatmulSpec.kernels) expect(ks.has(k), `${arch}: ${k}`).toBe(true);
      for (const k of ['softmaxCE', 'squaredLoss', 'optDirection', 'maskPartial', 'metricsPartial'] as const) expect(ks.has(k), `${arch}: ${k}`).toBe(true);
      for (const k of ProbeKernelSpec.kernels) expect(ks.has(k), `${arch}: ${k}`).toBe(false);
    }
    const mlp = new Set(trainerKernels('mlp'));
    const tr = new Set(trainerKernels('transformer'));
    for (const k of [...LayerNormSpec.kernels, 'attention', 'attentionBack'] as const) expect(mlp.has(k), `mlp: ${k}`).toBe(false);
    for (const k of PairEmbeddingSpec.kernels) expect(tr.has(k), `transformer: ${k}`).toBe(false);
    for (const k of CausalAttentionSpec.kernels) expect(tr.has(k), `transformer: ${k}`).toBe(true);
  });

  for (const m of MODULE_SPECS)
    it(`${m.name}: its twins are functions`, async () => {
      expect(m.twins.length).toBeGreaterThan(0);
      for (const twin of m.twins) {
        const [file, name] = twin.split('#');
        const mod = (await import(join(root, file))) as Record<string, unknown>;
        expect(typeof mod[name], twin).toBe('function');
      }
    });

  it('src/engine imports nothing from src/reference', () => {
    const offenders = tsFiles(join(root, 'src/engine')).filter((f) => /from\s+'[^']*\/reference\//.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
