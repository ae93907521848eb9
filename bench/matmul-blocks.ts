/**
 * A probe for issue 12's "wider register block": the three vec4 matmul forms of
 * shaders/matmul.wgsl (kvec C = A·Bᵀ, outer C = Aᵀ·B, bvec C = A·B) generated at several
 * register-block shapes and workgroup shapes, timed against each other at the presets'
 * products on this adapter, each checked against a float64 product.
 *
 * Usage: bash scripts/with-dawn.sh npx tsx bench/matmul-blocks.ts [shapes: MxNxK,…]
 * Environment: BLOCKS=8x8,8x16 (rows×cols per invocation), WG=8x8,4x4 (workgroup shapes),
 * UNROLL=2 and NORETURN=1 (kvec only: k unrolled by two; no early return), DEBUG=1.
 *
 * Measured 2026-12-06 (docs/results.md §2b): the 8×8 block is 1.5–2.8× the 4×4; 8×16 and
 * 16×8 add 10–25% at 256-wide shapes only; UNROLL and NORETURN gain nothing. A 16×4
 * workgroup on a device created straight from `create()` crashed the process (futex
 * errors) in 3 of 3 runs; through nodeGpuContext with 8×8 and 4×4 workgroups, never.
 */
import { nodeGpuContext } from '../src/engine/node';

const { device: dev } = await nodeGpuContext();
dev.addEventListener('uncapturederror', (e) => console.error('WebGPU error:', (e as GPUUncapturedErrorEvent).error.message));
const debug = process.env.DEBUG ? console.log : () => {};

type Form = 'kvec' | 'outer' | 'bvec';
/** rows × cols of C per invocation; for outer and bvec, cols is a multiple of 4 */
interface Cand {
  form: Form;
  R: number;
  Cc: number;
  wg: [number, number];
}

const head = `struct P_ { M: u32, N: u32, K: u32, flags: u32 }
@group(0) @binding(0) var<uniform> P: P_;
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function store(c: Cand, acc: (i: number, j: number) => string): string {
  const lines: string[] = [];
  for (const i of range(c.R)) for (const j of range(c.Cc)) lines.push(`  if (i0 + ${i}u < P.M && j0 + ${j}u < P.N) { C[(i0 + ${i}u) * P.N + j0 + ${j}u] = ${acc(i, j)}; }`);
  return lines.join('\n');
}

function shader(c: Cand): string {
  const { R, Cc } = c;
  const wg = `@compute @workgroup_size(${c.wg[0]}, ${c.wg[1]})\nfn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * ${R}u;
  let j0 = gid.x * ${Cc}u;
  if (i0 >= P.M || j0 >= P.N) { return; }
