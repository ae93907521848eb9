/**
 * Every formula a panel typesets (the `tex` props in src/ui) parses in KaTeX
 * with errors thrown, so no panel can open on a red error or on raw TeX.
 */
import katex from 'katex';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.tsx') ? [join(dir, e.name)] : []));
}

const formulas = sources('src/ui').flatMap((file) => Array.from(readFileSync(file, 'utf8').matchAll(/tex=\{String\.raw`([^`]*)`\}/g), (m) => ({ file, tex: m[1] })));

describe('typeset formulas', () => {
  it('the views carry TeX formulas (the pattern finds them)', () => {
    expect(formulas.length).toBeGreaterThanOrEqual(10);
  });
  it.each(formulas.map((f) => [f.file, f.tex]))('%s: %s', (_file, tex) => {
    expect(() => katex.renderToString(tex, { throwOnError: true, strict: 'error', displayMode: true })).not.toThrow();
  });
});
