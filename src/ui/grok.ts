/** Chart helpers; "memorised" and "grokked" are defined once, in src/model/grok.ts. */
export { grokSteps, GROKKED_ACC, MEMORISED_ACC } from '../model/grok';

/** at most `max` points, evenly strided, always keeping the newest */
export function thin<T>(rows: readonly T[], max = 1500): T[] {
  if (rows.length <= max) return rows.slice();
  const stride = Math.ceil(rows.length / max);
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += stride) out.push(rows[i]);
  if (out[out.length - 1] !== rows[rows.length - 1]) out.push(rows[rows.length - 1]);
  return out;
}
