// matmul_kvec.wgsl — the `kvec` matmul variant: C[M×N] (+)= A·Bᵀ for the products whose
// operands are both contiguous along k (the forward Y = X·Wᵀ of every linear map; flags
// TRANS_B, optionally ACCUMULATE; never TRANS_A or SQUARE), with K a multiple of 4.
// A (M×K) and B (N×K) are read as vec4 rows: per 4 values of k an invocation loads 4
// vec4 of A and 4 of B and forms 16 dot products — the arithmetic of matmul.wgsl's
// 4×4 register block, in a quarter of the (bounds-checked) loads. Edge rows and columns
// are clamped to valid ones and dropped at the store; no branches in the k loop.
// Same uniform, dispatch grid (8×8 invocations → a 32×32 tile of C) and bindings as
// matmul.wgsl `main`, so the matmul module swaps it in per product (src/engine/modules/matmul.ts).
// Measured on SwiftShader (docs/results.md §2b): 1.5–1.7× block4 on the forward shapes.

struct MatmulParams {
  M: u32,
  N: u32,
  K: u32,
  flags: u32, // 2 TRANS_B (required), 8 ACCUMULATE into C
}

@group(0) @binding(0) var<uniform> P: MatmulParams;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let K4 = P.K / 4u;
  let lastRow = P.M - 1u;
  let lastCol = P.N - 1u;
  let r = vec4<u32>(min(i0, lastRow), min(i0 + 1u, lastRow), min(i0 + 2u, lastRow), min(i0 + 3u, lastRow)) * K4;
  let c = vec4<u32>(min(j0, lastCol), min(j0 + 1u, lastCol), min(j0 + 2u, lastCol), min(j0 + 3u, lastCol)) * K4;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < K4; k++) {
    let a0 = A[r.x + k];
    let a1 = A[r.y + k];
    let a2 = A[r.z + k];
    let a3 = A[r.w + k];
    let b0 = B[c.x + k];
    let b1 = B[c.y + k];
    let b2 = B[c.z + k];
    let b3 = B[c.w + k];
    c0 += vec4<f32>(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
    c1 += vec4<f32>(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
    c2 += vec4<f32>(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
    c3 += vec4<f32>(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
  }
  let rows = array<vec4<f32>, 4>(c0, c1, c2, c3);
  let accumulate = (P.flags & 8u) != 0u;
  for (var ii = 0u; ii < 4u; ii++) {
    for (var jj = 0u; jj < 4u; jj++) {
      let i = i0 + ii;
      let j = j0 + jj;
      if (i < P.M && j < P.N) {
        let o = i * P.N + j;
        C[o] = select(rows[ii][jj], C[o] + rows[ii][jj], accumulate);
      }
    }
  }
}
