// matmul.wgsl — C[M×N] (+)= op(A) · op(B), the three products training needs:
//   forward          Y  = X · Wᵀ          (A = X  n×in,   B = W  out×in, TRANS_B)
//   input gradient   dX = dY · W          (A = dY n×out,  B = W  out×in)
//   weight gradient  dW = dYᵀ · X         (A = dY n×out,  B = X  n×in,  TRANS_A)
//   per-example Σg²  S  = (dY∘dY)ᵀ(X∘X)   (the weight-gradient form with SQUARE): for a
//                    linear layer g_i(W) = δ_i x_iᵀ, so Σ_i g_i² = Σ_i δ_i² x_i²ᵀ.
// Layout: row-major. op(A) is M×K (A stored K×M when TRANS_A), op(B) is K×N (B stored
// N×K when TRANS_B); both are read through uniform strides, op(A)[i,k] = A[i·ai + k·ak].
// Each invocation computes a 4×4 register block of C; a workgroup of 8×8 invocations
// covers a 32×32 tile. The K loop has no branches: transposition is a stride, squaring
// is a mix() with a uniform 0/1, and edge rows/columns are clamped to valid indices
// (their results are discarded at the store). No workgroup memory, no barriers.
// Measured on SwiftShader (bench/matmul-variants in docs/results.md): 2–13× faster than
// the same blocking with per-element bounds and transpose branches in the loop, and
// 7× faster than one output per invocation at 2352×256×256.

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

/// (ai, ak, bk, bj): op(A)[i,k] = A[i·ai + k·ak], op(B)[k,j] = B[k·bk + j·bj]
fn strides() -> vec4<u32> {
  var s = vec4<u32>(P.K, 1u, P.N, 1u);
  if ((P.flags & 1u) != 0u) { s.x = 1u; s.y = P.M; }
  if ((P.flags & 2u) != 0u) { s.z = 1u; s.w = P.K; }
  return s;
}

/// Offsets of the block's 4 rows of op(A) and 4 columns of op(B); edge rows/columns
/// are clamped to the last valid one (their results are never stored).
struct BlockOffsets {
  r: vec4<u32>,
  c: vec4<u32>,
}

/// rows (or columns) i0..i0+3, each clamped to the last valid one, times the stride:
/// the offsets of four rows of a block (every kernel's edge handling)
fn clampedRows(i0: u32, last: u32, stride: u32) -> vec4<u32> {
  return vec4<u32>(min(i0, last), min(i0 + 1u, last), min(i0 + 2u, last), min(i0 + 3u, last)) * stride;
}

fn blockOffsets(i0: u32, j0: u32, s: vec4<u32>) -> BlockOffsets {
  return BlockOffsets(clampedRows(i0, P.M - 1u, s.x), clampedRows(j0, P.N - 1u, s.w));
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

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let s = strides();
  let sq = select(0.0, 1.0, (P.flags & 4u) != 0u);
  let off = blockOffsets(i0, j0, s);
  let r = off.r;
  let c = off.c;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  var ka = 0u;
  var kb = 0u;
  for (var k = 0u; k < P.K; k++) {
    var a = vec4<f32>(A[r.x + ka], A[r.y + ka], A[r.z + ka], A[r.w + ka]);
    var b = vec4<f32>(B[kb + c.x], B[kb + c.y], B[kb + c.z], B[kb + c.w]);
    a = a * mix(vec4<f32>(1.0), a, sq);
    b = b * mix(vec4<f32>(1.0), b, sq);
    c0 += a.x * b;
    c1 += a.y * b;
    c2 += a.z * b;
    c3 += a.w * b;
    ka += s.y;
    kb += s.z;
  }
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
}

// main_dual — the weight gradient and its per-example Σg² in one pass (exact gates):
//   C = op(A)·op(B)  and  C2 = (op(A)∘op(A))·(op(B)∘op(B)),
// sharing every load of A and B; eight accumulators instead of four. Flags as above
// (SQUARE is ignored: C is plain, C2 is squared). Fusing the two products removes the
// second pass over δ and X (measured in docs/results.md, "gate cost").
@group(0) @binding(4) var<storage, read_write> C2: array<f32>;

