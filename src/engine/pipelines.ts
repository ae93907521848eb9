/**
 * Compiled compute pipelines, one per WGSL entry point, created once per device
 * and cached. Compilation errors surface as one Error naming the file and line.
 */
import type { ShaderName, ShaderSources } from './shaders';

export const ENTRY_POINTS = {
  matmul: ['matmul', 'main'],
  matmulDual: ['matmul', 'main_dual'],
  matmulTiled: ['matmul', 'tiled'],
  matmulTiledDual: ['matmul', 'tiled_dual'],
  biasAct: ['activation', 'bias_act'],
  addBias: ['activation', 'add_bias'],
  actBackward: ['activation', 'act_backward'],
  biasGrad: ['activation', 'bias_grad'],
  actBiasGrad: ['activation', 'act_bias_grad'],
  lookupAct: ['activation', 'lookup_act'],
  lookupAct4: ['activation', 'lookup_act4'],
  scatter: ['embed', 'scatter'],
  tokenSum: ['embed', 'token_sum'],
  tokenSum4: ['embed', 'token_sum4'],
  softmaxCE: ['loss', 'softmax_ce'],
  squaredLoss: ['loss', 'squared'],
  metricsPartial: ['metrics', 'partial'],
  metricsFinish: ['metrics', 'finish'],
  optDirection: ['optim', 'direction'],
  optDirectionApply: ['optim', 'direction_apply'],
  maskPartial: ['optim', 'mask_partial'],
  maskFinish: ['optim', 'mask_finish'],
  optApply: ['optim', 'apply'],
  kernelWeight: ['kernel', 'weight_kernel'],
  kernelLayerFull: ['kernel', 'layer_full'],
  kernelEmbedFull: ['kernel', 'embed_full'],
  kernelEmbedTrace: ['kernel', 'embed_trace'],
  kernelLayerTrace: ['kernel', 'layer_trace'],
  matmulKvec: ['matmul', 'kvec'],
  matmulOuter4: ['matmul', 'outer4'],
  matmulOuter4Dual: ['matmul', 'outer4_dual'],
  matmulBvec: ['matmul', 'bvec'],
  matmulKvec8: ['matmul', 'kvec8'],
  matmulOuter8: ['matmul', 'outer8'],
  matmulOuter8Dual: ['matmul', 'outer8_dual'],
  matmulBvec8: ['matmul', 'bvec8'],
  matmulBlock8: ['matmul', 'main8'],
  matmulBlock8Dual: ['matmul', 'main8_dual'],
  seqGather: ['transformer', 'seq_gather'],
  tokScatter: ['transformer', 'tok_scatter'],
  layerNorm: ['transformer', 'layer_norm'],
  layerNormBack: ['transformer', 'layer_norm_back'],
  lnParamGrad: ['transformer', 'ln_param_grad'],
  attention: ['transformer', 'attention'],
  attentionBack: ['transformer', 'attention_back'],
  seqWeightGrad: ['transformer', 'seq_weight_grad'],
} as const satisfies Record<string, readonly [ShaderName, string]>;

export type KernelName = keyof typeof ENTRY_POINTS;
export type Pipelines = Record<KernelName, GPUComputePipeline>;

/** every entry point: what getPipelines compiles when not told which */
export const ALL_KERNELS = Object.keys(ENTRY_POINTS) as KernelName[];

/** per device: each shader file's module and each entry point's pipeline, as promises, so concurrent callers share one compile */
const cache = new WeakMap<GPUDevice, { modules: Map<ShaderName, Promise<GPUShaderModule>>; pipelines: Map<KernelName, Promise<GPUComputePipeline>> }>();

async function compileModule(device: GPUDevice, file: ShaderName, code: string): Promise<GPUShaderModule> {
  // the scope is pushed and popped around the one synchronous call, so concurrent compiles cannot interleave their scopes
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: `${file}.wgsl`, code });
  const scope = device.popErrorScope();
  const info = await module.getCompilationInfo();
  const err = await scope;
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) throw new Error(`shaders/${file}.wgsl failed to compile: ${errors.map((e) => `line ${e.lineNum}: ${e.message}`).join('; ')}`);
  if (err) throw new Error(`shaders/${file}.wgsl failed to compile: ${err.message}`);
  return module;
}

/**
 * The pipelines of `names` on this device, compiled on first request and cached.
 * Only what is asked for is compiled, and all of it concurrently: on SwiftShader a
 * pipeline costs 10 ms to 1 s of CPU, so the instruments' worker, which needs the
 * five kernel-block entry points, no longer waits behind every entry point of the
 * engine (test/pipelines.gpu.test.ts). A failed compile is not cached: the next call retries.
 */
export async function getPipelines<N extends KernelName = KernelName>(device: GPUDevice, sources: ShaderSources, names: readonly N[] = ALL_KERNELS as N[]): Promise<Pick<Pipelines, N>> {
  let entry = cache.get(device);
  if (!entry) cache.set(device, (entry = { modules: new Map(), pipelines: new Map() }));
  const { modules, pipelines } = entry;
  const pipelineOf = (name: KernelName): Promise<GPUComputePipeline> => {
    const hit = pipelines.get(name);
    if (hit) return hit;
    const [file, entryPoint] = ENTRY_POINTS[name];
    let module = modules.get(file);
    if (!module) {
      module = compileModule(device, file, sources[file]);
      modules.set(file, module);
      module.catch(() => modules.delete(file));
    }
    const made = module.then((m) =>
      device.createComputePipelineAsync({ label: name, layout: 'auto', compute: { module: m, entryPoint } }).catch((e: unknown) => {
        throw new Error(`pipeline ${name} (shaders/${file}.wgsl, ${entryPoint}) failed: ${e instanceof Error ? e.message : String(e)}`);
      }),
    );
    pipelines.set(name, made);
    made.catch(() => pipelines.delete(name));
    return made;
  };
  const made = await Promise.all(names.map(pipelineOf));
  return Object.fromEntries(names.map((n, i) => [n, made[i]])) as Pick<Pipelines, N>;
}
