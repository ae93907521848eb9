/**
 * The exact gates' fused weight-gradient pass (C = AᵀB and C2 = (A∘A)ᵀ(B∘B), the
 * per-example Σg²) per matmul variant, beside the plain pass of the same variant, at
 * the benchmark sizes' weight gradients: what the gate costs in each kernel.
 *
 * Usage: bash scripts/with-dawn.sh npx tsx bench/dual-matmul.ts
 */
import { MATMUL_VARIANTS, variantApplies, type MatmulVariant } from '../src/engine/modules/matmul';
import { BINDINGS } from '../src/engine/bindings';
import { nodeGpuContext } from '../src/engine/node';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { getPipelines, type KernelName } from '../src/engine/pipelines';
import { MM_TRANS_A } from '../src/model/rules';

const { device: dev, adapterName } = await nodeGpuContext();
const pl = await getPipelines(dev, nodeShaderSources());
console.log(adapterName);
for (const [M, N, K] of [
  [64, 64, 212],
  [128, 128, 884],
  [256, 256, 3764],
]) {
  const s = { M, N, K, flags: MM_TRANS_A };
  const buf = (n: number) => dev.createBuffer({ size: 4 * n, usage: GPUBufferUsage.STORAGE });
  const uni = dev.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  dev.queue.writeBuffer(uni, 0, Uint32Array.from([M, N, K, MM_TRANS_A]));
  const A = buf(M * K),
    B = buf(K * N),
    C = buf(M * N),
    C2 = buf(M * N);
  const kernels: [string, KernelName][] = [];
  for (const v of Object.keys(MATMUL_VARIANTS) as MatmulVariant[])
    if (variantApplies(v, s)) {
      const { plain, dual } = MATMUL_VARIANTS[v];
      kernels.push([`${v} plain`, plain], [`${v} dual`, dual]);
    }
  const run = kernels.map(([name, k]) => {
    const table = BINDINGS[k] as Record<string, number>;
    const res: Record<string, GPUBuffer> = { P: uni, A, B, A4: A, B4: B, C, C2 };
    const entries = Object.entries(table).map(([n, binding]) => ({ binding, resource: { buffer: res[n] } }));
    return { name, p: pl[k], bg: dev.createBindGroup({ layout: pl[k].getBindGroupLayout(0), entries }), best: Infinity };
  });
  const reps = Math.max(1, Math.round(3e7 / (M * N * K)));
  for (let r = 0; r < 5; r++)
    for (const x of r % 2 ? [...run].reverse() : run) {
      const enc = dev.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(x.p);
      pass.setBindGroup(0, x.bg);
      for (let i = 0; i < reps; i++) pass.dispatchWorkgroups(Math.ceil(N / 32), Math.ceil(M / 32));
      pass.end();
      const t0 = performance.now();
      dev.queue.submit([enc.finish()]);
      await dev.queue.onSubmittedWorkDone();
      x.best = Math.min(x.best, (performance.now() - t0) / reps);
    }
  console.log(`\n${M}x${N}x${K} (weight gradient), ms per pass, best of 5:`);
  for (let i = 0; i < run.length; i += 2)
    console.log(`  ${run[i].name.replace(' plain', '').padEnd(8)} plain ${run[i].best.toFixed(2)}  dual ${run[i + 1].best.toFixed(2)}  dual ÷ plain ${(run[i + 1].best / run[i].best).toFixed(2)}`);
}
process.exit(0);