/// storeC for the second output (no pointer parameters: portable WGSL without the
/// unrestricted_pointer_parameters extension, and `main` never touches binding 4)
fn storeC2(i0: u32, j0: u32, rows: array<vec4<f32>, 4>) {
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

@compute @workgroup_size(8, 8)
fn main_dual(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let s = strides();
  let off = blockOffsets(i0, j0, s);
  let r = off.r;
  let c = off.c;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  var q0 = vec4<f32>(0.0);
  var q1 = vec4<f32>(0.0);
  var q2 = vec4<f32>(0.0);
  var q3 = vec4<f32>(0.0);
  var ka = 0u;
  var kb = 0u;
  for (var k = 0u; k < P.K; k++) {
    let a = vec4<f32>(A[r.x + ka], A[r.y + ka], A[r.z + ka], A[r.w + ka]);
    let b = vec4<f32>(B[kb + c.x], B[kb + c.y], B[kb + c.z], B[kb + c.w]);
    let a2 = a * a;
    let b2 = b * b;
    c0 += a.x * b;
    c1 += a.y * b;
    c2 += a.z * b;
    c3 += a.w * b;
    q0 += a2.x * b2;
    q1 += a2.y * b2;
    q2 += a2.z * b2;
    q3 += a2.w * b2;
    ka += s.y;
    kb += s.z;
  }
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
  storeC2(i0, j0, array<vec4<f32>, 4>(q0, q1, q2, q3));
}

// ---------------------------------------------------------------------------------
// tiled, tiled_dual — the same products (same bindings, flags and dispatch grid: one
// 8×8 workgroup per 32×32 tile of C, a 4×4 register block per invocation), staged
// through workgroup memory: for each slice of TK = 32 values of k, the 64 invocations
// copy the 32×TK block of op(A) and the TK×32 block of op(B) into shared vec4 tiles
// once, then each reads its 4 rows and 4 columns as two vec4 per k. Every global
// value is loaded once per workgroup instead of 8 times (once per invocation sharing
// its row or column), which real GPUs with fast shared memory reward; SwiftShader has
// no such memory and mostly prefers the barrier-free `main`. src/engine/autotune.ts
// times both on the adapter and picks per product. Values past K load as 0 (they add
// nothing); rows/columns past M, N are clamped for the load and never stored. The K
// loop's trip count is uniform, so every invocation reaches every barrier (WGSL's
// uniformity rule), edge tiles included. `main` and `main_dual` never touch As, Bs.

const TK: u32 = 32u;
// As[k·8 + g] holds op(A) rows 4g..4g+3 of the tile at k; Bs[k·8 + g] columns 4g..4g+3
var<workgroup> As: array<vec4<f32>, 256>;
var<workgroup> Bs: array<vec4<f32>, 256>;

/// copies the tile's k-slice [k0, k0+TK) of op(A) and op(B) into As, Bs (16 values each per invocation)
fn loadTiles(k0: u32, tile: vec2<u32>, t: u32, s: vec4<u32>) {
  let lastRow = P.M - 1u;
  let lastCol = P.N - 1u;
  let lastK = P.K - 1u;
  for (var q = 0u; q < 16u; q++) {
    let e = t + 64u * q;
    let kk = e % TK;
    let rc = e / TK; // row of the A tile, column of the B tile, 0..31
    let k = k0 + kk;
    let inK = select(0.0, 1.0, k < P.K);
    let kc = min(k, lastK);
    let a = A[min(tile.y + rc, lastRow) * s.x + kc * s.y] * inK;
    let b = B[kc * s.z + min(tile.x + rc, lastCol) * s.w] * inK;
    As[kk * 8u + rc / 4u][rc % 4u] = a;
    Bs[kk * 8u + rc / 4u][rc % 4u] = b;
  }
}

@compute @workgroup_size(8, 8)
fn tiled(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tile = vec2<u32>(wg.x * 32u, wg.y * 32u);
  let t = lid.y * 8u + lid.x;
  let s = strides();
  let sq = select(0.0, 1.0, (P.flags & 4u) != 0u);
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < P.K; k0 += TK) {
    loadTiles(k0, tile, t, s);
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a = As[kk * 8u + lid.y];
      var b = Bs[kk * 8u + lid.x];
      a = a * mix(vec4<f32>(1.0), a, sq);
      b = b * mix(vec4<f32>(1.0), b, sq);
      c0 += a.x * b;
      c1 += a.y * b;
      c2 += a.z * b;
      c3 += a.w * b;
    }
    workgroupBarrier();
  }
  storeC(tile.y + lid.y * 4u, tile.x + lid.x * 4u, array<vec4<f32>, 4>(c0, c1, c2, c3));
}

