/**
 * The network a config asks for: the MLP (src/model/layout.ts) or the transformer
 * (src/model/transformerLayout.ts). Both share the flat, aligned parameter layout, so
 * the optimizer, the gate, the run file and the per-tensor telemetry see only `tensors`.
 */
import type { RunConfig } from '../config/settings';
import { modelLayout, type ModelLayout } from './layout';
import { transformerLayout, type TransformerLayout } from './transformerLayout';

export type NetLayout = ModelLayout | TransformerLayout;

export function netLayout(cfg: RunConfig): NetLayout {
  return cfg.arch === 'transformer' ? transformerLayout({ p: cfg.p, dmodel: cfg.dmodel, heads: cfg.heads, ffn: cfg.ffn, layers: cfg.layers }) : modelLayout(cfg);
}

/** The MLP's layout, or a clear error where a feature exists for the MLP only. */
export function mlpOnly(layout: NetLayout, what: string): ModelLayout {
  if (layout.arch !== 'mlp') throw new Error(`${what} is available for the MLP only (this run is a ${layout.arch})`);
  return layout;
}
