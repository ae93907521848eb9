/**
 * Where the instruments run: in a worker of their own (so training never waits
 * for them), or, where a worker cannot start one, in the training worker itself.
 */
import type { RunConfig } from '../config/settings';
import { modelLayout } from '../model/layout';
import { makeDataset } from '../tasks/modular';
import { LaneExtras } from './laneExtras';
import { Instruments, type InstrumentInput } from '../theory/instruments';
import type { InstrumentFrame } from './instrumentFrame';

export type InstrumentRequest =
  | { type: 'init'; lane: number; config: RunConfig }
  | { type: 'measure'; lane: number; id: number; input: InstrumentInput }
  | { type: 'restart'; lane: number }
  | { type: 'dispose'; lane: number };

export type InstrumentReply = { type: 'snapshot'; id: number; snapshot: InstrumentFrame } | { type: 'error'; id: number; message: string };

export interface InstrumentHost {
  measure(input: InstrumentInput): Promise<InstrumentFrame>;
  restartGramian(): void;
  destroy(): void;
}

/** one shared worker for all lanes; started on first use */
let remote: { worker: Worker; pending: Map<number, { resolve: (s: InstrumentFrame) => void; reject: (e: Error) => void }> } | null = null;
let nextId = 1;
let nextLane = 1;

function remoteWorker() {
  if (remote) return remote;
  const worker = new Worker(new URL('./instruments.worker.ts', import.meta.url), { type: 'module', name: 'grokscope-instruments' });
  const pending = new Map<number, { resolve: (s: InstrumentFrame) => void; reject: (e: Error) => void }>();
  worker.onmessage = (ev: MessageEvent<InstrumentReply>) => {
    const r = ev.data;
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.type === 'snapshot') p.resolve(r.snapshot);
    else p.reject(new Error(r.message));
  };
  worker.onerror = (ev) => {
    for (const p of pending.values()) p.reject(new Error(`instruments worker failed: ${ev.message}`));
    pending.clear();
  };
  remote = { worker, pending };
  return remote;
}

class RemoteHost implements InstrumentHost {
  private readonly lane = nextLane++;
  constructor(config: RunConfig) {
    remoteWorker().worker.postMessage({ type: 'init', lane: this.lane, config } satisfies InstrumentRequest);
  }
  measure(input: InstrumentInput): Promise<InstrumentFrame> {
    const r = remoteWorker();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      r.pending.set(id, { resolve, reject });
      r.worker.postMessage({ type: 'measure', lane: this.lane, id, input } satisfies InstrumentRequest);
    });
  }
  restartGramian(): void {
    remoteWorker().worker.postMessage({ type: 'restart', lane: this.lane } satisfies InstrumentRequest);
  }
  destroy(): void {
    remoteWorker().worker.postMessage({ type: 'dispose', lane: this.lane } satisfies InstrumentRequest);
  }
}

class LocalHost implements InstrumentHost {
  private readonly instruments: Instruments;
  private readonly extras: LaneExtras;
  constructor(config: RunConfig) {
    const dataset = makeDataset(config);
    const layout = modelLayout(config);
    this.instruments = new Instruments(config, dataset, layout);
    this.extras = new LaneExtras(layout, config.task, dataset);
  }
  async measure(input: InstrumentInput): Promise<InstrumentFrame> {
    return this.extras.frame(this.instruments, input, this.instruments.measure(input));
  }
  restartGramian(): void {
    this.instruments.restartGramian();
  }
  destroy(): void {}
}

export function createInstrumentHost(config: RunConfig): InstrumentHost {
  return typeof Worker !== 'undefined' ? new RemoteHost(config) : new LocalHost(config);
}