// tiled_dual — C = op(A)·op(B) and C2 = (op(A)∘op(A))·(op(B)∘op(B)) from the same tiles
// (the exact gate's weight gradient and per-example Σg², as in matmul.wgsl)
@compute @workgroup_size(8, 8)
fn tiled_dual(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tile = vec2<u32>(wg.x * 32u, wg.y * 32u);
  let t = lid.y * 8u + lid.x;
  let s = strides();
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  var q0 = vec4<f32>(0.0);
  var q1 = vec4<f32>(0.0);
  var q2 = vec4<f32>(0.0);
  var q3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < P.K; k0 += TK) {
    loadTiles(k0, tile, t, s);
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let a = As[kk * 8u + lid.y];
      let b = Bs[kk * 8u + lid.x];
      let a2 = a * a;
      let b2 = b * b;
      c0 += a.x * b;
      c1 += a.y * b;
      c2 += a.z * b;
      c3 += a.w * b;
      q0 += a2.x * b2;
      q1 += a2.y * b2;
      q2 += a2.z * b2;
      q3 += a2.w * b2;
    }
    workgroupBarrier();
  }
  let i0 = tile.y + lid.y * 4u;
  let j0 = tile.x + lid.x * 4u;
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
  storeC2(i0, j0, array<vec4<f32>, 4>(q0, q1, q2, q3));
}

// ---------- the vec4 forms ----------
// kvec, outer4 (+ outer4_dual), bvec: the same 4×4 block per invocation and the same grid,
// reading their operands as vec4 along the dimension each form has contiguous (the
// kernels above read scalars through strides, so one kernel serves every form):
//   kvec    C = A·Bᵀ     (forward Y = X·Wᵀ; flags TRANS_B [+ACCUMULATE]), K % 4 = 0:
//           A (M×K) and B (N×K) as vec4 rows along k; 16 dot products per 8 vec4 loads
//   outer4  C = Aᵀ·B     (weight gradient dW = δᵀX; flags TRANS_A [+ACCUMULATE]), M, N % 4 = 0:
//           A (K×M) and B (K×N) as vec4 rows along m and n; per k one vec4 of each and a
//           4×4 outer product: 16 FMAs per 2 loads. outer4_dual adds C2 = (A∘A)ᵀ(B∘B).
//   bvec    C = A·B      (input gradient dX = δ·W; flags 0 [+ACCUMULATE]), K, N % 4 = 0:
//           A (M×K) as vec4 along k, B (K×N) as vec4 along n: 64 FMAs per 8 vec4 loads
// The operands are bound a second time as vec4 arrays (A4, B4: bindings 5, 6); each entry
// point uses one pair. Edge rows and columns are clamped to valid ones and dropped at
// the store; no branches in the k loops. Which product each may run: src/engine/modules/
// matmul.ts `variantApplies`.
@group(0) @binding(5) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> B4: array<vec4<f32>>;

