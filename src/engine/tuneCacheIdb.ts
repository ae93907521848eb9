/**
 * The browser's store for the autotuner's choices (src/engine/autotune.ts): one
 * IndexedDB object store, keyed by adapter and shader source. Any IndexedDB failure
 * (private mode, quota) only costs a re-tune at the next start.
 */
import type { MatmulVariant, TuneCache } from './autotune';

const DB = 'grokscope';
const STORE = 'autotune';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
  });
}

function request<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = fn(tx.objectStore(STORE));
        tx.oncomplete = () => (db.close(), resolve(req.result as T));
        tx.onerror = () => (db.close(), reject(tx.error ?? new Error('IndexedDB transaction failed')));
      }),
  );
}

export function indexedDbTuneCache(): TuneCache | null {
  if (typeof indexedDB === 'undefined') return null;
  return {
    get: (key) => request<Record<string, MatmulVariant> | undefined>('readonly', (s) => s.get(key)),
    set: (key, choice) => request<void>('readwrite', (s) => s.put(choice, key)),
  };
}
