/**
 * An optimizer variant as one token, `OPT` or `OPT+GATE` (adamw, adamw+exact-hard,
 * cautious, sgd+stream, …): the sweep's --variants and the lab's compare lane (`vs`).
 */
import { GATES, OPTIMIZERS, type GateVariant, type OptimizerName } from '../config/settings';

export interface Variant {
  name: string;
  opt: OptimizerName;
  gate: GateVariant;
}

/** parses one token; throws with a message naming what is wrong */
export function parseVariant(raw: string): Variant {
  const name = raw.trim();
  const [opt, gate = 'off', ...rest] = name.split('+');
  if (rest.length > 0) throw new Error(`"${name}": one optimizer and at most one gate (OPT or OPT+GATE)`);
  if (!(OPTIMIZERS as readonly string[]).includes(opt)) throw new Error(`"${name}": unknown optimizer "${opt}" (${OPTIMIZERS.join('|')})`);
  if (!(GATES as readonly string[]).includes(gate)) throw new Error(`"${name}": unknown gate "${gate}" (${GATES.join('|')})`);
  return { name, opt: opt as OptimizerName, gate: gate as GateVariant };
}