@compute @workgroup_size(8, 8)
fn kvec(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let K4 = P.K / 4u;
  let r = clampedRows(i0, P.M - 1u, K4);
  let c = clampedRows(j0, P.N - 1u, K4);
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < K4; k++) {
    let a0 = A4[r.x + k];
    let a1 = A4[r.y + k];
    let a2 = A4[r.z + k];
    let a3 = A4[r.w + k];
    let b0 = B4[c.x + k];
    let b1 = B4[c.y + k];
    let b2 = B4[c.z + k];
    let b3 = B4[c.w + k];
    c0 += vec4<f32>(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
    c1 += vec4<f32>(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
    c2 += vec4<f32>(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
    c3 += vec4<f32>(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
  }
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
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
    let a = A4[k * M4 + ia];
    let b = B4[k * N4 + jb];
    c0 += a.x * b;
    c1 += a.y * b;
    c2 += a.z * b;
    c3 += a.w * b;
  }
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
}

// outer4_dual: the weight gradient and its per-example Σg² (C2 = (A∘A)ᵀ(B∘B)) in one pass

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
    let a = A4[k * M4 + gid.y];
    let b = B4[k * N4 + gid.x];
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
  storeC2(i0, j0, array<vec4<f32>, 4>(s0, s1, s2, s3));
}

// ---------- bvec: C = A·B, A stored M×K, B stored K×N, K and N multiples of 4 ----------
@compute @workgroup_size(8, 8)
fn bvec(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let K4 = P.K / 4u;
  let N4 = P.N / 4u;
  let r = clampedRows(i0, P.M - 1u, K4);
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k4 = 0u; k4 < K4; k4++) {
    let bo = 4u * k4 * N4 + gid.x;
    let b0 = B4[bo];
    let b1 = B4[bo + N4];
    let b2 = B4[bo + 2u * N4];
    let b3 = B4[bo + 3u * N4];
    let a0 = A4[r.x + k4];
    let a1 = A4[r.y + k4];
    let a2 = A4[r.z + k4];
    let a3 = A4[r.w + k4];
    c0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
    c1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
    c2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
    c3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
  }
  storeC(i0, j0, array<vec4<f32>, 4>(c0, c1, c2, c3));
}

// ---------- the wide vec4 forms: an 8×8 register block per invocation ----------
// kvec8, outer8 (+ outer8_dual), bvec8: the vec4 forms above with twice the block on each
// side, on a 4×4 workgroup, so a workgroup still covers a 32×32 tile of C and the
// dispatch grid is every variant's. Each k step loads twice the vec4s of the 4×4 form
// and does four times the FMAs: on SwiftShader, whose per-lane loads cost more than its
// arithmetic, 1.5–2.4× the 4×4 forms at the lecture and paper shapes
// (bench/matmul-blocks.ts, docs/results.md §2b); a real GPU may prefer the 4×4 forms'
// lower register count, and the autotuner decides. Same preconditions (`variantApplies`).
// The block is four quadrants q00 (rows 0–3, columns 0–3), q01 (rows 0–3, columns
// 4–7), q10, q11, each a mat4x4 whose column r holds row r of the quadrant.

/// C's 4×4 quadrant at (i0, j0) from a quadrant matrix (column r = row r of C)
fn storeQ(i0: u32, j0: u32, q: mat4x4<f32>) {
  storeC(i0, j0, array<vec4<f32>, 4>(q[0], q[1], q[2], q[3]));
}

fn storeQ2(i0: u32, j0: u32, q: mat4x4<f32>) {
  storeC2(i0, j0, array<vec4<f32>, 4>(q[0], q[1], q[2], q[3]));
}

/// the 8×8 block at (i0, j0) from its four quadrants, into C (the wide kernels' epilogue)
fn storeBlock8(i0: u32, j0: u32, q00: mat4x4<f32>, q01: mat4x4<f32>, q10: mat4x4<f32>, q11: mat4x4<f32>) {
  storeQ(i0, j0, q00);
  storeQ(i0, j0 + 4u, q01);
  storeQ(i0 + 4u, j0, q10);
  storeQ(i0 + 4u, j0 + 4u, q11);
}

/// the same into C2 (the dual kernels' Σg²)
fn storeBlock8C2(i0: u32, j0: u32, q00: mat4x4<f32>, q01: mat4x4<f32>, q10: mat4x4<f32>, q11: mat4x4<f32>) {
  storeQ2(i0, j0, q00);
  storeQ2(i0, j0 + 4u, q01);
  storeQ2(i0 + 4u, j0, q10);
  storeQ2(i0 + 4u, j0 + 4u, q11);
}

