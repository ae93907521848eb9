/// <reference lib="webworker" />
/**
 * The theory instruments in their own worker, so a measurement (hundreds of ms to
 * seconds of float64 linear algebra) never stalls the training loop. Spawned by
 * the training worker, one Instruments per lane; requests are answered in order.
 */
import { makeDataset } from '../tasks/modular';
import { modelLayout } from '../model/layout';
import { Instruments } from '../theory/instruments';
import type { InstrumentRequest, InstrumentReply } from './instrumentHost';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const byLane = new Map<number, Instruments>();

scope.onmessage = (ev: MessageEvent<InstrumentRequest>) => {
  const req = ev.data;
  try {
    if (req.type === 'init') {
      byLane.set(req.lane, new Instruments(req.config, makeDataset(req.config), modelLayout(req.config)));
      return;
    }
    if (req.type === 'dispose') {
      byLane.delete(req.lane);
      return;
    }
    const inst = byLane.get(req.lane);
    if (!inst) throw new Error(`no instruments for lane ${req.lane}`);
    if (req.type === 'restart') return inst.restartGramian();
    const snapshot = inst.measure(req.input);
    scope.postMessage({ type: 'snapshot', id: req.id, snapshot } satisfies InstrumentReply);
  } catch (err) {
    const id = req.type === 'measure' ? req.id : -1;
    scope.postMessage({ type: 'error', id, message: err instanceof Error ? err.message : String(err) } satisfies InstrumentReply);
  }
};
