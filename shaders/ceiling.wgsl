// ceiling.wgsl — what the adapter can do at most, for the benchmark (src/bench/ceiling.ts):
// its FP32 arithmetic with no memory traffic, and its rate of vec4 loads when every lane
// reads its own row (the access the matmul kernels make). Not part of training; twins in
// src/reference/ceiling.ts, tests in test/ceiling.gpu.test.ts.

struct CeilingParams {
  iters: u32, // mul_add_chains: multiply-adds per chain
  rows: u32,  // row_loads: rows of the source, each K4 vec4s long
  K4: u32,    //   (a multiple of 4)
  pad: u32,
}

@group(0) @binding(0) var<uniform> P: CeilingParams;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;

// Sixteen independent vec4 chains a ← a·m + c per invocation, in registers, written as the
// matmul kernels write their accumulation (a product added to a sum): 128 FLOPs per
// iteration. Chain i of invocation g starts at s + i with s = g·1e-7; out[g] = Σ_i a_i.
@compute @workgroup_size(64)
fn mul_add_chains(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = f32(gid.x) * 1e-7;
  var a0 = vec4<f32>(s);
  var a1 = vec4<f32>(s + 1.0);
  var a2 = vec4<f32>(s + 2.0);
  var a3 = vec4<f32>(s + 3.0);
  var a4 = vec4<f32>(s + 4.0);
  var a5 = vec4<f32>(s + 5.0);
  var a6 = vec4<f32>(s + 6.0);
  var a7 = vec4<f32>(s + 7.0);
  var a8 = vec4<f32>(s + 8.0);
  var a9 = vec4<f32>(s + 9.0);
  var a10 = vec4<f32>(s + 10.0);
  var a11 = vec4<f32>(s + 11.0);
  var a12 = vec4<f32>(s + 12.0);
  var a13 = vec4<f32>(s + 13.0);
  var a14 = vec4<f32>(s + 14.0);
  var a15 = vec4<f32>(s + 15.0);
  let m = vec4<f32>(0.999);
  let c = vec4<f32>(0.001);
  for (var i = 0u; i < P.iters; i++) {
    a0 = a0 * m + c;
    a1 = a1 * m + c;
    a2 = a2 * m + c;
    a3 = a3 * m + c;
    a4 = a4 * m + c;
    a5 = a5 * m + c;
    a6 = a6 * m + c;
    a7 = a7 * m + c;
    a8 = a8 * m + c;
    a9 = a9 * m + c;
    a10 = a10 * m + c;
    a11 = a11 * m + c;
    a12 = a12 * m + c;
    a13 = a13 * m + c;
    a14 = a14 * m + c;
    a15 = a15 * m + c;
  }
  out[gid.x] = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + (((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15)));
}

// Invocation g sums row g mod rows of src (K4 vec4s) with four loads in flight:
// out[g] = (Σ_{k≡0} + Σ_{k≡1}) + (Σ_{k≡2} + Σ_{k≡3}) over the row's vec4s, k mod 4.
@compute @workgroup_size(64)
fn row_loads(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = (gid.x % P.rows) * P.K4;
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  for (var k = 0u; k < P.K4; k += 4u) {
    s0 += src[r + k];
    s1 += src[r + k + 1u];
    s2 += src[r + k + 2u];
    s3 += src[r + k + 3u];
  }
  out[gid.x] = (s0 + s1) + (s2 + s3);
}