/// the quadrant a ⊗ b: column r (row r of C) = a[r]·b
fn outerQ(a: vec4<f32>, b: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(a.x * b, a.y * b, a.z * b, a.w * b);
}

// ---------- kvec8: C = A·Bᵀ, A (M×K) and B (N×K) as vec4 rows along k; K % 4 = 0 ----------
// Per k: 8 + 8 vec4 loads, 64 dot products. With Bq = mat4x4(b0, b1, b2, b3), a·Bq is
// the vector of dot(a, b_j): row a's four columns of the quadrant.
@compute @workgroup_size(4, 4)
fn kvec8(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 8u;
  let j0 = gid.x * 8u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let K4 = P.K / 4u;
  let ra = clampedRows(i0, P.M - 1u, K4);
  let rb = clampedRows(i0 + 4u, P.M - 1u, K4);
  let ca = clampedRows(j0, P.N - 1u, K4);
  let cb = clampedRows(j0 + 4u, P.N - 1u, K4);
  var q00 = mat4x4<f32>();
  var q01 = mat4x4<f32>();
  var q10 = mat4x4<f32>();
  var q11 = mat4x4<f32>();
  for (var k = 0u; k < K4; k++) {
    let b0 = mat4x4<f32>(B4[ca.x + k], B4[ca.y + k], B4[ca.z + k], B4[ca.w + k]);
    let b1 = mat4x4<f32>(B4[cb.x + k], B4[cb.y + k], B4[cb.z + k], B4[cb.w + k]);
    let a0 = A4[ra.x + k];
    let a1 = A4[ra.y + k];
    let a2 = A4[ra.z + k];
    let a3 = A4[ra.w + k];
    let a4 = A4[rb.x + k];
    let a5 = A4[rb.y + k];
    let a6 = A4[rb.z + k];
    let a7 = A4[rb.w + k];
    q00 += mat4x4<f32>(a0 * b0, a1 * b0, a2 * b0, a3 * b0);
    q01 += mat4x4<f32>(a0 * b1, a1 * b1, a2 * b1, a3 * b1);
    q10 += mat4x4<f32>(a4 * b0, a5 * b0, a6 * b0, a7 * b0);
    q11 += mat4x4<f32>(a4 * b1, a5 * b1, a6 * b1, a7 * b1);
  }
  storeBlock8(i0, j0, q00, q01, q10, q11);
}

// ---------- outer8: C = Aᵀ·B, A stored K×M, B stored K×N, M and N multiples of 4 ----------
// Per k: 2 + 2 vec4 loads, four 4×4 outer products (64 FMAs). A block's second vec4 of
// rows (columns) past M (N) is clamped to the last one and dropped at the store.
@compute @workgroup_size(4, 4)
fn outer8(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 8u;
  let j0 = gid.x * 8u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let M4 = P.M / 4u;
  let N4 = P.N / 4u;
  let ia = 2u * gid.y;
  let ib = min(ia + 1u, M4 - 1u);
  let ja = 2u * gid.x;
  let jb = min(ja + 1u, N4 - 1u);
  var q00 = mat4x4<f32>();
  var q01 = mat4x4<f32>();
  var q10 = mat4x4<f32>();
  var q11 = mat4x4<f32>();
  for (var k = 0u; k < P.K; k++) {
    let a0 = A4[k * M4 + ia];
    let a1 = A4[k * M4 + ib];
    let b0 = B4[k * N4 + ja];
    let b1 = B4[k * N4 + jb];
    q00 += outerQ(a0, b0);
    q01 += outerQ(a0, b1);
    q10 += outerQ(a1, b0);
    q11 += outerQ(a1, b1);
  }
  storeBlock8(i0, j0, q00, q01, q10, q11);
}

