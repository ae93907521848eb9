/**
 * The CLI's store for the autotuner's choices (src/engine/autotune.ts): one JSON
 * file, $XDG_CACHE_HOME/grokscope/autotune.json (or ~/.cache/…), or the path in
 * GROKSCOPE_TUNE_CACHE. An unreadable file only costs a re-tune.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { MatmulVariant, TuneCache } from '../engine/autotune';

type Store = Record<string, Record<string, MatmulVariant>>;

export function tuneCachePath(): string {
  return process.env.GROKSCOPE_TUNE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'grokscope', 'autotune.json');
}

export function fileTuneCache(path = tuneCachePath()): TuneCache {
  const load = (): Store => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Store;
    } catch {
      return {};
    }
  };
  return {
    get: async (key) => load()[key],
    set: async (key, choice) => {
      const all = load();
      all[key] = choice;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(all, null, 1));
    },
  };
}
