/**
 * Run files (PRODUCT.md "run file") for the lab's export and import, through
 * src/model/runfile.ts, the format the CLI writes too.
 */
import { buildRunFile, parseRunFile, type ParsedRun } from '../model/runfile';
import type { Lane } from './lane';

export type { ParsedRun };

export async function exportRun(l: Lane): Promise<string> {
  const state = await l.trainer.readState();
  const json = buildRunFile({
    config: l.config,
    dataset: l.dataset,
    step: state.step,
    metrics: l.metrics,
    events: l.events,
    state,
    layout: l.layout,
    instruments: l.measurer?.history(),
  });
  return JSON.stringify(json);
}

export async function importRun(text: string): Promise<ParsedRun> {
  return parseRunFile(text);
}