// outer8_dual: the weight gradient and its per-example Σg² (C2 = (A∘A)ᵀ(B∘B)) in one pass
@compute @workgroup_size(4, 4)
fn outer8_dual(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 8u;
  let j0 = gid.x * 8u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let M4 = P.M / 4u;
  let N4 = P.N / 4u;
  let ia = 2u * gid.y;
  let ib = min(ia + 1u, M4 - 1u);
  let ja = 2u * gid.x;
  let jb = min(ja + 1u, N4 - 1u);
  var q00 = mat4x4<f32>();
  var q01 = mat4x4<f32>();
  var q10 = mat4x4<f32>();
  var q11 = mat4x4<f32>();
  var s00 = mat4x4<f32>();
  var s01 = mat4x4<f32>();
  var s10 = mat4x4<f32>();
  var s11 = mat4x4<f32>();
  for (var k = 0u; k < P.K; k++) {
    let a0 = A4[k * M4 + ia];
    let a1 = A4[k * M4 + ib];
    let b0 = B4[k * N4 + ja];
    let b1 = B4[k * N4 + jb];
    q00 += outerQ(a0, b0);
    q01 += outerQ(a0, b1);
    q10 += outerQ(a1, b0);
    q11 += outerQ(a1, b1);
    s00 += outerQ(a0 * a0, b0 * b0);
    s01 += outerQ(a0 * a0, b1 * b1);
    s10 += outerQ(a1 * a1, b0 * b0);
    s11 += outerQ(a1 * a1, b1 * b1);
  }
  storeBlock8(i0, j0, q00, q01, q10, q11);
  storeBlock8C2(i0, j0, s00, s01, s10, s11);
}

// ---------- bvec8: C = A·B, A stored M×K (vec4 along k), B stored K×N (vec4 along n) ----------
// Per k4 (four values of k): 8 vec4 of A, 8 of B, 256 FMAs. With Lq = mat4x4 of the four
// k rows' vec4s over the quadrant's columns, Lq·a = Σ_t a[t]·(row k+t): row a's quadrant row.
@compute @workgroup_size(4, 4)
fn bvec8(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 8u;
  let j0 = gid.x * 8u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let K4 = P.K / 4u;
  let N4 = P.N / 4u;
  let ra = clampedRows(i0, P.M - 1u, K4);
  let rb = clampedRows(i0 + 4u, P.M - 1u, K4);
  let ja = 2u * gid.x;
  let jb = min(ja + 1u, N4 - 1u);
  var q00 = mat4x4<f32>();
  var q01 = mat4x4<f32>();
  var q10 = mat4x4<f32>();
  var q11 = mat4x4<f32>();
  for (var k4 = 0u; k4 < K4; k4++) {
    let bo = 4u * k4 * N4;
    let l0 = mat4x4<f32>(B4[bo + ja], B4[bo + N4 + ja], B4[bo + 2u * N4 + ja], B4[bo + 3u * N4 + ja]);
    let l1 = mat4x4<f32>(B4[bo + jb], B4[bo + N4 + jb], B4[bo + 2u * N4 + jb], B4[bo + 3u * N4 + jb]);
    let a0 = A4[ra.x + k4];
    let a1 = A4[ra.y + k4];
    let a2 = A4[ra.z + k4];
    let a3 = A4[ra.w + k4];
    let a4 = A4[rb.x + k4];
    let a5 = A4[rb.y + k4];
    let a6 = A4[rb.z + k4];
    let a7 = A4[rb.w + k4];
    q00 += mat4x4<f32>(l0 * a0, l0 * a1, l0 * a2, l0 * a3);
    q01 += mat4x4<f32>(l1 * a0, l1 * a1, l1 * a2, l1 * a3);
    q10 += mat4x4<f32>(l0 * a4, l0 * a5, l0 * a6, l0 * a7);
    q11 += mat4x4<f32>(l1 * a4, l1 * a5, l1 * a6, l1 * a7);
  }
  storeBlock8(i0, j0, q00, q01, q10, q11);
}

