/// <reference lib="webworker" />
/**
 * The training worker: owns the Trainer(s) through a Runner and speaks the
 * protocol of ./protocol.ts. Commands are handled in arrival order.
 */
import { parseCommand, type Command, type WorkerEvent } from './protocol';
import { Runner } from './runner';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const runner = new Runner((e: WorkerEvent, transfer?: Transferable[]) => scope.postMessage(e, transfer ?? []));

// Commands are chained: an init must finish creating trainers before a play or
// step is applied to them.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (ev: MessageEvent<unknown>) => {
  let cmd: Command;
  try {
    cmd = parseCommand(ev.data);
  } catch (err) {
    scope.postMessage({ type: 'error', source: 'train', message: `ignored a malformed command: ${err instanceof Error ? err.message : String(err)}` } satisfies WorkerEvent);
    return;
  }
  // pause must take effect at once, not after a long export or init; an autosave (a run
  // file every few seconds) must not hold a reset behind it
  if (cmd.type === 'pause' || cmd.type === 'setSpeed' || cmd.type === 'autosave') {
    void runner.handle(cmd);
    return;
  }
  queue = queue.then(() => runner.handle(cmd));
};
