// kernel.wgsl — the probe kernel block K_AB = J_A diag(ω) J_Bᵀ from the per-layer factors
// (src/theory/kernels.ts kernelBlock; THEORY.md "Probe sets"), never materialising J:
//   K[(i,c),(j,c')] = Σ_l Σ_a Δ_l^A[(i,c),a] Δ_l^B[(j,c'),a] T_l[i,j,a]  +  embedding term
//   T_l[i,j,a]      = Σ_b ω_W[a,b] x_i[b] x_j[b] + ω_b[a]            (x = layer inputs X_l)
//   embedding term  = Σ_{s,s' : tokA[i,s] = tokB[j,s'] = r} Σ_k ω_E[r,k] dX0^A[(i,c), s·d+k] dX0^B[(j,c'), s'·d+k]
// The head has Δ = I, so it only adds T_head[i,j,c] to the diagonal logit pairs c = c'.
// Trace view: K_tr[i,j] = Σ_c K[(i,c),(j,c)]; per layer Σ_a T_l[i,j,a] Σ_c Δ^A[(i,c),a] Δ^B[(j,c),a].
//
// Entry points (one dispatch each, per layer, in one compute pass after the host clears K;
// every one accumulates):
//   weight_kernel  T_l; HEAD_DIAG: K[(i,a),(j,a)] += T_head[i,j,a] instead
//   embed_full     K (full view, (mA·p) × (mB·p), row-major) += the embedding term, over the
//                  host's list of point pairs sharing an embedding row
//   layer_full     K[(i,c),(j,c')] += Σ_a Δ^A Δ^B T
//   embed_trace    K_tr (mA × mB) += Σ_c of the embedding term, same list
//   layer_trace    K_tr[i,j] += Σ_a T[i,j,a] Σ_c Δ^A Δ^B; IDENTITY (the head): Σ_a T[i,j,a]
// SYM (A and B are one probe): only point pairs j ≥ i are computed (4×4 pair blocks: those
// not wholly below the diagonal; the pair list holds j ≥ i only); the host mirrors the upper
// triangle.
//
// Buffers, packed by the host (src/engine/probeKernel.ts) so every inner-loop load is one
// contiguous vec4 with a uniform stride (cq = 2⌈p/8⌉ vec4s cover c in whole 8-blocks,
// jq = ⌈mB/4⌉, aq = ⌈out/4⌉; padding is 0):
//   Δ (per side, hidden layers)  vec4 [(i·out + a)·cq + q]       = Δ[(i, 4q..4q+3), a]
//   dX0 (per side)               vec4 [(i·2d + s·d + k)·cq + q]  = dX0[(i, 4q..4q+3), s·d + k]
//   X_A                          f32  [i·in + b]                 (row-major, as trained)
//   X_B                          vec4 [b·jq + q]                 = X_B[4q..4q+3, b]
//   ω_W                          vec4 [b·aq + q]                 = ω_W[4q..4q+3, b]
//   ω_b                          vec4 [q]                        = ω_b[4q..4q+3]
//   ω_E                          f32  [r·d + k]
//   tokens (side A)              u32  [2i + s]
//   pair list                    vec4<u32> (i, j, mask, 0), mask bit 2s + s' = [tokA[i,s] = tokB[j,s']]
//   T                            f32  [(i·out + a)·4jq + j]      (vec4 over j in layer_trace)
// House style (matmul.wgsl): each invocation owns a 4×4 register block (layer_full: 8×8),
// inner loops have uniform trip counts and strides and no branches; edge rows/columns are
// clamped or zero-padded and discarded at the store. No workgroup memory, no barriers, no atomics: every
// output element has exactly one writer per dispatch. The embedding kernels run only over
// the point pairs that share a row (~4/p of them), listed by the host with the tokens.

