/**
 * The lanes of a run. Compare mode races two runs from the same seed and data:
 * lane 0 with the gate off, lane 1 with the gate on (the chosen variant, or the
 * seed's exact-hard rule when the setup has the gate off).
 */
import type { GateVariant, RunConfig } from '../config/settings';
import { describeGate } from '../model/trainer';

export const DEFAULT_GATE: GateVariant = 'exact-hard';

export interface LaneSpec {
  lane: number;
  label: string;
  config: RunConfig;
}

export function laneConfigs(config: RunConfig, compare: boolean): LaneSpec[] {
  if (!compare) return [{ lane: 0, label: describeGate(config.gate, config.opt), config }];
  const gated: GateVariant = config.gate === 'off' ? DEFAULT_GATE : config.gate;
  return [
    { lane: 0, label: `gate off (${config.opt})`, config: { ...config, gate: 'off' } },
    { lane: 1, label: `gate on (${describeGate(gated, config.opt)})`, config: { ...config, gate: gated } },
  ];
}
