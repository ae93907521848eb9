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
  gather: ['embed', 'gather'],
  scatter: ['embed', 'scatter'],
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

const cache = new WeakMap<GPUDevice, Pipelines>();

export async function getPipelines(device: GPUDevice, sources: ShaderSources): Promise<Pipelines> {
  const hit = cache.get(device);
  if (hit) return hit;
  const modules = new Map<ShaderName, GPUShaderModule>();
  for (const [file] of Object.values(ENTRY_POINTS)) {
    if (modules.has(file)) continue;
    const module = device.createShaderModule({ label: `${file}.wgsl`, code: sources[file] });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) throw new Error(`shaders/${file}.wgsl failed to compile: ${errors.map((e) => `line ${e.lineNum}: ${e.message}`).join('; ')}`);
    modules.set(file, module);
  }
  const out: Partial<Pipelines> = {};
  device.pushErrorScope('validation');
  for (const [name, [file, entryPoint]] of Object.entries(ENTRY_POINTS) as [KernelName, readonly [ShaderName, string]][]) {
    out[name] = await device.createComputePipelineAsync({ label: name, layout: 'auto', compute: { module: modules.get(file)!, entryPoint } });
  }
  const err = await device.popErrorScope();
  if (err) throw new Error(`pipeline creation failed: ${err.message}`);
  const pipelines = out as Pipelines;
  cache.set(device, pipelines);
  return pipelines;
}
