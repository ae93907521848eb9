/**
 * Where the instruments run: in a worker of their own (so training never waits
 * for them), or, where a worker cannot start one, in the training worker itself.
 *
 * The worker is reached through comlink. A call that does not answer within
 * MEASURE_TIMEOUT_MS, or a worker that errors, rejects every pending call with a
 * message; the worker is then terminated and the next call starts a fresh one
 * (each lane re-registers itself there). So "training waits for instruments" can
 * wait at most that long, never forever.
 */
import * as Comlink from 'comlink';
import type { RunConfig } from '../config/settings';
import { netLayout } from '../model/arch';
import { makeDataset } from '../tasks/modular';
import { Instruments, type InstrumentInput } from '../theory/instruments';
import type { InstrumentFrame } from './instrumentFrame';
import { LaneExtras } from './laneExtras';
import type { InstrumentApi } from './instruments.worker';

export interface InstrumentHost {
  measure(input: InstrumentInput): Promise<InstrumentFrame>;
  restartGramian(): void;
  destroy(): void;
}

/** longest a measurement may take before the worker counts as hung (SwiftShader's largest probes take seconds) */
export const MEASURE_TIMEOUT_MS = 60_000;

export class InstrumentWorkerError extends Error {
  override name = 'InstrumentWorkerError';
}

interface Remote {
  worker: Worker;
  api: Comlink.Remote<InstrumentApi>;
  /** rejects once the worker dies; every call races it */
  dead: Promise<never>;
  kill: (why: string) => void;
}

/** one shared worker for all lanes; started on first use, replaced when it dies */
let remote: Remote | null = null;
let nextLane = 1;

function remoteWorker(): Remote {
  if (remote) return remote;
  const worker = new Worker(new URL('./instruments.worker.ts', import.meta.url), { type: 'module', name: 'grokscope-instruments' });
  let kill!: (why: string) => void;
  const dead = new Promise<never>((_, reject) => {
    kill = (why: string) => {
      if (remote?.worker === worker) remote = null;
      worker.terminate();
      reject(new InstrumentWorkerError(why));
    };
  });
  dead.catch(() => undefined); // observed by the calls that race it
  worker.addEventListener('error', (ev) => kill(`instruments worker failed: ${ev.message || 'script error'}`));
  worker.addEventListener('messageerror', () => kill('instruments worker sent a message that could not be read'));
  remote = { worker, api: Comlink.wrap<InstrumentApi>(worker), dead, kill };
  return remote;
}

/** fault injection (tests, demos): the instruments worker dies as a crash would kill it */
export function killInstrumentWorker(): boolean {
  if (!remote) return false;
  remote.kill('instruments worker was terminated');
  return true;
}

/** the call, or a rejection when the worker dies or does not answer in time (then it is replaced) */
function guarded<T>(r: Remote, call: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      r.kill(`instruments worker did not answer ${what} within ${timeoutMs / 1000} s; it was restarted`);
      reject(new InstrumentWorkerError(`instruments worker did not answer ${what} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  return Promise.race([call, r.dead, timeout]).finally(() => clearTimeout(timer));
}

class RemoteHost implements InstrumentHost {
  private readonly lane = nextLane++;
  /** the worker this lane is registered in (a replaced worker needs a fresh init) */
  private registeredIn: Remote | null = null;

  constructor(private readonly config: RunConfig) {
    void this.ensure().catch(() => undefined);
  }

  private async ensure(): Promise<Remote> {
    const r = remoteWorker();
    if (this.registeredIn !== r) {
      this.registeredIn = r;
      await guarded(r, r.api.init(this.lane, this.config), 'init', MEASURE_TIMEOUT_MS);
    }
    return r;
  }

  async measure(input: InstrumentInput): Promise<InstrumentFrame> {
    const r = await this.ensure();
    return guarded(r, r.api.measure(this.lane, input), 'a measurement', MEASURE_TIMEOUT_MS);
  }

  restartGramian(): void {
    const r = this.registeredIn;
    if (r && r === remote) void r.api.restart(this.lane).catch(() => undefined);
  }

  destroy(): void {
    const r = this.registeredIn;
    this.registeredIn = null;
    if (r && r === remote) void r.api.dispose(this.lane).catch(() => undefined);
  }
}

class LocalHost implements InstrumentHost {
  private readonly instruments: Instruments;
  private readonly extras: LaneExtras;
  constructor(config: RunConfig) {
    const dataset = makeDataset(config);
    const layout = netLayout(config);
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
