/**
 * Times the matmul variants on this adapter at the presets' products (no cache, no
 * budget): `bash scripts/with-dawn.sh npx tsx bench/autotune.ts [preset…]`.
 */
import { presetConfig } from '../src/config/presets';
import { formatTuneTable, stepShapes, timeVariants } from '../src/engine/autotune';
import { nodeGpuContext } from '../src/engine/node';
import { nodeShaderSources } from '../src/engine/nodeShaders';
import { getPipelines } from '../src/engine/pipelines';

const ctx = await nodeGpuContext();
const pl = await getPipelines(ctx.device, nodeShaderSources());
for (const name of process.argv.slice(2).length ? process.argv.slice(2) : ['tiny', 'lecture', 'paper']) {
  const shapes = stepShapes(presetConfig(name)!);
  const t0 = performance.now();
  const rows = await timeVariants(ctx, pl, shapes, Infinity, 5);
  console.log(`\n${name} (${ctx.adapterName}), ${(performance.now() - t0).toFixed(0)} ms\n${formatTuneTable(rows)}`);
}
process.exit(0);