// ---------- block8 (main8, main8_dual): the scalar-load kernel with an 8×8 block ----------
// Every product `main` serves (any flags, any shape), through the same strides, with an
// 8×8 register block on a 4×4 workgroup: per k, 8 + 8 scalar loads and 64 FMAs against
// main's 4 + 4 and 16. It is there for the products no vec4 form serves — a head whose
// p is not a multiple of 4 (the paper preset's 97 classes), the per-example Σg² — which
// otherwise stay on the 4×4 block.
@compute @workgroup_size(4, 4)
fn main8(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 8u;
  let j0 = gid.x * 8u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let s = strides();
  let sq = select(0.0, 1.0, (P.flags & 4u) != 0u);
  let ra = clampedRows(i0, P.M - 1u, s.x);
  let rb = clampedRows(i0 + 4u, P.M - 1u, s.x);
  let ca = clampedRows(j0, P.N - 1u, s.w);
  let cb = clampedRows(j0 + 4u, P.N - 1u, s.w);
  var q00 = mat4x4<f32>();
  var q01 = mat4x4<f32>();
  var q10 = mat4x4<f32>();
  var q11 = mat4x4<f32>();
  var ka = 0u;
  var kb = 0u;
  for (var k = 0u; k < P.K; k++) {
    var a0 = vec4<f32>(A[ra.x + ka], A[ra.y + ka], A[ra.z + ka], A[ra.w + ka]);
    var a1 = vec4<f32>(A[rb.x + ka], A[rb.y + ka], A[rb.z + ka], A[rb.w + ka]);
    var b0 = vec4<f32>(B[kb + ca.x], B[kb + ca.y], B[kb + ca.z], B[kb + ca.w]);
    var b1 = vec4<f32>(B[kb + cb.x], B[kb + cb.y], B[kb + cb.z], B[kb + cb.w]);
    a0 = a0 * mix(vec4<f32>(1.0), a0, sq);
    a1 = a1 * mix(vec4<f32>(1.0), a1, sq);
    b0 = b0 * mix(vec4<f32>(1.0), b0, sq);
    b1 = b1 * mix(vec4<f32>(1.0), b1, sq);
    q00 += outerQ(a0, b0);
    q01 += outerQ(a0, b1);
    q10 += outerQ(a1, b0);
    q11 += outerQ(a1, b1);
    ka += s.y;
    kb += s.z;
  }
  storeBlock8(i0, j0, q00, q01, q10, q11);
}

// main8_dual: C = op(A)·op(B) and C2 = op(A∘A)·op(B∘B) from the same loads (SQUARE ignored)
@compute @workgroup_size(4, 4)
fn main8_dual(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 8u;
  let j0 = gid.x * 8u;
  if (i0 >= P.M || j0 >= P.N) { return; }
  let s = strides();
  let ra = clampedRows(i0, P.M - 1u, s.x);
  let rb = clampedRows(i0 + 4u, P.M - 1u, s.x);
  let ca = clampedRows(j0, P.N - 1u, s.w);
  let cb = clampedRows(j0 + 4u, P.N - 1u, s.w);
  var q00 = mat4x4<f32>();
  var q01 = mat4x4<f32>();
  var q10 = mat4x4<f32>();
  var q11 = mat4x4<f32>();
  var s00 = mat4x4<f32>();
  var s01 = mat4x4<f32>();
  var s10 = mat4x4<f32>();
  var s11 = mat4x4<f32>();
  var ka = 0u;
  var kb = 0u;
  for (var k = 0u; k < P.K; k++) {
    let a0 = vec4<f32>(A[ra.x + ka], A[ra.y + ka], A[ra.z + ka], A[ra.w + ka]);
    let a1 = vec4<f32>(A[rb.x + ka], A[rb.y + ka], A[rb.z + ka], A[rb.w + ka]);
    let b0 = vec4<f32>(B[kb + ca.x], B[kb + ca.y], B[kb + ca.z], B[kb + ca.w]);
    let b1 = vec4<f32>(B[kb + cb.x], B[kb + cb.y], B[kb + cb.z], B[kb + cb.w]);
    q00 += outerQ(a0, b0);
    q01 += outerQ(a0, b1);
    q10 += outerQ(a1, b0);
    q11 += outerQ(a1, b1);
    s00 += outerQ(a0 * a0, b0 * b0);
    s01 += outerQ(a0 * a0, b1 * b1);
    s10 += outerQ(a1 * a1, b0 * b0);
    s11 += outerQ(a1 * a1, b1 * b1);
    ka += s.y;
    kb += s.z;
  }
  storeBlock8(i0, j0, q00, q01, q10, q11);
  storeBlock8C2(i0, j0, s00, s01, s10, s11);
}
