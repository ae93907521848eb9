// matmul_vec4.wgsl — matmul variants that read their operands as vec4 along the
// dimension each product has contiguous, one per form of product (matmul.wgsl reads
// scalars through strides, so one kernel serves every form):
//   kvec    C = A·Bᵀ     (forward Y = X·Wᵀ; flags TRANS_B [+ACCUMULATE]), K % 4 = 0:
//           A (M×K) and B (N×K) as vec4 rows along k; 16 dot products per 8 vec4 loads
//   outer4  C = Aᵀ·B     (weight gradient dW = δᵀX; flags TRANS_A [+ACCUMULATE]), M, N % 4 = 0:
//           A (K×M) and B (K×N) as vec4 rows along m and n; per k one vec4 of each and a
//           4×4 outer product: 16 FMAs per 2 loads. outer4_dual adds C2 = (A∘A)ᵀ(B∘B).
//   bvec    C = A·B      (input gradient dX = δ·W; flags 0 [+ACCUMULATE]), K, N % 4 = 0:
//           A (M×K) as vec4 along k, B (K×N) as vec4 along n: 64 FMAs per 8 vec4 loads
// Each invocation owns a 4×4 block of C, as in matmul.wgsl: the same uniform, dispatch
// grid (8×8 invocations → a 32×32 tile) and bindings, so the matmul module swaps them
// in per product (src/engine/modules/matmul.ts `variantApplies`). Edge rows and columns
// are clamped to valid ones and dropped at the store; no branches in the k loops.

struct MatmulParams {
  M: u32,
  N: u32,
  K: u32,
  flags: u32, // the form's TRANS bit (as in matmul.wgsl), 8 ACCUMULATE into C
}

@group(0) @binding(0) var<uniform> P: MatmulParams;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

@compute @workgroup_size(8, 8)
fn kvec(@builtin(global_invocation_id) gid: vec3<u32>) {
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
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
}

/// C[i0.., j0..] (+)= the 4×4 block, inside the matrix only
fn storeC(i0: u32, j0: u32, rows: array<vec4<f32>, 4>) {
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

// ---------- outer4: C = Aᵀ·B, A stored K×M, B stored K×N, M and N multiples of 4 ----------
@compute @workgroup_size(8, 8)
fn outer4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let M4 = P.M / 4u;
  let N4 = P.N / 4u;
  let ia = gid.y;
  let jb = gid.x;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < P.K; k++) {
    let a = A[k * M4 + ia];
    let b = B[k * N4 + jb];
    c0 += a.x * b;
    c1 += a.y * b;
    c2 += a.z * b;
    c3 += a.w * b;
  }
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
}

// outer4_dual: the weight gradient and its per-example Σg² (C2 = (A∘A)ᵀ(B∘B)) in one pass
@group(0) @binding(4) var<storage, read_write> C2: array<f32>;

@compute @workgroup_size(8, 8)
fn outer4_dual(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let M4 = P.M / 4u;
  let N4 = P.N / 4u;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  for (var k = 0u; k < P.K; k++) {
    let a = A[k * M4 + gid.y];
    let b = B[k * N4 + gid.x];
    let aa = a * a;
    let bb = b * b;
    c0 += a.x * b;
    c1 += a.y * b;
    c2 += a.z * b;
    c3 += a.w * b;
    s0 += aa.x * bb;
    s1 += aa.y * bb;
    s2 += aa.z * bb;
    s3 += aa.w * bb;
  }
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
  let rows = array<vec4<f32>, 4>(s0, s1, s2, s3);
  let accumulate = (P.flags & 8u) != 0u;
  for (var ii = 0u; ii < 4u; ii++) {
    for (var jj = 0u; jj < 4u; jj++) {
      let i = i0 + ii;
      let j = j0 + jj;
      if (i < P.M && j < P.N) {
        let o = i * P.N + j;
        C2[o] = select(rows[ii][jj], C2[o] + rows[ii][jj], accumulate);
      }
    }
  }
}

// ---------- bvec: C = A·B, A stored M×K, B stored K×N, K and N multiples of 4 ----------
@compute @workgroup_size(8, 8)
fn bvec(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let K4 = P.K / 4u;
  let N4 = P.N / 4u;
  let lastRow = P.M - 1u;
  let r = vec4<u32>(min(i0, lastRow), min(i0 + 1u, lastRow), min(i0 + 2u, lastRow), min(i0 + 3u, lastRow)) * K4;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k4 = 0u; k4 < K4; k4++) {
    let bo = 4u * k4 * N4 + gid.x;
    let b0 = B[bo];
    let b1 = B[bo + N4];
    let b2 = B[bo + 2u * N4];
    let b3 = B[bo + 3u * N4];
    let a0 = A[r.x + k4];
    let a1 = A[r.y + k4];
    let a2 = A[r.z + k4];
    let a3 = A[r.w + k4];
    c0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
    c1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
    c2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
    c3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
  }
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
}
