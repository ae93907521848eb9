/**
 * The browser's store for the autotuner's choices (src/engine/autotune.ts): an
 * IndexedDB store (through idb-keyval, as the autosave uses), keyed by adapter and
 * shader source. Any IndexedDB failure (private mode, quota) only costs a re-tune at
 * the next start: tuneMatmul treats a failed get or set as a miss.
 */
import { createStore, get, set } from 'idb-keyval';
import type { MatmulVariant, TuneCache } from './autotune';

export function indexedDbTuneCache(): TuneCache | null {
  if (typeof indexedDB === 'undefined') return null;
  const store = createStore('grokscope-autotune', 'choices');
  return {
    get: (key) => get<Record<string, MatmulVariant>>(key, store),
    set: (key, choice) => set(key, choice, store),
  };
}