`;
  if (c.form === 'kvec') {
    // acc[i] holds Cc/4 vec4s: row i, columns 4q..4q+3
    const Q = Cc / 4;
    const U = Number(process.env.UNROLL ?? '1');
    let s = (process.env.NORETURN ? wg.replace('  if (i0 >= P.M || j0 >= P.N) { return; }\n', '') : wg) + `  let K4 = P.K / 4u;\n`;
    for (const i of range(R)) s += `  let r${i} = min(i0 + ${i}u, P.M - 1u) * K4;\n`;
    for (const j of range(Cc)) s += `  let c${j} = min(j0 + ${j}u, P.N - 1u) * K4;\n`;
    for (const i of range(R)) for (const q of range(Q)) s += `  var acc${i}_${q} = vec4<f32>(0.0);\n`;
    // UNROLL = u: u values of k4 per iteration, their dot products summed before the accumulator (K4 % u = 0 in the probe)
    s += `  for (var k = 0u; k < K4; k += ${U}u) {\n`;
    for (const u of range(U)) {
      for (const i of range(R)) s += `    let a${i}_${u} = A4[r${i} + k + ${u}u];\n`;
      for (const j of range(Cc)) s += `    let b${j}_${u} = B4[c${j} + k + ${u}u];\n`;
    }
    for (const i of range(R))
      for (const q of range(Q))
        s += `    acc${i}_${q} += vec4<f32>(${range(4)
          .map((t) =>
            range(U)
              .map((u) => `dot(a${i}_${u}, b${4 * q + t}_${u})`)
              .join(' + '),
          )
          .join(', ')});\n`;
    s += `  }\n` + store(c, (i, j) => `acc${i}_${Math.floor(j / 4)}[${j % 4}]`) + '\n}\n';
    return head + s;
  }
  if (c.form === 'outer') {
    // A stored K×M, B K×N; R and Cc multiples of 4
    const RA = R / 4,
      Q = Cc / 4;
    let s = wg + `  let M4 = P.M / 4u;\n  let N4 = P.N / 4u;\n`;
    for (const g of range(RA)) s += `  let ra${g} = min(gid.y * ${RA}u + ${g}u, M4 - 1u);\n`;
    for (const q of range(Q)) s += `  let cb${q} = min(gid.x * ${Q}u + ${q}u, N4 - 1u);\n`;
    for (const i of range(R)) for (const q of range(Q)) s += `  var acc${i}_${q} = vec4<f32>(0.0);\n`;
    s += `  for (var k = 0u; k < P.K; k++) {\n`;
    for (const g of range(RA)) s += `    let a${g} = A4[k * M4 + ra${g}];\n`;
    for (const q of range(Q)) s += `    let b${q} = B4[k * N4 + cb${q}];\n`;
    for (const i of range(R)) for (const q of range(Q)) s += `    acc${i}_${q} += a${Math.floor(i / 4)}[${i % 4}] * b${q};\n`;
    s += `  }\n` + store(c, (i, j) => `acc${i}_${Math.floor(j / 4)}[${j % 4}]`) + '\n}\n';
    return head + s;
  }
  // bvec: A stored M×K (vec4 along k), B K×N (vec4 along n)
  const Q = Cc / 4;
  let s = wg + `  let K4 = P.K / 4u;\n  let N4 = P.N / 4u;\n`;
  for (const i of range(R)) s += `  let r${i} = min(i0 + ${i}u, P.M - 1u) * K4;\n`;
  for (const q of range(Q)) s += `  let cb${q} = min(gid.x * ${Q}u + ${q}u, N4 - 1u);\n`;
  for (const i of range(R)) for (const q of range(Q)) s += `  var acc${i}_${q} = vec4<f32>(0.0);\n`;
  s += `  for (var k4 = 0u; k4 < K4; k4++) {\n    let bo = 4u * k4 * N4;\n`;
  for (const t of range(4)) for (const q of range(Q)) s += `    let b${t}_${q} = B4[bo + ${t}u * N4 + cb${q}];\n`;
  for (const i of range(R)) s += `    let a${i} = A4[r${i} + k4];\n`;
  for (const i of range(R))
    for (const q of range(Q))
      s += `    acc${i}_${q} += ${range(4)
        .map((t) => `a${i}[${t}] * b${t}_${q}`)
        .join(' + ')};\n`;
  s += `  }\n` + store(c, (i, j) => `acc${i}_${Math.floor(j / 4)}[${j % 4}]`) + '\n}\n';
  return head + s;
}

const shapes = (process.argv[2] ?? '212x64x64,884x128x128,3764x256x256').split(',').map((s) => s.split('x').map(Number));
const cands: Cand[] = [];
for (const form of ['kvec', 'outer', 'bvec'] as Form[])
  for (const [R, Cc] of (process.env.BLOCKS ?? '4x4,4x8,8x4,8x8').split(',').map((w) => w.split('x').map(Number)))
    for (const wg of (process.env.WG ?? '8x8,16x4,4x4').split(',').map((w) => w.split('x').map(Number)) as [number, number][]) cands.push({ form, R, Cc, wg });

const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
for (const [M, N, K] of shapes) {
  for (const form of ['kvec', 'outer', 'bvec'] as Form[]) {
    // op(A) M×K, op(B) K×N; storage per form
    const a = rand(M * K),
      b = rand(K * N);
    const Aget = form === 'outer' ? (i: number, k: number) => a[k * M + i] : (i: number, k: number) => a[i * K + k];
    const Bget = form === 'kvec' ? (k: number, j: number) => b[j * K + k] : (k: number, j: number) => b[k * N + j];
    const ref = new Float64Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += Aget(i, k) * Bget(k, j);
        ref[i * N + j] = s;
      }
    const buf = (data: Float32Array<ArrayBuffer> | number) => {
      const size = typeof data === 'number' ? data * 4 : data.byteLength;
      const g = dev.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
      if (typeof data !== 'number') dev.queue.writeBuffer(g, 0, data);
      return g;
    };
    const uni = dev.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    dev.queue.writeBuffer(uni, 0, Uint32Array.from([M, N, K, 0]));
    const gA = buf(a),
      gB = buf(b),
      gC = buf(M * N);
    const run = cands
      .filter((c) => c.form === form)
      .map((c) => {
        debug(c);
        const module = dev.createShaderModule({ code: shader(c) });
        const p = dev.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
        const bg = dev.createBindGroup({
          layout: p.getBindGroupLayout(0),
          entries: [uni, gA, gB, gC].map((buffer, i) => ({ binding: i, resource: { buffer } })),
        });
        return { c, p, bg, best: Infinity, err: 0 };
      });
    const reps = Math.max(1, Math.round(2e7 / (M * N * K)));
    for (let round = 0; round < 5; round++)
      for (const r of run) {
        debug('time', round, r.c);
        const enc = dev.createCommandEncoder();
        const pass = enc.beginComputePass();
        pass.setPipeline(r.p);
        pass.setBindGroup(0, r.bg);
        const gx = Math.ceil(N / (r.c.Cc * r.c.wg[0])),
          gy = Math.ceil(M / (r.c.R * r.c.wg[1]));
        for (let t = 0; t < reps; t++) pass.dispatchWorkgroups(gx, gy);
        pass.end();
        const t0 = performance.now();
        dev.queue.submit([enc.finish()]);
        await dev.queue.onSubmittedWorkDone();
        r.best = Math.min(r.best, (performance.now() - t0) / reps);
        if (round === 0) {
          const s = dev.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
          const e = dev.createCommandEncoder();
          e.copyBufferToBuffer(gC, 0, s, 0, M * N * 4);
          dev.queue.submit([e.finish()]);
          await s.mapAsync(GPUMapMode.READ);
          const got = new Float32Array(s.getMappedRange().slice(0));
          s.unmap();
          for (let i = 0; i < got.length; i++) r.err = Math.max(r.err, Math.abs(got[i] - ref[i]));
        }
      }
    run.sort((x, y) => x.best - y.best);
    const gf = (ms: number) => ((2 * M * N * K) / ms / 1e6).toFixed(2);
    console.log(`\n${M}x${N}x${K} ${form}`);
    for (const r of run) console.log(`  ${r.c.R}x${r.c.Cc} wg ${r.c.wg.join('x')}: ${r.best.toFixed(2)} ms  ${gf(r.best)} GF/s  maxerr ${r.err.toExponential(1)}`);
  }
}
process.exit(0);
