// embed.wgsl — the shared embedding table E (p × d) for both operands; the input of
// example i is x_i = [E[a_i], E[b_i]], read by the first layer through P = E·W'ᵀ
// (activation.wgsl lookup_act), never gathered into an n-row X.
//   scatter: dE[r, j] = Σ_i g_i(r, j),  SQ[r, j] = Σ_i g_i(r, j)²
// where example i's gradient for row r is the sum of its slot contributions
// g_i(r, j) = [a_i = r]·dX[i, j] + [b_i = r]·dX[i, d + j] — when a = b both slots add
// before squaring (the per-example gradient is one vector, squared once).
// Race-free without atomics: one invocation per (r, j) walks the CSR inverse index of
// the batch (built on the CPU with the batch): rowStart[r]..rowStart[r+1] lists entries
// e = i·4 + slot bits (1: a, 2: b, 3: both).

struct EmbedParams {
  n: u32,     // examples
  d: u32,     // embedding size
  p: u32,     // table rows
  flags: u32, // scatter: 1 = also write SQ; token_sum: 1 = also write R
}

@group(0) @binding(4) var<uniform> G1: EmbedParams;
@group(0) @binding(5) var<storage, read> dX: array<f32>;
@group(0) @binding(6) var<storage, read> rowStart: array<u32>;
@group(0) @binding(7) var<storage, read> entries: array<u32>;
@group(0) @binding(8) var<storage, read_write> dE: array<f32>;
@group(0) @binding(9) var<storage, read_write> SQ: array<f32>;

@compute @workgroup_size(256)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x;
  if (idx >= G1.p * G1.d) { return; }
  let r = idx / G1.d;
  let j = idx % G1.d;
  var s = 0.0;
  var s2 = 0.0;
  for (var e = rowStart[r]; e < rowStart[r + 1u]; e++) {
    let ent = entries[e];
    let row = (ent >> 2u) * 2u * G1.d;
    var g = 0.0;
    if ((ent & 1u) != 0u) { g += dX[row + j]; }
    if ((ent & 2u) != 0u) { g += dX[row + G1.d + j]; }
    s += g;
    s2 += g * g;
  }
  dE[idx] = s;
  if ((G1.flags & 1u) != 0u) { SQ[idx] = s2; }
}

// token_sum: the first hidden layer's backward without its n-row products. The layer's
// δ (n × out, after act_bias_grad) summed by token and slot over the same CSR walk:
//   S[r, 2o+s] = Σ over the batch's entries of row r with slot bit s of δ[entry's example, o]
// Then, with W' the first layer's weight read as 2·out rows of d (row 2o+s = W_s[o, :]):
//   dW' = Sᵀ·E  (2·out × d, the same memory as dW₀ = δᵀX)   and   dE = S·W'  (p × d).
// With flags bit 1 (the exact gates) also R[r, 2o+s] = √(Σ the same δ²): W₀'s per-example
// Σ_i g_i² = Σ_i δ_i[o]² E[tok_s(i), k]² = (R∘R)ᵀ(E∘E), the weight-gradient form with SQUARE
// (each slot is its own block of W₀, so an a = b example adds to both and has no cross term).
// E's own Σ g_i² squares each example's δ_i·W₀ and keeps the per-example path (scatter).
// Exact in real arithmetic (a reassociation of δᵀX and of scatter(δ·W₀)).
// One invocation per (r, o), both slots. G2.d holds out (the columns of δ).
@group(0) @binding(10) var<uniform> G2: EmbedParams;
@group(0) @binding(11) var<storage, read> dZt: array<f32>;
@group(0) @binding(12) var<storage, read_write> St: array<f32>;
@group(0) @binding(13) var<storage, read_write> Rt: array<f32>;

@compute @workgroup_size(256)
fn token_sum(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x;
  if (idx >= G2.p * G2.d) { return; }
  let r = idx / G2.d;
  let o = idx % G2.d;
  var sa = 0.0;
  var sb = 0.0;
  var qa = 0.0;
  var qb = 0.0;
  for (var e = rowStart[r]; e < rowStart[r + 1u]; e++) {
    let ent = entries[e];
    let v = dZt[(ent >> 2u) * G2.d + o];
    if ((ent & 1u) != 0u) { sa += v; qa += v * v; }
    if ((ent & 2u) != 0u) { sb += v; qb += v * v; }
  }
  let at = r * 2u * G2.d + 2u * o;
  St[at] = sa;
  St[at + 1u] = sb;
  if ((G2.flags & 1u) != 0u) {
    Rt[at] = sqrt(qa);
    Rt[at + 1u] = sqrt(qb);
  }
}

// token_sum4: the same for out a multiple of 4, four columns o..o+3 per invocation through
// vec4 loads of δ (SwiftShader pays per load); S and R keep token_sum's interleaved layout
// (row r: slot a and b of column o side by side), stored as two vec4s.
// Bindings 14–17 (rowStart and entries shared with scatter and token_sum).
@group(0) @binding(14) var<uniform> G3: EmbedParams;
@group(0) @binding(15) var<storage, read> dZq: array<vec4<f32>>;
@group(0) @binding(16) var<storage, read_write> Sq: array<vec4<f32>>;
@group(0) @binding(17) var<storage, read_write> Rq: array<vec4<f32>>;

@compute @workgroup_size(256)
fn token_sum4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let quads = G3.d / 4u;
  let idx = gid.x; // (row r, quad q)
  if (idx >= G3.p * quads) { return; }
  let r = idx / quads;
  let q = idx % quads;
  var sa = vec4<f32>(0.0);
  var sb = vec4<f32>(0.0);
  var qa = vec4<f32>(0.0);
  var qb = vec4<f32>(0.0);
  for (var e = rowStart[r]; e < rowStart[r + 1u]; e++) {
    let ent = entries[e];
    let v = dZq[(ent >> 2u) * quads + q];
    let ma = f32(ent & 1u);
    let mb = f32((ent >> 1u) & 1u);
    sa += ma * v;
    sb += mb * v;
    qa += ma * v * v;
    qb += mb * v * v;
  }
  // columns 4q..4q+3 of row r, slots interleaved: (a₀ b₀ a₁ b₁) (a₂ b₂ a₃ b₃)
  let at = r * 2u * quads + 2u * q;
  Sq[at] = vec4<f32>(sa.x, sb.x, sa.y, sb.y);
  Sq[at + 1u] = vec4<f32>(sa.z, sb.z, sa.w, sb.w);
  if ((G3.flags & 1u) != 0u) {
    let ra = sqrt(qa);
    let rb = sqrt(qb);
    Rq[at] = vec4<f32>(ra.x, rb.x, ra.y, rb.y);
    Rq[at + 1u] = vec4<f32>(ra.z, rb.z, ra.w, rb.w);
  }
}
