/**
 * Named binding tables: for every kernel (pipelines.ts ENTRY_POINTS), the WGSL
 * variable name of each resource it binds and its @binding number. Hosts bind by
 * name through the arena (arena.ts), never by bare number; test/bindings.test.ts
 * parses shaders/*.wgsl and checks every table against the declarations and
 * against the variables each entry point actually reads or writes.
 */
import type { KernelName } from './pipelines';

export const BINDINGS = {
  matmul: { P: 0, A: 1, B: 2, C: 3 },
  matmulDual: { P: 0, A: 1, B: 2, C: 3, C2: 4 },
  matmulTiled: { P: 0, A: 1, B: 2, C: 3 },
  matmulTiledDual: { P: 0, A: 1, B: 2, C: 3, C2: 4 },
  matmulKvec: { P: 0, A4: 5, B4: 6, C: 3 },
  matmulOuter4: { P: 0, A4: 5, B4: 6, C: 3 },
  matmulOuter4Dual: { P: 0, A4: 5, B4: 6, C: 3, C2: 4 },
  matmulBvec: { P: 0, A4: 5, B4: 6, C: 3 },
  matmulKvec8: { P: 0, A4: 5, B4: 6, C: 3 },
  matmulOuter8: { P: 0, A4: 5, B4: 6, C: 3 },
  matmulOuter8Dual: { P: 0, A4: 5, B4: 6, C: 3, C2: 4 },
  matmulBvec8: { P: 0, A4: 5, B4: 6, C: 3 },
  matmulBlock8: { P: 0, A: 1, B: 2, C: 3 },
  matmulBlock8Dual: { P: 0, A: 1, B: 2, C: 3, C2: 4 },
  biasAct: { S0: 0, bias: 1, Z: 2, H: 3 },
  addBias: { S1: 4, Xr: 5, D: 6 },
  actBackward: { S1: 4, Xr: 5, D: 6 },
  biasGrad: { S2: 7, dZ: 8, G: 9, SQ: 10 },
  actBiasGrad: { S3: 11, Zg: 12, Dg: 13, Gg: 14, SQg: 15 },
  lookupAct: { S4: 16, Pl: 17, tokl: 18, biasl: 19, Zl: 20, Hl: 21 },
  lookupAct4: { S5: 22, Pv: 23, tokv: 24, biasv: 25, Zv: 26, Hv: 27 },
  scatter: { G1: 4, dX: 5, rowStart: 6, entries: 7, dE: 8, SQ: 9 },
  tokenSum: { G2: 10, dZt: 11, rowStart: 6, entries: 7, St: 12, Rt: 13 },
  tokenSum4: { G3: 14, dZq: 15, rowStart: 6, entries: 7, Sq: 16, Rq: 17 },
  softmaxCE: { L: 0, labels: 1, Z: 2, perEx: 3 },
  squaredLoss: { S: 4, targets: 5, U: 6, perExSq: 7 },
  metricsPartial: { M0: 0, perEx: 1, category: 2, partials: 3, weights: 7 },
  metricsFinish: { M1: 4, partialsIn: 5, history: 6 },
  optDirection: { O: 0, grad: 1, sq: 2, state: 3, out: 4 },
  optDirectionApply: { O: 0, grad: 1, sq: 2, state: 3, out: 4, wF: 17, tensorsF: 18 },
  maskPartial: { O2: 5, tensors: 6, outIn: 7, partials: 8 },
  maskFinish: { O3: 9, partialsIn: 10, stats: 11 },
  optApply: { O4: 12, tensorsA: 13, outA: 14, statsA: 15, w: 16 },
  kernelWeight: { U0: 0, XA0: 1, XB0: 2, wW0: 3, wb0: 4, out0: 5 },
  kernelLayerFull: { U1: 6, DA1: 7, DB1: 8, T1: 9, K1: 10 },
  kernelEmbedFull: { U2: 11, GA2: 12, GB2: 13, pairs2: 14, tokA2: 15, wE2: 16, K2: 17 },
  kernelEmbedTrace: { U3: 18, GA3: 19, GB3: 20, pairs3: 21, tokA3: 22, wE3: 23, K3: 24 },
  kernelLayerTrace: { U4: 25, DA4: 26, DB4: 27, T4: 28, K4: 29 },
  seqGather: { SG: 0, tokE: 1, posE: 2, tokS: 3, Xs: 4 },
  tokScatter: { TS: 5, dXt: 6, rowStartT: 7, entriesT: 8, dEt: 9, SQt: 10 },
  layerNorm: { LN: 11, Xln: 12, gLn: 13, bLn: 14, Yln: 15, XH: 16, RS: 17 },
  layerNormBack: { LB: 18, dYb: 19, XHb: 20, RSb: 21, gB: 22, dXb: 23 },
  lnParamGrad: { LP: 24, dYp: 25, XHp: 26, Gg: 27, Gb: 28, SQg: 29, SQb: 30 },
  attention: { AT: 31, Qa: 32, Ka: 33, Va: 34, Aa: 35, Oa: 36 },
  attentionBack: { AB: 37, dOb: 38, Qb: 39, Kb: 40, Vb: 41, Ab: 42, dQb: 43, dKb: 44, dVb: 45 },
  seqWeightGrad: { WG: 46, dYw: 47, Xw: 48, Gw: 49, SQw: 50 },
} as const satisfies Record<KernelName, Record<string, number>>;

/** A range of a buffer bound to one binding (whole buffer when offset/size are absent). */
export type Slice = { buffer: GPUBuffer; offset?: number; size?: number };

/** Every resource of a kernel, by its WGSL name. */
export type BindingsOf<K extends KernelName> = { [N in keyof (typeof BINDINGS)[K]]: Slice };
