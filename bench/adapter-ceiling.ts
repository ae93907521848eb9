/**
 * What limits a matmul on this adapter: its arithmetic and row-load ceilings
 * (src/bench/ceiling.ts, shaders/ceiling.wgsl) beside the wide vec4 forms at the large
 * size's products, each with the bound the ceilings put on it (one vec4 load per lane
 * for every 16 multiply-adds).
 *
 * Usage: bash scripts/with-dawn.sh npx tsx bench/adapter-ceiling.ts
 */
import { adapterCeiling, boundGflops } from '../src/bench/ceiling';
import { ceilingShapes, matmulCeiling, benchConfig } from '../src/bench/core';
import { nodeGpuContext } from '../src/engine/node';
import { nodeShaderSources } from '../src/engine/nodeShaders';

const ctx = await nodeGpuContext();
const src = nodeShaderSources();
const c = await adapterCeiling(ctx, src);
const b = boundGflops(c, 16, 256);
console.log(`adapter: ${ctx.adapterName}`);
console.log(
  `arithmetic ceiling ${c.arithmeticGflops.toFixed(2)} GFLOP/s; row loads ${c.rowLoadsG.toFixed(3)} G vec4/s → the wide vec4 forms at most ${b.loads.toFixed(2)} GFLOP/s (${b.binding}-bound)`,
);
for (const row of await matmulCeiling(ctx, src, ceilingShapes(benchConfig('large')), 3)) {
  const [v, g] = Object.entries(row.gflops).sort((x, y) => y[1] - x[1])[0];
  console.log(
    `${row.shape}: best ${v} ${g.toFixed(2)} GFLOP/s = ${((100 * g) / Math.min(b.loads, b.arithmetic)).toFixed(0)}% of the bound, ${((100 * g) / c.arithmeticGflops).toFixed(0)}% of the arithmetic ceiling`,
  );
}
process.exit(0);
