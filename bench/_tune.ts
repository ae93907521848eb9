import { benchConfig } from '../src/bench/core';
import { formatTuneTable, stepShapes, timeVariants } from '../src/engine/autotune';
import { nodeGpuContext } from '../src/engine/node';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { getPipelines } from '../src/engine/pipelines';
const ctx = await nodeGpuContext();
const pl = await getPipelines(ctx.device, nodeShaderSources());
for (const size of ['mid', 'large']) {
  const t0 = performance.now();
  const rows = await timeVariants(ctx, pl, stepShapes(benchConfig(size)), 300);
  console.log(size, (performance.now() - t0).toFixed(0), 'ms\n' + formatTuneTable(rows));
}
process.exit(0);
