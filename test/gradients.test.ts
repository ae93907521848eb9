/**
 * The float64 reference model against finite differences, and its Σg² against
 * per-example gradients computed one example at a time (the gate's statistics).
 */
import { describe, it } from 'vitest';
import { ACTIVATIONS } from '../src/config/settings';
import { initParams, modelLayout } from '../src/model/layout';
import { Rng } from '../src/util/rng';
import { expectFiniteDifferences, expectSquaredGradientsPerExample } from './gradcheck';

describe('reference gradients', () => {
  for (const act of ACTIVATIONS)
    for (const depth of [1, 2, 3])
      it(`match central finite differences (${act}, depth ${depth})`, () => {
        const layout = modelLayout({ p: 5, embed: 3, width: 4, depth, act });
        const w = Float64Array.from(initParams(layout, depth));
        const rng = new Rng(depth, act);
        const n = 9;
        const tokens = Uint32Array.from({ length: 2 * n }, () => rng.int(5));
        tokens[1] = tokens[0]; // an a = b example
        const labels = Uint32Array.from({ length: n }, () => rng.int(5));
        expectFiniteDifferences(layout, w, tokens, labels, n);
      });

  it('Σ(g_i/b)² equals the sum over explicit per-example gradients, a = b included', () => {
    const layout = modelLayout({ p: 7, embed: 4, width: 6, depth: 2, act: 'gelu' });
    const w = Float64Array.from(initParams(layout, 3));
    const rng = new Rng(3, 'persample');
    const n = 12;
    const tokens = Uint32Array.from({ length: 2 * n }, () => rng.int(7));
    for (let i = 0; i < 4; i++) tokens[2 * i + 1] = tokens[2 * i];
    const labels = Uint32Array.from({ length: n }, () => rng.int(7));
    expectSquaredGradientsPerExample(layout, w, tokens, labels, n);
  });
});
