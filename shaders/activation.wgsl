// activation.wgsl — the elementwise and column kernels around each linear layer.
//   bias_act:     Z = Y + b (b broadcast over rows, in place: Z holds Y on entry), H = act(Z)
//   add_bias:     Z = Y + b, no activation (the head's logits)
//   act_backward: dZ = dH ∘ act'(Z) (in place: D holds dH on entry, dZ on exit)
//   bias_grad:    db_j = Σ_i dZ_ij, and with SQUARE also S_j = Σ_i dZ_ij² (per-example Σg²
//                 of the bias: g_i(b) = δ_i). One invocation per column, loop over rows:
//                 no atomics, deterministic order.
//   act_bias_grad: act_backward and bias_grad in one pass (one invocation per column):
//                 dZ_ij = dH_ij ∘ act'(Z_ij) written in place, and its column sums as above.
// Layout: row-major rows × cols. act: 0 relu, 1 gelu (tanh form), 2 quadratic z².

struct Shape {
  rows: u32,
  cols: u32,
  act: u32,
  flags: u32, // bias_grad: 1 = also write Σ dZ² into S
}

@group(0) @binding(0) var<uniform> S0: Shape;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> Z: array<f32>;
@group(0) @binding(3) var<storage, read_write> H: array<f32>;

const GELU_C: f32 = 0.7978845608028654; // √(2/π)

fn tanh_safe(u: f32) -> f32 {
  // tanh saturates to ±1 in f32 beyond |u| ≈ 9; clamping keeps exp() inside range on every driver
  return tanh(clamp(u, -15.0, 15.0));
}

fn act_fwd(kind: u32, z: f32) -> f32 {
  switch kind {
    case 0u: { return max(z, 0.0); }
    case 1u: { return 0.5 * z * (1.0 + tanh_safe(GELU_C * (z + 0.044715 * z * z * z))); }
    default: { return z * z; }
  }
}

fn act_grad(kind: u32, z: f32) -> f32 {
  switch kind {
    case 0u: { return select(0.0, 1.0, z > 0.0); }
    case 1u: {
      let t = tanh_safe(GELU_C * (z + 0.044715 * z * z * z));
      return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * 0.044715 * z * z);
    }
    default: { return 2.0 * z; }
  }
}

@compute @workgroup_size(256)
fn bias_act(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x;
  if (idx >= S0.rows * S0.cols) { return; }
  let z = Z[idx] + bias[idx % S0.cols];
  Z[idx] = z;
  H[idx] = act_fwd(S0.act, z);
}

// Each entry point has its own binding numbers (layout 'auto' keeps the ones it uses):
// bias_act 0–3; add_bias and act_backward 4–6; bias_grad 7–10.
@group(0) @binding(4) var<uniform> S1: Shape;
@group(0) @binding(5) var<storage, read> Xr: array<f32>;
@group(0) @binding(6) var<storage, read_write> D: array<f32>;

@compute @workgroup_size(256)
fn add_bias(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x;
  if (idx >= S1.rows * S1.cols) { return; }
  D[idx] = D[idx] + Xr[idx % S1.cols];
}

@compute @workgroup_size(256)
fn act_backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x;
  if (idx >= S1.rows * S1.cols) { return; }
  D[idx] = D[idx] * act_grad(S1.act, Xr[idx]);
}

@group(0) @binding(7) var<uniform> S2: Shape;
@group(0) @binding(8) var<storage, read> dZ: array<f32>;
@group(0) @binding(9) var<storage, read_write> G: array<f32>;
@group(0) @binding(10) var<storage, read_write> SQ: array<f32>;

@compute @workgroup_size(64)
fn bias_grad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= S2.cols) { return; }
  var s = 0.0;
  var s2 = 0.0;
  for (var i = 0u; i < S2.rows; i++) {
    let v = dZ[i * S2.cols + j];
    s += v;
    s2 += v * v;
  }
  G[j] = s;
  if ((S2.flags & 1u) != 0u) { SQ[j] = s2; }
}

// act_bias_grad: bindings 11–15
@group(0) @binding(11) var<uniform> S3: Shape;
@group(0) @binding(12) var<storage, read> Zg: array<f32>;
@group(0) @binding(13) var<storage, read_write> Dg: array<f32>;
@group(0) @binding(14) var<storage, read_write> Gg: array<f32>;
@group(0) @binding(15) var<storage, read_write> SQg: array<f32>;

