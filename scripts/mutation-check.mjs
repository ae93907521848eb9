#!/usr/bin/env node
/**
 * Mutation check for the theory instruments, the wide matmul kernels and the first layer's
 * p-row path (tests must fail when the wiring is wrong). Each mutation is a plausible slip in src/theory — h = η instead of η·r, a
 * dropped 1/n in g or in B, a flipped sign of g, the eNTK K in place of K̃, a threshold
 * under a square root, the discrete integrator's Σq^{2k} written Σq^k. For each one the
 * file is patched in place, the theory tests run, and the file is restored; the check
 * passes only if every mutation makes the suite fail. A pattern that no longer matches
 * exactly once is itself a failure, so the check cannot go quietly stale, and every test
 * list must pass unmutated before any mutation counts as caught. The kernel tests need
 * WebGPU: scripts/test.sh runs this under scripts/with-dawn.sh.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

// the fast theory tests: the independent dense computation and the Gramian's closed forms
const TESTS = ['test/theory-independent.test.ts', 'test/theory-gramian.test.ts'];
const MUTATIONS = [
  {
    name: 'h = η instead of η·r (interval length ignores the steps held)',
    edits: [
      ['src/theory/instruments.ts', 'gram.advance(eta, steps,', 'gram.advance(eta, 1,'],
      ['src/theory/instruments.ts', 't?.advance(held.sys, eta, steps,', 't?.advance(held.sys, eta, 1,'],
    ],
  },
  {
    name: '1/n dropped from g',
    edits: [
      ['src/theory/outputSystem.ts', 'crossEntropyGradient(this.U, loss.labels, train.m, p, nScale)', 'crossEntropyGradient(this.U, loss.labels, train.m, p, 1)'],
      ['src/theory/instruments.ts', 'crossEntropyGradient(SG.logits, this.gSet.targets as Uint32Array, mG, p, nTrain)', 'crossEntropyGradient(SG.logits, this.gSet.targets as Uint32Array, mG, p, 1)'],
    ],
  },
  {
    name: '1/n dropped from B',
    edits: [
      ['src/theory/outputSystem.ts', 'crossEntropyHessian(this.U, train.m, p, nScale)', 'crossEntropyHessian(this.U, train.m, p, 1)'],
      ['src/theory/instruments.ts', 'crossEntropyHessian(SG.logits, mG, p, nTrain)', 'crossEntropyHessian(SG.logits, mG, p, 1)'],
    ],
  },
  { name: 'sign of g flipped', edits: [['src/theory/instruments.ts', 'new TrackedVector(sys.g, sys, true)', 'new TrackedVector(sys.g.map((v) => -v), sys, true)']] },
  { name: 'the Gramian built on K instead of K̃ (ω dropped)', edits: [['src/theory/outputSystem.ts', 'for (let k = 0; k < grad.length; k++) grad[k] *= this.omega[k];', '']] },
  {
    name: 'thresholds under a square root (τ → √τ, 1 − e⁻² → √(1 − e⁻²))',
    edits: [
      ['src/theory/instruments.ts', 'o.tau * gram.firstMax', 'Math.sqrt(o.tau) * gram.firstMax'],
      ['src/theory/channel.ts', 'export const DECAYED_LEVEL = 1 - Math.exp(-2);', 'export const DECAYED_LEVEL = Math.sqrt(1 - Math.exp(-2));'],
    ],
  },
  { name: 'discrete integrator: Σ q^k in place of Σ q^{2k} for W', edits: [['src/theory/gramian.ts', 'phi += eta * qk * qk;', 'phi += eta * qk;']] },
  // the transformer's instruments (src/theory/network.ts), checked by their own tests
  {
    name: "transformer: the warm-up's step sizes ignored (η = lr from step 1)",
    edits: [['src/theory/instruments.ts', 'return lr * warmupFactor(this.layout.arch, step + 1);', 'return lr;']],
    tests: ['test/theory-transformer.test.ts'],
  },
  {
    name: "transformer tangent: softmax's −Σ A ṡ term dropped in attention",
    edits: [['src/theory/network.ts', 'o += A * (ds[u] - mean) * c.V[uo + k] + A * dV[uo + k];', 'o += A * ds[u] * c.V[uo + k] + A * dV[uo + k];']],
    tests: ['test/theory-transformer.test.ts'],
  },
  {
    name: "transformer tangent: LayerNorm's variance term dropped",
    edits: [['src/theory/network.ts', 'const dxh = rstd[r] * (dX[o + j] - m1 - xhat[o + j] * m2);', 'const dxh = rstd[r] * (dX[o + j] - m1);']],
    tests: ['test/theory-transformer.test.ts'],
  },
  // the matrix-free whole-set W (src/theory/wholeGramian.ts), against the dense one
  {
    name: 'whole-set W: the backward sweep forgets the propagator (u ← w_i + u instead of w_i + E_iᵀu)',
    edits: [['src/theory/wholeGramian.ts', 'u = u.map((v, k) => v - Ra[k] + w[i][k]);', 'u = u.map((v, k) => v + 0 * Ra[k] + w[i][k]);']],
    tests: ['test/theory-whole-gramian.test.ts'],
  },
  // the wide matmul kernels (shaders/matmul.wgsl), against the reference product
  {
    name: 'kvec8: the second column quadrant multiplies by the first B block (copy-paste slip)',
    edits: [['shaders/matmul.wgsl', '    q01 += mat4x4<f32>(a0 * b1, a1 * b1, a2 * b1, a3 * b1);', '    q01 += mat4x4<f32>(a0 * b0, a1 * b1, a2 * b1, a3 * b1);']],
    tests: ['test/kernels.gpu.test.ts'],
  },
  {
    name: 'bvec8: two k rows of the second B block swapped',
    edits: [['shaders/matmul.wgsl', 'B4[bo + N4 + jb], B4[bo + 2u * N4 + jb]', 'B4[bo + 2u * N4 + jb], B4[bo + N4 + jb]']],
    tests: ['test/kernels.gpu.test.ts'],
  },
  {
    name: 'block8: SQUARE squares rows 4–7 of A by rows 0–3',
    edits: [['shaders/matmul.wgsl', 'a1 = a1 * mix(vec4<f32>(1.0), a1, sq);', 'a1 = a1 * mix(vec4<f32>(1.0), a0, sq);']],
    tests: ['test/kernels.gpu.test.ts'],
  },
  // the first layer through the p-row table (shaders/activation.wgsl lookup_act4, shaders/embed.wgsl
  // token_sum, src/engine/modules/embedding.ts firstLayerBackward)
  {
    name: "lookup_act4: operand b read from its row's slot-a lane",
    edits: [['shaders/activation.wgsl', 'vec4<f32>(a0.x + b0.y, a0.z + b0.w,', 'vec4<f32>(a0.x + b0.x, a0.z + b0.w,']],
    tests: ['test/kernels.gpu.test.ts'],
  },
  {
    name: 'token_sum: the two slots swapped',
    edits: [['shaders/embed.wgsl', 'if ((ent & 1u) != 0u) { sa += v; qa += v * v; }', 'if ((ent & 1u) != 0u) { sb += v; qa += v * v; }']],
    tests: ['test/kernels.gpu.test.ts'],
  },
  {
    name: "token_sum4: slot a summed with slot b's mask",
    edits: [['shaders/embed.wgsl', '    sa += ma * v;', '    sa += mb * v;']],
    tests: ['test/kernels.gpu.test.ts'],
  },
  {
    name: "token_sum: R written without its square root (W₀'s Σg² would square Σδ²)",
    edits: [['shaders/embed.wgsl', 'Rt[at] = sqrt(qa);', 'Rt[at] = qa;']],
    tests: ['test/kernels.gpu.test.ts'],
  },
  {
    name: "first layer backward: dE = S·W' with W' read transposed",
    edits: [['src/engine/modules/embedding.ts', 'matmul(arena, p, d, 2 * L0.out, 0, whole(S)', 'matmul(arena, p, d, 2 * L0.out, MM_TRANS_B, whole(S)']],
    tests: ['test/engine.gpu.test.ts'],
  },
];

function patch(file, from, to) {
  const text = readFileSync(file, 'utf8');
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`mutation pattern matches ${count} times in ${file}: ${from}`);
  writeFileSync(file, text.replace(from, to));
  return text;
}

// a killed run (timeout, Ctrl-C) must not leave a mutated source behind
let originals = new Map();
const restore = () => {
  for (const [file, text] of originals) writeFileSync(file, text);
  originals = new Map();
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    restore();
    process.exit(130);
  });

const runTests = (tests) => {
  try {
    execFileSync('npx', ['vitest', 'run', '--reporter=dot', ...tests], { stdio: 'pipe', killSignal: 'SIGKILL' });
    return true;
  } catch {
    return false;
  }
};

// each test list must pass unmutated first: a suite that fails anyway (no WebGPU adapter
// for the kernel tests, a broken checkout) would "kill" every mutation and prove nothing
for (const tests of new Set(MUTATIONS.map((m) => (m.tests ?? TESTS).join(' ')))) {
  if (!runTests(tests.split(' '))) {
    console.log(`mutation check: the unmutated tests fail (${tests}); fix them (or run under scripts/with-dawn.sh) first`);
    process.exit(1);
  }
}

let survived = 0;
for (const m of MUTATIONS) {
  originals = new Map();
  try {
    for (const [file, from, to] of m.edits) {
      const before = patch(file, from, to);
      if (!originals.has(file)) originals.set(file, before);
    }
    const failed = !runTests(m.tests ?? TESTS);
    console.log(`${failed ? 'killed  ' : 'SURVIVED'}  ${m.name}`);
    if (!failed) survived++;
  } finally {
    restore();
  }
}
console.log(survived === 0 ? `mutation check: all ${MUTATIONS.length} mutations caught` : `mutation check: ${survived} of ${MUTATIONS.length} mutations survived`);
process.exit(survived === 0 ? 0 : 1);
