/**
 * A probe, not a kept kernel: the forward product A·Bᵀ with subgroup shuffles (each
 * lane of a group of 4 loads one row of A and the group shares the four rows by
 * subgroupShuffle) against the kept `kvec` (shaders/matmul.wgsl), on a device
 * requested with the `subgroups` feature. Prints GFLOP/s of both and their largest
 * difference (0: the same sums in the same order).
 *
 * Measured 2026-12-06 on Dawn (npm `webgpu` 0.6.2) / SwiftShader, subgroup size 4: the
 * shuffle form is 1.2–2× kvec (128×64×64: 1.55 vs 0.75 GF/s; 884×128×128: 2.30 vs 2.10;
 * 512×256×256: 2.38 vs 1.91) with identical results — but the process crashed
 * (SIGSEGV/SIGABRT, "The futex facility returned an unexpected error code") within one to
 * four shapes in 4 of 4 runs, against 0 of 3 mid-run crashes with kvec alone on the same
 * device. A kernel that can take the process down is not kept; rerun this on a newer
 * Dawn, or on a real GPU (scripts/real-gpu.sh), before adding it as a matmul variant.
 * The fast path also assumes a subgroup's lanes are consecutive invocations of one row
 * of the 8×8 workgroup (true for subgroup sizes 4 and 8 on SwiftShader); a kept version
 * must check that (subgroupAll) and fall back to plain loads.
 *
 * Usage: bash scripts/with-dawn.sh npx tsx bench/subgroup-matmul.ts
 */
import { readFileSync } from 'node:fs';
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = (await gpu.requestAdapter())!;
const dev = await adapter.requestDevice({ requiredFeatures: ['subgroups' as GPUFeatureName] });
const base = readFileSync('shaders/matmul.wgsl', 'utf8');
const sg = `enable subgroups;
struct MatmulParams { M: u32, N: u32, K: u32, flags: u32 }
@group(0) @binding(0) var<uniform> P: MatmulParams;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(subgroup_invocation_id) sid: u32, @builtin(subgroup_size) ssz: u32) {
  let i0 = gid.y * 4u; let j0 = gid.x * 4u;
  let K4 = P.K / 4u;
  let lastRow = P.M - 1u; let lastCol = P.N - 1u;
  let c = vec4<u32>(min(j0, lastCol), min(j0 + 1u, lastCol), min(j0 + 2u, lastCol), min(j0 + 3u, lastCol)) * K4;
  let grp = sid - (sid % 4u);
  let mine = min(i0 + (sid % 4u), lastRow) * K4;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < K4; k++) {
    let am = A[mine + k];
    let a0 = subgroupShuffle(am, grp); let a1 = subgroupShuffle(am, grp + 1u); let a2 = subgroupShuffle(am, grp + 2u); let a3 = subgroupShuffle(am, grp + 3u);
    let b0 = B[c.x + k]; let b1 = B[c.y + k]; let b2 = B[c.z + k]; let b3 = B[c.w + k];
    c0 += vec4<f32>(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
    c1 += vec4<f32>(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
    c2 += vec4<f32>(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
    c3 += vec4<f32>(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
  }
  let rows = array<vec4<f32>, 4>(c0, c1, c2, c3);
  for (var ii = 0u; ii < 4u; ii++) { for (var jj = 0u; jj < 4u; jj++) {
    if (i0 + ii < P.M && j0 + jj < P.N) { C[(i0 + ii) * P.N + j0 + jj] = rows[ii][jj]; } } }
}`;
const mk = (code: string, entry: string) => {
  const m = dev.createShaderModule({ code });
  return dev.createComputePipeline({ layout: 'auto', compute: { module: m, entryPoint: entry } });
};
const pk = mk(base, 'kvec'),
  ps = mk(sg, 'main');
for (const [M, N, K] of [
  [128, 64, 64],
  [884, 128, 128],
  [512, 256, 256],
  [100, 60, 64],
]) {
  const buf = (len: number) => {
    const b = dev.createBuffer({ size: len * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    dev.queue.writeBuffer(
      b,
      0,
      Float32Array.from({ length: len }, () => Math.random() - 0.5),
    );
    return b;
  };
  const uni = dev.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  dev.queue.writeBuffer(uni, 0, Uint32Array.from([M, N, K, 2]));
  const A = buf(M * K),
    B = buf(N * K),
    C1 = buf(M * N),
    C2 = buf(M * N);
  // kvec binds its operands as A4, B4 (bindings 5, 6); the probe declares them at 1, 2
  const bg = (p: GPUComputePipeline, C: GPUBuffer, slots: number[]) =>
    dev.createBindGroup({ layout: p.getBindGroupLayout(0), entries: [uni, A, B, C].map((buffer, i) => ({ binding: slots[i], resource: { buffer } })) });
  const cands = [
    ['kvec', pk, bg(pk, C1, [0, 5, 6, 3])],
    ['sg', ps, bg(ps, C2, [0, 1, 2, 3])],
  ] as const;
  const best: Record<string, number> = {};
  for (let r = 0; r < 7; r++)
    for (const [name, p, g] of cands) {
      const enc = dev.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(p);
      pass.setBindGroup(0, g);
      for (let k = 0; k < 4; k++) pass.dispatchWorkgroups(Math.ceil(N / 32), Math.ceil(M / 32));
      pass.end();
      const t0 = performance.now();
      dev.queue.submit([enc.finish()]);
      await dev.queue.onSubmittedWorkDone();
      best[name] = Math.min(best[name] ?? Infinity, (performance.now() - t0) / 4);
    }
  const read = async (b: GPUBuffer) => {
    const s = dev.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const e = dev.createCommandEncoder();
    e.copyBufferToBuffer(b, 0, s, 0, M * N * 4);
    dev.queue.submit([e.finish()]);
    await s.mapAsync(GPUMapMode.READ);
    return new Float32Array(s.getMappedRange().slice(0));
  };
  const x = await read(C1),
    y = await read(C2);
  let md = 0;
  for (let i = 0; i < x.length; i++) md = Math.max(md, Math.abs(x[i] - y[i]));
  const gf = (ms: number) => ((2 * M * N * K) / ms / 1e6).toFixed(2);
  console.log(`${M}x${N}x${K}: kvec ${gf(best.kvec)} GF/s  sg ${gf(best.sg)} GF/s  maxdiff ${md.toExponential(1)}`);
}
process.exit(0);
