/**
 * Twins of shaders/ceiling.wgsl, in float32 arithmetic (Math.fround after every
 * operation, in the kernel's order), so a GPU result can be compared element by element.
 */
const r32 = Math.fround;

/** mul_add_chains: out[g] (one vec4, its four lanes equal) for invocations 0..n−1 */
export function mulAddChains(n: number, iters: number): Float32Array {
  const out = new Float32Array(4 * n);
  const m = r32(0.999);
  const c = r32(0.001);
  for (let g = 0; g < n; g++) {
    const s = r32(r32(g) * r32(1e-7));
    const a = Array.from({ length: 16 }, (_, i) => r32(s + i));
    for (let t = 0; t < iters; t++) for (let i = 0; i < 16; i++) a[i] = r32(r32(a[i] * m) + c);
    const p = (i: number, j: number) => r32(a[i] + a[j]);
    const q = (i: number) => r32(p(i, i + 1) + p(i + 2, i + 3));
    const total = r32(r32(r32(q(0) + q(4))) + r32(q(8) + q(12)));
    out.fill(total, 4 * g, 4 * g + 4);
  }
  return out;
}

/** row_loads: out[g] = the sum of row g mod rows of src (rows × K4 vec4s, K4 % 4 = 0), four partial sums */
export function rowLoads(src: Float32Array, rows: number, K4: number, n: number): Float32Array {
  const out = new Float32Array(4 * n);
  for (let g = 0; g < n; g++) {
    const r = (g % rows) * K4;
    for (let l = 0; l < 4; l++) {
      const s = [0, 0, 0, 0];
      for (let k = 0; k < K4; k++) s[k % 4] = r32(s[k % 4] + src[4 * (r + k) + l]);
      out[4 * g + l] = r32(r32(s[0] + s[1]) + r32(s[2] + s[3]));
    }
  }
  return out;
}
