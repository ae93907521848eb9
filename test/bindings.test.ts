/**
 * The named binding tables (src/engine/bindings.ts) against the WGSL: each entry
 * must be a declared `@group(0) @binding(n) var … name` with that number, and the
 * table must hold exactly the module-scope resources the entry point uses (through
 * the helper functions it calls) — 'auto' layouts drop unused bindings, so an extra
 * name fails bind-group creation and a missing one leaves a binding unbound.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BINDINGS } from '../src/engine/bindings';
import { ENTRY_POINTS, type KernelName } from '../src/engine/pipelines';

function declarations(src: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of src.matchAll(/@group\(0\)\s*@binding\((\d+)\)\s*var(?:<[^>]*>)?\s+(\w+)/g)) out.set(m[2], Number(m[1]));
  return out;
}

/** Function bodies by name, by brace matching from each `fn name(`. */
function functions(src: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of src.matchAll(/\bfn\s+(\w+)\s*\(/g)) {
    let i = src.indexOf('{', m.index);
    const start = i;
    let depth = 0;
    for (; i < src.length; i++) {
      if (src[i] === '{') depth++;
      else if (src[i] === '}' && --depth === 0) break;
    }
    out.set(m[1], src.slice(start, i + 1));
  }
  return out;
}

function usedResources(src: string, entry: string): Set<string> {
  const decl = declarations(src.replace(/\/\/[^\n]*/g, ''));
  const fns = functions(src.replace(/\/\/[^\n]*/g, ''));
  const used = new Set<string>();
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const body = fns.get(f);
    if (body === undefined) throw new Error(`no fn ${f}`);
    for (const id of body.match(/\b[A-Za-z_]\w*\b/g) ?? []) {
      if (decl.has(id)) used.add(id);
      else if (fns.has(id) && id !== f) visit(id);
    }
  };
  visit(entry);
  return used;
}

describe('named binding tables match the WGSL', () => {
  for (const [kernel, [file, entry]] of Object.entries(ENTRY_POINTS) as [KernelName, readonly [string, string]][]) {
    it(`${kernel} (${file}.wgsl ${entry})`, () => {
      const src = readFileSync(new URL(`../shaders/${file}.wgsl`, import.meta.url), 'utf8');
      const decl = declarations(src);
      const table = BINDINGS[kernel] as Record<string, number>;
      for (const [name, n] of Object.entries(table)) expect(decl.get(name), `${kernel}.${name}`).toBe(n);
      expect(new Set(Object.keys(table))).toEqual(usedResources(src, entry));
    });
  }

  it('the parser sees through helpers: matmul uses C through storeC', () => {
    const src = readFileSync(new URL('../shaders/matmul.wgsl', import.meta.url), 'utf8');
    expect(usedResources(src, 'main').has('C')).toBe(true);
    expect(usedResources(src, 'main').has('C2')).toBe(false);
  });
});
