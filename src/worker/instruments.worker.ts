/// <reference lib="webworker" />
/**
 * The theory instruments in their own worker, so a measurement (hundreds of ms to
 * seconds of float64 linear algebra) never stalls the training loop. Spawned by
 * the training worker, one Instruments per lane, exposed through comlink
 * (./instrumentHost.ts holds the other end, with timeouts and restarts).
 * The kernel blocks K, K̃, K_QS are computed on this worker's own WebGPU device
 * (GpuKernelBlocks); without an adapter the same measurement runs all on the CPU.
 */
import * as Comlink from 'comlink';
import { browserGpuContext } from '../engine/create';
import { browserShaderSources } from '../engine/browserShaders';
import { GpuKernelBlocks } from '../engine/probeKernel';
import { makeDataset } from '../tasks/modular';
import { netLayout } from '../model/arch';
import { Instruments, type InstrumentInput } from '../theory/instruments';
import type { RunConfig } from '../config/settings';
import type { InstrumentFrame } from './instrumentFrame';
import { LaneExtras } from './laneExtras';

const byLane = new Map<number, { inst: Instruments; extras: LaneExtras; blocks: GpuKernelBlocks | null }>();
let queue: Promise<unknown> = Promise.resolve();

/** measurements are async (GPU readback): chained, so they run one at a time in request order */
function serial<T>(fn: () => Promise<T> | T): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

const api = {
  init(lane: number, config: RunConfig): Promise<void> {
    return serial(async () => {
      const layout = netLayout(config);
      // not cached here: browserGpuContext forgets a lost device, so a reset after a loss gets a fresh one.
      // The GPU kernel blocks are the MLP's structured formula; the transformer's dense Jacobian stays on the CPU.
      const ctx = layout.arch === 'mlp' ? await browserGpuContext().catch(() => null) : null;
      byLane.get(lane)?.blocks?.destroy();
      const dataset = makeDataset(config);
      const blocks = ctx && layout.arch === 'mlp' ? new GpuKernelBlocks(ctx, browserShaderSources(), layout) : null;
      // compiled while training starts, not inside the first measurement; a failure surfaces in that measurement
      blocks?.warm().catch(() => undefined);
      byLane.set(lane, { inst: new Instruments(config, dataset, layout), extras: new LaneExtras(layout, config.task, dataset), blocks });
    });
  },
  measure(lane: number, input: InstrumentInput): Promise<InstrumentFrame> {
    return serial(async () => {
      const l = byLane.get(lane);
      if (!l) throw new Error(`no instruments for lane ${lane}`);
      const measured = l.blocks ? await l.inst.measureAsync(input, l.blocks.compute) : l.inst.measure(input);
      return l.extras.frame(l.inst, input, measured);
    });
  },
  restart(lane: number): Promise<void> {
    return serial(() => byLane.get(lane)?.inst.restartGramian());
  },
  dispose(lane: number): Promise<void> {
    return serial(() => {
      byLane.get(lane)?.blocks?.destroy();
      byLane.delete(lane);
    });
  },
};

export type InstrumentApi = typeof api;

Comlink.expose(api);
