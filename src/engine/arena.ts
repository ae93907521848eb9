/**
 * The one buffer arena every GPU host uses (the trainer, the kernel-block probe):
 * storage buffers it owns and destroys together, one uniform buffer cut into
 * 256-byte slots (WebGPU's minUniformBufferOffsetAlignment), and dispatches whose
 * bind groups are built from named binding tables (bindings.ts).
 */
import { BINDINGS, type BindingsOf, type Slice } from './bindings';
import type { MatmulChoice } from './modules/matmul';
import type { KernelName, Pipelines } from './pipelines';
import { gpuResources } from './resources';

export const UNIFORM_SLOT = 256;

export interface Dispatch {
  readonly kernel: KernelName;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  x: number;
  y: number;
}

/** queue.writeBuffer for any typed array (TS 5.9 types views over ArrayBufferLike). */
export function write(q: GPUQueue, buf: GPUBuffer, offset: number, data: ArrayBufferView): void {
  q.writeBuffer(buf, offset, data as ArrayBufferView<ArrayBuffer>);
}

export const whole = (buffer: GPUBuffer): Slice => ({ buffer });

/** Records dispatches into a compute pass, in order. */
export function encode(pass: GPUComputePassEncoder, list: readonly Dispatch[]): void {
  for (const d of list) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.x, d.y);
  }
}

export class GpuArena {
  readonly uniform: GPUBuffer;
  /** CPU copy of the uniform buffer; slots are written here, then uploaded */
  readonly uniformData: ArrayBuffer;
  private slots = 0;
  private readonly owned: GPUBuffer[] = [];
  /** shape keys of every matrix product built on this arena (test/autotune.gpu.test.ts checks the plan covers them) */
  readonly matmulShapes = new Set<string>();

  constructor(
    readonly device: GPUDevice,
    /** the pipelines this arena's dispatches may use (getPipelines compiles only those asked for) */
    readonly pipelines: Partial<Pipelines>,
    uniformSlots: number,
    readonly name: string,
    /** which matmul variant runs each product (src/engine/modules/matmul.ts); null: block4 everywhere */
    readonly matmulPlan: MatmulChoice | null = null,
  ) {
    this.uniformData = new ArrayBuffer(UNIFORM_SLOT * uniformSlots);
    this.uniform = this.own(device.createBuffer({ label: `${name} uniforms`, size: this.uniformData.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }));
  }

  private own(buf: GPUBuffer): GPUBuffer {
    this.owned.push(buf);
    gpuResources.buffers++; // the leak checks count live buffers
    return buf;
  }

  /** live GPU buffers this arena holds */
  get bufferCount(): number {
    return this.owned.length;
  }

  /** A storage buffer of `bytes` (rounded up to whole floats, at least 16). */
  buffer(bytes: number, label: string): GPUBuffer {
    return this.own(this.device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }));
  }

  f32(n: number, label: string): GPUBuffer {
    return this.buffer(4 * n, label);
  }

  /** A buffer the host maps for reading. */
  staging(bytes: number, label: string): GPUBuffer {
    return this.own(this.device.createBuffer({ label, size: Math.max(16, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
  }

  /** Byte offset of a fresh uniform slot. */
  slot(): number {
    if ((this.slots + 1) * UNIFORM_SLOT > this.uniformData.byteLength) throw new Error(`${this.name}: uniform arena full`);
    return this.slots++ * UNIFORM_SLOT;
  }

  /** A fresh slot holding u32 values (bound as `bytes`, 16 for a vec4 header). */
  u32Slot(values: readonly number[], bytes = 16): Slice {
    const s = this.slot();
    new Uint32Array(this.uniformData, s, values.length).set(values);
    return { buffer: this.uniform, offset: s, size: bytes };
  }

  /** Uploads every slot written so far. */
  flushUniforms(): void {
    this.device.queue.writeBuffer(this.uniform, 0, this.uniformData, 0, this.slots * UNIFORM_SLOT);
  }

  /** Uploads one slot range. */
  flushSlot(offset: number, bytes: number): void {
    this.device.queue.writeBuffer(this.uniform, offset, this.uniformData, offset, bytes);
  }

  /** A dispatch of `kernel` with its resources named as in BINDINGS[kernel]. */
  bind<K extends KernelName>(kernel: K, resources: BindingsOf<K>, x: number, y = 1): Dispatch {
    const pipeline = this.pipelines[kernel];
    if (!pipeline) throw new Error(`${this.name}: ${kernel} was not compiled for this arena (add it to the names given to getPipelines)`);
    const table = BINDINGS[kernel] as Record<string, number>;
    const given = resources as Record<string, Slice>;
    const entries = Object.keys(table).map((name) => {
      if (!given[name]) throw new Error(`${this.name}: ${kernel} needs binding '${name}'`);
      return { binding: table[name], resource: given[name] };
    });
    const bindGroup = this.device.createBindGroup({ label: kernel, layout: pipeline.getBindGroupLayout(0), entries });
    return { kernel, pipeline, bindGroup, x: Math.max(1, x), y: Math.max(1, y) };
  }

  /** Reads `floats` values from `src` at float offset `offset` (one transient staging buffer). */
  async read(src: GPUBuffer, offset: number, floats: number): Promise<Float32Array> {
    const buf = this.device.createBuffer({ size: 4 * floats, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    gpuResources.buffers++;
    try {
      const enc = this.device.createCommandEncoder();
      enc.copyBufferToBuffer(src, 4 * offset, buf, 0, 4 * floats);
      this.device.queue.submit([enc.finish()]);
      await buf.mapAsync(GPUMapMode.READ);
      return new Float32Array(buf.getMappedRange().slice(0));
    } finally {
      // a failed map (lost device) must not leak the staging buffer either
      buf.destroy();
      gpuResources.buffers--;
    }
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    gpuResources.buffers -= this.owned.length;
    this.owned.length = 0;
  }
}
