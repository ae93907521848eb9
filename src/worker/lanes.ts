/**
 * The lanes of a run. Compare mode races two runs from the same seed and data:
 * lane 0 with the gate off, lane 1 with the gate on (the chosen variant, or the
 * seed's exact-hard rule when the setup has the gate off) — or, with a challenger
 * `vs` (OPT or OPT+GATE), lane 0 runs the setup as it is and lane 1 the challenger.
 */
import type { GateVariant, RunConfig } from '../config/settings';
import { describeGate } from '../model/trainer';
import type { Variant } from '../model/variant';

export const DEFAULT_GATE: GateVariant = 'exact-hard';

export interface LaneSpec {
  lane: number;
  label: string;
  config: RunConfig;
}

export function laneConfigs(config: RunConfig, compare: boolean, vs: Variant | null = null): LaneSpec[] {
  if (!compare) return [{ lane: 0, label: describeGate(config.gate, config.opt), config }];
  if (vs)
    return [
      { lane: 0, label: describeGate(config.gate, config.opt), config },
      { lane: 1, label: `${describeGate(vs.gate, vs.opt)} (challenger)`, config: { ...config, opt: vs.opt, gate: vs.gate } },
    ];
  const gated: GateVariant = config.gate === 'off' ? DEFAULT_GATE : config.gate;
  return [
    { lane: 0, label: `gate off (${config.opt})`, config: { ...config, gate: 'off' } },
    { lane: 1, label: `gate on (${describeGate(gated, config.opt)})`, config: { ...config, gate: gated } },
  ];
}
