/**
 * What limits a matmul on this adapter: its arithmetic ceiling and its load ceiling,
 * each measured by a kernel that does only that, beside the kept wide matmul.
 *
 * - fma: every invocation runs 16 independent vec4 FMA chains in registers (no memory
 *   traffic but one store): the adapter's FP32 FMA throughput, GFLOP/s (2 per FMA).
 * - load: every invocation streams vec4s from a buffer at the stride of the matmul's
 *   row reads (each lane its own row, as kvec8 reads A), summing them: vec4 loads/s.
 * - kvec8 at 3764×256×256 (the large size's forward): GFLOP/s, and how its 16 vec4 loads
 *   and 256 FMAs per k step compare with the two ceilings.
 *
 * Usage: bash scripts/with-dawn.sh npx tsx bench/adapter-ceiling.ts
 */
import { nodeGpuContext } from '../src/engine/node';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { getPipelines } from '../src/engine/pipelines';
import { matmulEntries } from '../src/engine/modules/matmul';

const { device: dev, adapterName } = await nodeGpuContext();
const INV = 64 * 256; // invocations per dispatch
const ITERS = 256;

const fmaCode = `@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = f32(gid.x) * 1e-7;
  ${Array.from({ length: 16 }, (_, i) => `var a${i} = vec4<f32>(s + ${i}.0);`).join('\n  ')}
  let m = vec4<f32>(0.999);
  let c = vec4<f32>(1e-3);
  for (var i = 0u; i < ${ITERS}u; i++) {
    ${Array.from({ length: 16 }, (_, i) => `a${i} = fma(a${i}, m, c);`).join('\n    ')}
  }
  out[gid.x] = ${Array.from({ length: 16 }, (_, i) => `a${i}`).join(' + ')};
}`;

const loadCode = `struct P_ { rows: u32, K4: u32 }
@group(0) @binding(0) var<uniform> P: P_;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = (gid.x % P.rows) * P.K4;
  var acc = vec4<f32>(0.0);
  for (var k = 0u; k < P.K4; k++) { acc += src[r + k]; }
  out[gid.x] = acc;
}`;

async function time(p: GPUComputePipeline, bg: GPUBindGroup, groups: number, reps: number): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(p);
    pass.setBindGroup(0, bg);
    for (let i = 0; i < reps; i++) pass.dispatchWorkgroups(groups);
    pass.end();
    const t0 = performance.now();
    dev.queue.submit([enc.finish()]);
    await dev.queue.onSubmittedWorkDone();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return best;
}
const storage = (bytes: number) => dev.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
const pipe = (code: string) => dev.createComputePipeline({ layout: 'auto', compute: { module: dev.createShaderModule({ code }), entryPoint: 'main' } });

// FMA ceiling
const fp = pipe(fmaCode);
const fOut = storage(INV * 16);
const fms = await time(fp, dev.createBindGroup({ layout: fp.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: fOut } }] }), INV / 64, 4);
const fmaGF = (INV * ITERS * 16 * 4 * 2) / fms / 1e6;

// load ceiling: 3764 rows of 256 floats (K4 = 64), each lane its own row
const rows = 3764,
  K4 = 64;
const lp = pipe(loadCode);
const lUni = dev.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
dev.queue.writeBuffer(lUni, 0, Uint32Array.from([rows, K4, 0, 0]));
const lSrc = storage(rows * K4 * 16),
  lOut = storage(INV * 16);
const lbg = dev.createBindGroup({ layout: lp.getBindGroupLayout(0), entries: [lUni, lSrc, lOut].map((buffer, binding) => ({ binding, resource: { buffer } })) });
const lms = await time(lp, lbg, INV / 64, 4);
const loadsPerSec = (INV * K4) / lms / 1e3; // vec4 loads per second (×1e9 below)

// the kept wide forward product
const pl = await getPipelines(dev, nodeShaderSources());
const [M, N, K] = [3764, 256, 256];
const mUni = dev.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
dev.queue.writeBuffer(mUni, 0, Uint32Array.from([M, N, K, 2]));
const mbg = dev.createBindGroup({ layout: pl.matmulKvec8.getBindGroupLayout(0), entries: matmulEntries('matmulKvec8', mUni, storage(M * K * 4), storage(N * K * 4), storage(M * N * 4)) });
let mms = Infinity;
for (let r = 0; r < 3; r++) {
  const enc = dev.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pl.matmulKvec8);
  pass.setBindGroup(0, mbg);
  pass.dispatchWorkgroups(Math.ceil(N / 32), Math.ceil(M / 32));
  pass.end();
  const t0 = performance.now();
  dev.queue.submit([enc.finish()]);
  await dev.queue.onSubmittedWorkDone();
  mms = Math.min(mms, performance.now() - t0);
}
const mmGF = (2 * M * N * K) / mms / 1e6;
// kvec8: per invocation and k step, 16 vec4 loads and 64 dot4 = 256 FMAs; invocations = M·N/64
const steps = ((M * N) / 64) * (K / 4);
const fmaMs = (steps * 256 * 2) / (fmaGF * 1e6);
const loadMs = (steps * 16) / (loadsPerSec * 1e6);
console.log(`adapter: ${adapterName}`);
console.log(`FMA ceiling:  ${fmaGF.toFixed(2)} GFLOP/s (16 vec4 chains per invocation, registers only)`);
console.log(`load ceiling: ${(loadsPerSec / 1e3).toFixed(3)} G vec4 loads/s (${((loadsPerSec * 16) / 1e3).toFixed(1)} GB/s; one row per lane)`);
console.log(`kvec8 ${M}x${N}x${K}: ${mms.toFixed(1)} ms = ${mmGF.toFixed(2)} GFLOP/s`);
console.log(`  its FMAs alone at the FMA ceiling: ${fmaMs.toFixed(1)} ms; its loads alone at the load ceiling: ${loadMs.toFixed(1)} ms; sum ${(fmaMs + loadMs).toFixed(1)} ms`);
process.exit(0);
