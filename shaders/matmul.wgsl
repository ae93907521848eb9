// matmul.wgsl — C[M×N] (+)= op(A) · op(B), the three products training needs:
//   forward          Y  = X · Wᵀ          (A = X  n×in,   B = W  out×in, TRANS_B)
//   input gradient   dX = dY · W          (A = dY n×out,  B = W  out×in)
//   weight gradient  dW = dYᵀ · X         (A = dY n×out,  B = X  n×in,  TRANS_A)
//   per-example Σg²  S  = (dY∘dY)ᵀ(X∘X)   (the weight-gradient form with SQUARE): for a
//                    linear layer g_i(W) = δ_i x_iᵀ, so Σ_i g_i² = Σ_i δ_i² x_i²ᵀ.
// Layout: row-major. op(A) is M×K (A stored K×M when TRANS_A), op(B) is K×N (B stored
// N×K when TRANS_B). Each invocation computes a 4×4 register block of C; a workgroup
// of 8×8 invocations covers a 32×32 tile. No workgroup memory and no barriers: on CPU
// Vulkan (SwiftShader) barriers cost tens of milliseconds per dispatch, and on real
// GPUs the training matrices here (≤ 9409×512) are small enough for the cache to
// serve the reuse. Edges (M, N not multiples of 4 or 32) are guarded per element.

struct MatmulParams {
  M: u32,
  N: u32,
  K: u32,
  flags: u32, // 1 TRANS_A, 2 TRANS_B, 4 SQUARE operands, 8 ACCUMULATE into C
}

@group(0) @binding(0) var<uniform> P: MatmulParams;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

fn loadA(i: u32, k: u32) -> f32 {
  if (i >= P.M) { return 0.0; }
  if ((P.flags & 1u) != 0u) { return A[k * P.M + i]; }
  return A[i * P.K + k];
}

fn loadB(k: u32, j: u32) -> f32 {
  if (j >= P.N) { return 0.0; }
  if ((P.flags & 2u) != 0u) { return B[j * P.K + k]; }
  return B[k * P.N + j];
}

fn storeRow(i: u32, j0: u32, v: vec4<f32>) {
  if (i >= P.M) { return; }
  let acc = (P.flags & 8u) != 0u;
  for (var c = 0u; c < 4u; c++) {
    let j = j0 + c;
    if (j < P.N) {
      let idx = i * P.N + j;
      if (acc) { C[idx] = C[idx] + v[c]; } else { C[idx] = v[c]; }
    }
  }
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let square = (P.flags & 4u) != 0u;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < P.K; k++) {
    var a = vec4<f32>(loadA(i0, k), loadA(i0 + 1u, k), loadA(i0 + 2u, k), loadA(i0 + 3u, k));
    var b = vec4<f32>(loadB(k, j0), loadB(k, j0 + 1u), loadB(k, j0 + 2u), loadB(k, j0 + 3u));
    if (square) {
      a = a * a;
      b = b * b;
    }
    c0 += a.x * b;
    c1 += a.y * b;
    c2 += a.z * b;
    c3 += a.w * b;
  }
  storeRow(i0, j0, c0);
  storeRow(i0 + 1u, j0, c1);
  storeRow(i0 + 2u, j0, c2);
  storeRow(i0 + 3u, j0, c3);
}
