/// <reference lib="webworker" />
/**
 * The theory instruments in their own worker, so a measurement (hundreds of ms to
 * seconds of float64 linear algebra) never stalls the training loop. Spawned by
 * the training worker, one Instruments per lane; requests are answered in order.
 * The kernel blocks K, K̃, K_QS are computed on this worker's own WebGPU device
 * (GpuKernelBlocks); without an adapter the same measurement runs all on the CPU.
 */
import { browserGpuContext } from '../engine/create';
import { browserShaderSources } from '../engine/browserShaders';
import type { GpuContext } from '../engine/device';
import { GpuKernelBlocks } from '../engine/probeKernel';
import { makeDataset } from '../tasks/modular';
import { modelLayout } from '../model/layout';
import { Instruments } from '../theory/instruments';
import { LaneExtras } from './laneExtras';
import type { InstrumentRequest, InstrumentReply } from './instrumentHost';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const byLane = new Map<number, { inst: Instruments; extras: LaneExtras; blocks: GpuKernelBlocks | null }>();
let gpu: Promise<GpuContext | null> | null = null;
let queue: Promise<void> = Promise.resolve();

async function handle(req: InstrumentRequest): Promise<void> {
  try {
    if (req.type === 'init') {
      const layout = modelLayout(req.config);
      gpu ??= browserGpuContext().catch(() => null);
      const ctx = await gpu;
      byLane.get(req.lane)?.blocks?.destroy();
      const dataset = makeDataset(req.config);
      byLane.set(req.lane, { inst: new Instruments(req.config, dataset, layout), extras: new LaneExtras(layout, req.config.task, dataset), blocks: ctx ? new GpuKernelBlocks(ctx, browserShaderSources(), layout) : null });
      return;
    }
    if (req.type === 'dispose') {
      byLane.get(req.lane)?.blocks?.destroy();
      byLane.delete(req.lane);
      return;
    }
    const lane = byLane.get(req.lane);
    if (!lane) throw new Error(`no instruments for lane ${req.lane}`);
    if (req.type === 'restart') return lane.inst.restartGramian();
    const measured = lane.blocks ? await lane.inst.measureAsync(req.input, lane.blocks.compute) : lane.inst.measure(req.input);
    const snapshot = lane.extras.frame(lane.inst, req.input, measured);
    scope.postMessage({ type: 'snapshot', id: req.id, snapshot } satisfies InstrumentReply);
  } catch (err) {
    const id = req.type === 'measure' ? req.id : -1;
    scope.postMessage({ type: 'error', id, message: err instanceof Error ? err.message : String(err) } satisfies InstrumentReply);
  }
}

// measurements are async (GPU readback): chain them so replies keep the request order
scope.onmessage = (ev: MessageEvent<InstrumentRequest>) => {
  queue = queue.then(() => handle(ev.data));
};