@compute @workgroup_size(64)
fn act_bias_grad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= S3.cols) { return; }
  var s = 0.0;
  var s2 = 0.0;
  for (var i = 0u; i < S3.rows; i++) {
    let idx = i * S3.cols + j;
    let v = Dg[idx] * act_grad(S3.act, Zg[idx]);
    Dg[idx] = v;
    s += v;
    s2 += v * v;
  }
  Gg[j] = s;
  if ((S3.flags & 1u) != 0u) { SQg[j] = s2; }
}

// lookup_act: bindings 16–21. The pair MLP's first hidden layer without its n-row product.
// With W₀ = [W_a | W_b] (out × 2d) and x_i = [E[a_i], E[b_i]], W₀x_i = W_a·E[a_i] + W_b·E[b_i]:
// only p distinct rows of E ever enter, so the host first forms P = E·W'ᵀ (p × 2·out; W' is
// W₀ read as 2·out rows of length d, row 2o+s holding W_s[o, :]) and each example looks up
//   Z[i,o] = P[a_i, 2o] + P[b_i, 2o+1] + b[o],   H = act(Z)
// (rows × cols = n × out; tokens as pairs a_i, b_i).
@group(0) @binding(16) var<uniform> S4: Shape;
@group(0) @binding(17) var<storage, read> Pl: array<f32>;
@group(0) @binding(18) var<storage, read> tokl: array<u32>;
@group(0) @binding(19) var<storage, read> biasl: array<f32>;
@group(0) @binding(20) var<storage, read_write> Zl: array<f32>;
@group(0) @binding(21) var<storage, read_write> Hl: array<f32>;

@compute @workgroup_size(256)
fn lookup_act(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x;
  if (idx >= S4.rows * S4.cols) { return; }
  let i = idx / S4.cols;
  let o = idx % S4.cols;
  let w2 = 2u * S4.cols;
  let z = Pl[tokl[2u * i] * w2 + 2u * o] + Pl[tokl[2u * i + 1u] * w2 + 2u * o + 1u] + biasl[o];
  Zl[idx] = z;
  Hl[idx] = act_fwd(S4.act, z);
}

// lookup_act4: the same for out a multiple of 4, four outputs per invocation through vec4s
// (SwiftShader pays per load and store, not per float): P's row a holds (a₀ b₀ a₁ b₁ …), so
// outputs o..o+3 take the x and z lanes of two vec4s of row a and the y and w lanes of row b.
// Bindings 22–27, the same roles as 16–21.
@group(0) @binding(22) var<uniform> S5: Shape;
@group(0) @binding(23) var<storage, read> Pv: array<vec4<f32>>;
@group(0) @binding(24) var<storage, read> tokv: array<u32>;
@group(0) @binding(25) var<storage, read> biasv: array<vec4<f32>>;
@group(0) @binding(26) var<storage, read_write> Zv: array<vec4<f32>>;
@group(0) @binding(27) var<storage, read_write> Hv: array<vec4<f32>>;

fn act_fwd4(kind: u32, z: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(act_fwd(kind, z.x), act_fwd(kind, z.y), act_fwd(kind, z.z), act_fwd(kind, z.w));
}

@compute @workgroup_size(256)
fn lookup_act4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x; // (example i, quad q) over rows × out/4
  let quads = S5.cols / 4u;
  if (idx >= S5.rows * quads) { return; }
  let i = idx / quads;
  let q = idx % quads;
  let ra = tokv[2u * i] * 2u * quads + 2u * q; // row a's vec4s holding outputs 4q..4q+3
  let rb = tokv[2u * i + 1u] * 2u * quads + 2u * q;
  let a0 = Pv[ra];
  let a1 = Pv[ra + 1u];
  let b0 = Pv[rb];
  let b1 = Pv[rb + 1u];
  let z = vec4<f32>(a0.x + b0.y, a0.z + b0.w, a1.x + b1.y, a1.z + b1.w) + biasv[q];
  Zv[idx] = z;
  Hv[idx] = act_fwd4(S5.act, z);
}
