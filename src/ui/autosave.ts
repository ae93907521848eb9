/**
 * Autosave: the current run (setup, step, weights and optimizer state, as a run
 * file) persists in IndexedDB through idb-keyval, at most every AUTOSAVE_MS while
 * it advances. A reload offers to resume it at the same step; the offer can be
 * dismissed. The stored text goes through the same import as a file from disk, so
 * a damaged or hostile entry is refused with a banner like any other run file.
 */
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import { send } from './client';
import { addRunError, useLab } from './store';

const AUTOSAVE_MS = 5000;
const KEY = 'run';

export interface SavedRun {
  savedAt: number;
  step: number;
  text: string;
}

let store: UseStore | null = null;
const db = () => (store ??= createStore('grokscope-autosave', 'runs'));

/** true while the page offers an older run: nothing is saved over it until the user answers */
let offerPending = false;
let lastSavedStep = -1;
let timer: ReturnType<typeof setInterval> | null = null;

function isSaved(x: unknown): x is SavedRun {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.savedAt === 'number' && typeof o.step === 'number' && Number.isInteger(o.step) && o.step > 0 && typeof o.text === 'string';
}

/** on load: an autosaved run becomes the resume offer (data-testid=resume-offer) */
export async function offerSavedRun(): Promise<void> {
  try {
    const saved = await get<unknown>(KEY, db());
    if (!isSaved(saved)) return;
    offerPending = true;
    useLab.setState({ resumeOffer: { step: saved.step, savedAt: saved.savedAt } });
  } catch {
    // no IndexedDB (private mode, blocked storage): the lab works without autosave
  }
}

export async function resumeSavedRun(): Promise<void> {
  useLab.setState({ resumeOffer: null });
  offerPending = false;
  try {
    const saved = await get<unknown>(KEY, db());
    if (isSaved(saved)) send({ type: 'import', text: saved.text });
  } catch (e) {
    addRunError(`Could not read the autosaved run: ${e instanceof Error ? e.message : String(e)}`, 'import');
  }
}

export function dismissSavedRun(): void {
  useLab.setState({ resumeOffer: null });
  offerPending = false;
  void del(KEY, db()).catch(() => undefined);
}

/** the worker's answer to an 'autosave' request */
export function storeAutosave(step: number, text: string): void {
  if (offerPending) return;
  lastSavedStep = step;
  void set(KEY, { savedAt: Date.now(), step, text } satisfies SavedRun, db()).catch(() => undefined);
}

/** asks the worker for lane 0's run file every AUTOSAVE_MS while the step moves */
export function startAutosave(): void {
  if (timer !== null || typeof indexedDB === 'undefined') return;
  timer = setInterval(() => {
    const s = useLab.getState();
    const step = s.lanes[0]?.step ?? 0;
    if (offerPending || !s.ready || s.compare || s.diverged || step === 0 || step === lastSavedStep) return;
    send({ type: 'autosave' });
  }, AUTOSAVE_MS);
}