struct KernelParams {
  mA: u32,
  mB: u32,
  p: u32,
  nIn: u32,   // in_l (weight_kernel) or d (embed_*)
  nOut: u32,  // out_l
  flags: u32, // 1 HEAD_DIAG (weight_kernel) / IDENTITY (layer_trace); 2 SYM
  count: u32, // embed_*: entries in the pair list
  _pad1: u32,
}

const HEAD_DIAG: u32 = 1u;
const IDENTITY: u32 = 1u;
const SYM: u32 = 2u;

fn clamp4(base: u32, last: u32) -> vec4<u32> {
  return vec4<u32>(min(base, last), min(base + 1u, last), min(base + 2u, last), min(base + 3u, last));
}

// ---------------------------------------------------------------------------------------
// weight_kernel: invocation (gid.x = a-block qa, gid.y = i·jq + j-block qj) computes T for
// one i, four j and four a: per b, y = x_i[b]·x_j[b] (vec4 over j), T[j, ·] += y_j·ω_W[·, b].
@group(0) @binding(0) var<uniform> U0: KernelParams;
@group(0) @binding(1) var<storage, read> XA0: array<f32>;
@group(0) @binding(2) var<storage, read> XB0: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> wW0: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> wb0: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> out0: array<f32>;

@compute @workgroup_size(8, 8)
fn weight_kernel(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = U0.nIn;
  let aq = (U0.nOut + 3u) / 4u;
  let jq = (U0.mB + 3u) / 4u;
  let qa = gid.x;
  let i = gid.y / jq;
  let qj = gid.y % jq;
  if (qa >= aq || i >= U0.mA) { return; }
  if ((U0.flags & SYM) != 0u && 4u * qj + 3u < i) { return; }
  var t0 = vec4<f32>(0.0); // j = 4qj + 0, over a = 4qa..4qa+3
  var t1 = vec4<f32>(0.0);
  var t2 = vec4<f32>(0.0);
  var t3 = vec4<f32>(0.0);
  var xa = i * n;
  var xb = qj;
  var wa = qa;
  for (var b = 0u; b < n; b++) {
    let y = XA0[xa] * XB0[xb];
    let w = wW0[wa];
    t0 += y.x * w;
    t1 += y.y * w;
    t2 += y.z * w;
    t3 += y.w * w;
    xa += 1u;
    xb += jq;
    wa += aq;
  }
  let bias = wb0[qa];
  let rows = array<vec4<f32>, 4>(t0 + bias, t1 + bias, t2 + bias, t3 + bias);
  let head = (U0.flags & HEAD_DIAG) != 0u;
  let NB = U0.mB * U0.p;
  for (var jj = 0u; jj < 4u; jj++) {
    let j = 4u * qj + jj;
    if (j < U0.mB) {
      for (var aa = 0u; aa < 4u; aa++) {
        let a = 4u * qa + aa;
        if (a < U0.nOut) {
          if (head) {
            let o = (i * U0.p + a) * NB + j * U0.p + a;
            out0[o] = out0[o] + rows[jj][aa];
          } else {
            out0[(i * U0.nOut + a) * 4u * jq + j] = rows[jj][aa];
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// layer_full: invocation (gid.x = j·c8 + h2, gid.y = i·c8 + h1, c8 = ⌈p/8⌉) owns the 8×8 block
// of logit pairs c ∈ 8h1.., c' ∈ 8h2.. of one point pair (i, j), so T[i,j,a] is one scalar per
// a: per a, two vec4 loads per side and 64 FMAs. (8×8 measured 1.8× faster than 4×4 on
// SwiftShader at the lecture probe, interleaved A/B runs of this dispatch.)
@group(0) @binding(6) var<uniform> U1: KernelParams;
@group(0) @binding(7) var<storage, read> DA1: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> DB1: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read> T1: array<f32>;
@group(0) @binding(10) var<storage, read_write> K1: array<f32>;

@compute @workgroup_size(8, 8)
fn layer_full(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = U1.p;
  let n = U1.nOut;
  let c8 = (p + 7u) / 8u;
  let cq = 2u * c8;
  let j4 = 4u * ((U1.mB + 3u) / 4u);
  let j = gid.x / c8;
  let i = gid.y / c8;
  if (i >= U1.mA || j >= U1.mB) { return; }
  if ((U1.flags & SYM) != 0u && j < i) { return; }
  let h1 = gid.y % c8;
  let h2 = gid.x % c8;
  var ra = i * n * cq + 2u * h1;
  var rb = j * n * cq + 2u * h2;
  var tb = i * n * j4 + j;
  // l_r: row c = 8h1 + r, columns 8h2..8h2+3; u_r: the same row, columns 8h2+4..8h2+7
  var l0 = vec4<f32>(0.0); var l1 = vec4<f32>(0.0); var l2 = vec4<f32>(0.0); var l3 = vec4<f32>(0.0);
  var l4 = vec4<f32>(0.0); var l5 = vec4<f32>(0.0); var l6 = vec4<f32>(0.0); var l7 = vec4<f32>(0.0);
  var u0 = vec4<f32>(0.0); var u1 = vec4<f32>(0.0); var u2 = vec4<f32>(0.0); var u3 = vec4<f32>(0.0);
  var u4 = vec4<f32>(0.0); var u5 = vec4<f32>(0.0); var u6 = vec4<f32>(0.0); var u7 = vec4<f32>(0.0);
  for (var a = 0u; a < n; a++) {
    let t = T1[tb];
    let a0 = DA1[ra] * t;
    let a1 = DA1[ra + 1u] * t;
    let b0 = DB1[rb];
    let b1 = DB1[rb + 1u];
    l0 += a0.x * b0; l1 += a0.y * b0; l2 += a0.z * b0; l3 += a0.w * b0;
    l4 += a1.x * b0; l5 += a1.y * b0; l6 += a1.z * b0; l7 += a1.w * b0;
    u0 += a0.x * b1; u1 += a0.y * b1; u2 += a0.z * b1; u3 += a0.w * b1;
    u4 += a1.x * b1; u5 += a1.y * b1; u6 += a1.z * b1; u7 += a1.w * b1;
    ra += cq;
    rb += cq;
    tb += j4;
  }
  let lo = array<vec4<f32>, 8>(l0, l1, l2, l3, l4, l5, l6, l7);
  let hi = array<vec4<f32>, 8>(u0, u1, u2, u3, u4, u5, u6, u7);
  let NB = U1.mB * p;
  for (var r = 0u; r < 8u; r++) {
    let c = 8u * h1 + r;
    if (c < p) {
      let o = (i * p + c) * NB + j * p + 8u * h2;
      for (var jj = 0u; jj < 4u; jj++) {
        if (8u * h2 + jj < p) { K1[o + jj] = K1[o + jj] + lo[r][jj]; }
        if (8u * h2 + 4u + jj < p) { K1[o + 4u + jj] = K1[o + 4u + jj] + hi[r][jj]; }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// embed_full: 1-D over (e, q1, q2), e an entry of the host's list of point pairs that share an
// embedding row: pairs[e] = (i, j, mask, 0), mask bit 2s + s' = [tokA[i,s] = tokB[j,s']] (each
// pair at most once, so one writer per K element). For A's slot s the matching B slots combine
// first, g' = m_s0·g^B_0 + m_s1·g^B_1 (a = b on B: both slots, one row). The list makes the
// sparse term (~4/p of pairs) cost only where it is nonzero, with no divergent lanes.
@group(0) @binding(11) var<uniform> U2: KernelParams;
@group(0) @binding(12) var<storage, read> GA2: array<vec4<f32>>;
@group(0) @binding(13) var<storage, read> GB2: array<vec4<f32>>;
@group(0) @binding(14) var<storage, read> pairs2: array<vec4<u32>>;
@group(0) @binding(15) var<storage, read> tokA2: array<u32>;
@group(0) @binding(16) var<storage, read> wE2: array<f32>;
@group(0) @binding(17) var<storage, read_write> K2: array<f32>;

@compute @workgroup_size(64)
fn embed_full(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let p = U2.p;
  let d = U2.nIn;
  let cq = 2u * ((p + 7u) / 8u);
  let idx = gid.y * nwg.x * 64u + gid.x;
  let e = idx / (cq * cq);
  if (e >= U2.count) { return; }
  let q1 = (idx / cq) % cq;
  let q2 = idx % cq;
  let pr = pairs2[e];
  let i = pr.x;
  let j = pr.y;
  var k0 = vec4<f32>(0.0);
  var k1 = vec4<f32>(0.0);
  var k2 = vec4<f32>(0.0);
  var k3 = vec4<f32>(0.0);
  for (var slot = 0u; slot < 2u; slot++) {
    let m0 = f32((pr.z >> (2u * slot)) & 1u);
    let m1 = f32((pr.z >> (2u * slot + 1u)) & 1u);
    if (m0 + m1 > 0.0) {
      var ga = (i * 2u * d + slot * d) * cq + q1;
      var gb = j * 2u * d * cq + q2;
      let gbSlot1 = d * cq;
      var we = tokA2[2u * i + slot] * d;
      for (var k = 0u; k < d; k++) {
        let av = GA2[ga] * wE2[we];
        let bv = m0 * GB2[gb] + m1 * GB2[gb + gbSlot1];
        k0 += av.x * bv;
        k1 += av.y * bv;
        k2 += av.z * bv;
        k3 += av.w * bv;
        ga += cq;
        gb += cq;
        we += 1u;
      }
    }
  }
  let rows = array<vec4<f32>, 4>(k0, k1, k2, k3);
  let NB = U2.mB * p;
  for (var ii = 0u; ii < 4u; ii++) {
    let c = 4u * q1 + ii;
    if (c < p) {
      for (var jj = 0u; jj < 4u; jj++) {
        let c2 = 4u * q2 + jj;
        if (c2 < p) {
          let o = (i * p + c) * NB + j * p + c2;
          K2[o] = K2[o] + rows[ii][jj];
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// embed_trace: one invocation per entry of the same pair list, the diagonal c = c' only:
// Σ_c is a sum of dot products over the zero-padded vec4s of c.
@group(0) @binding(18) var<uniform> U3: KernelParams;
@group(0) @binding(19) var<storage, read> GA3: array<vec4<f32>>;
@group(0) @binding(20) var<storage, read> GB3: array<vec4<f32>>;
@group(0) @binding(21) var<storage, read> pairs3: array<vec4<u32>>;
@group(0) @binding(22) var<storage, read> tokA3: array<u32>;
@group(0) @binding(23) var<storage, read> wE3: array<f32>;
@group(0) @binding(24) var<storage, read_write> K3: array<f32>;

@compute @workgroup_size(64)
fn embed_trace(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.y * nwg.x * 64u + gid.x;
  if (e >= U3.count) { return; }
  let d = U3.nIn;
  let cq = 2u * ((U3.p + 7u) / 8u);
  let pr = pairs3[e];
  let i = pr.x;
  let j = pr.y;
  var acc = 0.0;
  for (var slot = 0u; slot < 2u; slot++) {
    let m0 = f32((pr.z >> (2u * slot)) & 1u);
    let m1 = f32((pr.z >> (2u * slot + 1u)) & 1u);
    if (m0 + m1 > 0.0) {
      var ga = (i * 2u * d + slot * d) * cq;
      var gb = j * 2u * d * cq;
      let gbSlot1 = d * cq;
      let we = tokA3[2u * i + slot] * d;
      for (var k = 0u; k < d; k++) {
        var sum = 0.0;
        for (var q = 0u; q < cq; q++) {
          sum += dot(GA3[ga + q], m0 * GB3[gb + q] + m1 * GB3[gb + gbSlot1 + q]);
        }
        acc += wE3[we + k] * sum;
        ga += cq;
        gb += cq;
      }
    }
  }
  let o = i * U3.mB + j;
  K3[o] = K3[o] + acc;
}

// ---------------------------------------------------------------------------------------
// layer_trace: invocation (gid.x = j-block, gid.y = i-block) owns a 4×4 block of point pairs.
// Per a: S[i,j] = Σ_c Δ^A[(i,c),a] Δ^B[(j,c),a], dot products over the vec4s of c (IDENTITY:
// S = 1, the c loop has no trips), then K_tr[i,j] += S[i,j]·T[i,j,a].
@group(0) @binding(25) var<uniform> U4: KernelParams;
@group(0) @binding(26) var<storage, read> DA4: array<vec4<f32>>;
@group(0) @binding(27) var<storage, read> DB4: array<vec4<f32>>;
@group(0) @binding(28) var<storage, read> T4: array<vec4<f32>>;
@group(0) @binding(29) var<storage, read_write> K4: array<f32>;

@compute @workgroup_size(8, 8)
fn layer_trace(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * 4u;
  let j0 = gid.x * 4u;
  if (i0 >= U4.mA || j0 >= U4.mB) { return; }
  if ((U4.flags & SYM) != 0u && j0 + 3u < i0) { return; }
  let n = U4.nOut;
  let cq = 2u * ((U4.p + 7u) / 8u);
  let jq = (U4.mB + 3u) / 4u;
  let ident = (U4.flags & IDENTITY) != 0u;
  let nq = select(cq, 0u, ident);
  let s0 = select(0.0, 1.0, ident);
  let iv = clamp4(i0, U4.mA - 1u);
  let jv = clamp4(j0, U4.mB - 1u);
  var ra = iv * n * cq;              // Δ^A (i, a = 0, q = 0) for the four i
  var rb = jv * n * cq;
  var tr = iv * n * jq + gid.x;      // T vec4 (i, a = 0, j-block)
  var k0 = vec4<f32>(0.0);
  var k1 = vec4<f32>(0.0);
  var k2 = vec4<f32>(0.0);
  var k3 = vec4<f32>(0.0);
  for (var a = 0u; a < n; a++) {
    var s0v = vec4<f32>(s0);
    var s1v = vec4<f32>(s0);
    var s2v = vec4<f32>(s0);
    var s3v = vec4<f32>(s0);
    for (var q = 0u; q < nq; q++) {
      let a0 = DA4[ra.x + q];
      let a1 = DA4[ra.y + q];
      let a2 = DA4[ra.z + q];
      let a3 = DA4[ra.w + q];
      let b0 = DB4[rb.x + q];
      let b1 = DB4[rb.y + q];
      let b2 = DB4[rb.z + q];
      let b3 = DB4[rb.w + q];
      s0v += vec4<f32>(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
      s1v += vec4<f32>(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
      s2v += vec4<f32>(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
      s3v += vec4<f32>(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
    }
    k0 += s0v * T4[tr.x];
    k1 += s1v * T4[tr.y];
    k2 += s2v * T4[tr.z];
    k3 += s3v * T4[tr.w];
    ra += vec4<u32>(cq);
    rb += vec4<u32>(cq);
    tr += vec4<u32>(jq);
  }
  let rows = array<vec4<f32>, 4>(k0, k1, k2, k3);
  for (var ii = 0u; ii < 4u; ii++) {
    let i = i0 + ii;
    if (i < U4.mA) {
      for (var jj = 0u; jj < 4u; jj++) {
        let j = j0 + jj;
        if (j < U4.mB) {
          let o = i * U4.mB + j;
          K4[o] = K4[o] + rows[ii][jj];
        }
      }
    }
  }
}
