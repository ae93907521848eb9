/**
 * The page's end of the worker protocol: starts the training worker, sends
 * commands, folds its events into the store, and turns an exported run into a
 * download.
 */
import type { Command, WorkerEvent } from '../worker/protocol';
import { storeAutosave } from './autosave';
import { downloadText } from './download';
import { addRunError, applyWorkerEvent } from './store';

let worker: Worker | null = null;

export function startWorker(): void {
  worker = new Worker(new URL('../worker/train.worker.ts', import.meta.url), { type: 'module', name: 'grokscope-trainer' });
  worker.onmessage = (ev: MessageEvent<WorkerEvent>) => {
    const e = ev.data;
    if (e.type === 'exported') {
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      downloadText(e.text, `grokscope-run-step${e.step}-${stamp}.json`, 'application/json');
      return;
    }
    if (e.type === 'autosave') return storeAutosave(e.step, e.text);
    applyWorkerEvent(e);
  };
  worker.onerror = (ev) => {
    addRunError(`training worker failed: ${ev.message}`, 'worker');
  };
}

export function send(cmd: Command): void {
  worker?.postMessage(cmd);
}
