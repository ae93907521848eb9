// transformer.wgsl — the kernels the transformer adds to the engine (twins in
// src/reference/transformer.ts). Activations are row-major with one row per position:
// row i·S + t is example i's position t (S = 4: a, op, b, =).
//
//   seq_gather      X[r] = tok_embed[tok[r]] + pos_embed[r mod S]
//   tok_scatter     dE[v] = Σ_i g_i(v), g_i(v) = Σ_{t: tok_it = v} dX_it, and Σ_i g_i(v)²
//                   (a row used at several positions of one example is summed before squaring)
//   layer_norm      Y = x̂·g + b, x̂ = (x − μ)/σ, σ² the biased variance + ε; keeps x̂ and 1/σ.
//                   Input row of output row r: r·stride + stride − 1 (stride S picks the
//                   last position, for LN_f)
//   layer_norm_back dX (+)= (1/σ)(ĝ − mean ĝ − x̂·mean(ĝ∘x̂)), ĝ = dY∘g, into row r·stride +
//                   stride − 1; without accumulate the other rows of the stride are zeroed
//   ln_param_grad   dg = Σ_i Σ_t dY∘x̂, db = Σ_i Σ_t dY, and per-example squares Σ_i (Σ_t ·)²
//   attention       causal softmax(q_t·k_u/√dh) over u ≤ t per head; O_t = Σ_u A_tu v_u
//   attention_back  dv_u = Σ_t A_tu dO_t, ds_tu = A_tu(dA_tu − Σ_u′ A_tu′ dA_tu′),
//                   dq_t = Σ_u ds_tu k_u/√dh, dk_u = Σ_t ds_tu q_t/√dh
//   seq_weight_grad dW[o,k] = Σ_i g_i[o,k] and Σ_i g_i[o,k]², g_i = Σ_t δ_it x_itᵀ: the
//                   cross-position terms of the exact gate's Σg² (T = S positions)

const LN_EPS: f32 = 1e-5;
const MAX_S: u32 = 4u;

// ---------- seq_gather ----------
struct Shape4 {
  a: u32,
  b: u32,
  c: u32,
  d: u32,
}

@group(0) @binding(0) var<uniform> SG: Shape4; // rows, d, S, 0
@group(0) @binding(1) var<storage, read> tokE: array<f32>;
@group(0) @binding(2) var<storage, read> posE: array<f32>;
@group(0) @binding(3) var<storage, read> tokS: array<u32>;
@group(0) @binding(4) var<storage, read_write> Xs: array<f32>;

@compute @workgroup_size(256)
fn seq_gather(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  let d = SG.b;
  if (k >= SG.a * d) { return; }
  let r = k / d;
  let j = k % d;
  Xs[k] = tokE[tokS[r] * d + j] + posE[(r % SG.c) * d + j];
}

// ---------- tok_scatter ----------
// entries: example·16 + mask of the positions t where tok_it = v (CSR by row v)
@group(0) @binding(5) var<uniform> TS: Shape4; // V, d, S, flags (1: write Σg²)
@group(0) @binding(6) var<storage, read> dXt: array<f32>;
@group(0) @binding(7) var<storage, read> rowStartT: array<u32>;
@group(0) @binding(8) var<storage, read> entriesT: array<u32>;
@group(0) @binding(9) var<storage, read_write> dEt: array<f32>;
@group(0) @binding(10) var<storage, read_write> SQt: array<f32>;

@compute @workgroup_size(256)
fn tok_scatter(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  let d = TS.b;
  if (k >= TS.a * d) { return; }
  let v = k / d;
  let j = k % d;
  var s = 0.0;
  var s2 = 0.0;
  for (var e = rowStartT[v]; e < rowStartT[v + 1u]; e++) {
    let ent = entriesT[e];
    let i = ent >> 4u;
    var g = 0.0;
    for (var t = 0u; t < TS.c; t++) {
      if ((ent & (1u << t)) != 0u) { g += dXt[(i * TS.c + t) * d + j]; }
    }
    s += g;
    s2 += g * g;
  }
  dEt[k] = s;
  if ((TS.d & 1u) != 0u) { SQt[k] = s2; }
}

// ---------- layer_norm ----------
@group(0) @binding(11) var<uniform> LN: Shape4; // rows, d, stride, 0
@group(0) @binding(12) var<storage, read> Xln: array<f32>;
@group(0) @binding(13) var<storage, read> gLn: array<f32>;
@group(0) @binding(14) var<storage, read> bLn: array<f32>;
@group(0) @binding(15) var<storage, read_write> Yln: array<f32>;
@group(0) @binding(16) var<storage, read_write> XH: array<f32>;
@group(0) @binding(17) var<storage, read_write> RS: array<f32>;

@compute @workgroup_size(64)
fn layer_norm(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= LN.a) { return; }
  let d = LN.b;
  let xo = (r * LN.c + LN.c - 1u) * d;
  var mu = 0.0;
  for (var j = 0u; j < d; j++) { mu += Xln[xo + j]; }
  mu /= f32(d);
  var v = 0.0;
  for (var j = 0u; j < d; j++) { let c = Xln[xo + j] - mu; v += c * c; }
  let rs = 1.0 / sqrt(v / f32(d) + LN_EPS);
  RS[r] = rs;
  for (var j = 0u; j < d; j++) {
    let xh = (Xln[xo + j] - mu) * rs;
    XH[r * d + j] = xh;
    Yln[r * d + j] = xh * gLn[j] + bLn[j];
  }
}

// ---------- layer_norm_back ----------
@group(0) @binding(18) var<uniform> LB: Shape4; // rows, d, stride, accumulate
@group(0) @binding(19) var<storage, read> dYb: array<f32>;
@group(0) @binding(20) var<storage, read> XHb: array<f32>;
@group(0) @binding(21) var<storage, read> RSb: array<f32>;
@group(0) @binding(22) var<storage, read> gB: array<f32>;
@group(0) @binding(23) var<storage, read_write> dXb: array<f32>;

@compute @workgroup_size(64)
fn layer_norm_back(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= LB.a) { return; }
  let d = LB.b;
  let o = r * d;
  var m1 = 0.0;
  var m2 = 0.0;
  for (var j = 0u; j < d; j++) {
    let gh = dYb[o + j] * gB[j];
    m1 += gh;
    m2 += gh * XHb[o + j];
  }
  m1 /= f32(d);
  m2 /= f32(d);
  let accumulate = LB.d != 0u;
  let xo = (r * LB.c + LB.c - 1u) * d;
  if (!accumulate) {
    for (var k = r * LB.c * d; k < xo; k++) { dXb[k] = 0.0; }
  }
  for (var j = 0u; j < d; j++) {
    let v = RSb[r] * (dYb[o + j] * gB[j] - m1 - XHb[o + j] * m2);
    dXb[xo + j] = select(v, dXb[xo + j] + v, accumulate);
  }
}

// ---------- ln_param_grad ----------
@group(0) @binding(24) var<uniform> LP: Shape4; // n examples, d, S positions per example, flags (1: Σg²)
@group(0) @binding(25) var<storage, read> dYp: array<f32>;
@group(0) @binding(26) var<storage, read> XHp: array<f32>;
@group(0) @binding(27) var<storage, read_write> Gg: array<f32>;
@group(0) @binding(28) var<storage, read_write> Gb: array<f32>;
@group(0) @binding(29) var<storage, read_write> SQg: array<f32>;
@group(0) @binding(30) var<storage, read_write> SQb: array<f32>;

@compute @workgroup_size(64)
fn ln_param_grad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let d = LP.b;
  if (j >= d) { return; }
  var sg = 0.0;
  var sb = 0.0;
  var qg = 0.0;
  var qb = 0.0;
  for (var i = 0u; i < LP.a; i++) {
    var gi = 0.0;
    var bi = 0.0;
    for (var t = 0u; t < LP.c; t++) {
      let o = (i * LP.c + t) * d + j;
      gi += dYp[o] * XHp[o];
      bi += dYp[o];
    }
    sg += gi;
    sb += bi;
    qg += gi * gi;
    qb += bi * bi;
  }
  Gg[j] = sg;
  Gb[j] = sb;
  if ((LP.d & 1u) != 0u) {
    SQg[j] = qg;
    SQb[j] = qb;
  }
}

// ---------- attention ----------
@group(0) @binding(31) var<uniform> AT: Shape4; // n, H, dh, S
@group(0) @binding(32) var<storage, read> Qa: array<f32>;
@group(0) @binding(33) var<storage, read> Ka: array<f32>;
@group(0) @binding(34) var<storage, read> Va: array<f32>;
@group(0) @binding(35) var<storage, read_write> Aa: array<f32>;
@group(0) @binding(36) var<storage, read_write> Oa: array<f32>;

// one invocation per (example, head, query position)
@compute @workgroup_size(64)
fn attention(@builtin(global_invocation_id) gid: vec3<u32>) {
  let S = AT.d;
  let H = AT.b;
  let dh = AT.c;
  let k = gid.x;
  if (k >= AT.a * H * S) { return; }
  let t = k % S;
  let h = (k / S) % H;
  let i = k / (S * H);
  let d = H * dh;
  let scale = 1.0 / sqrt(f32(dh));
  let qo = (i * S + t) * d + h * dh;
  var s: array<f32, MAX_S>;
  var mx = -3.4e38;
  for (var u = 0u; u <= t; u++) {
    let ko = (i * S + u) * d + h * dh;
    var acc = 0.0;
    for (var c = 0u; c < dh; c++) { acc += Qa[qo + c] * Ka[ko + c]; }
    s[u] = acc * scale;
    mx = max(mx, s[u]);
  }
  var z = 0.0;
  for (var u = 0u; u <= t; u++) { s[u] = exp(s[u] - mx); z += s[u]; }
  let a = ((i * H + h) * S + t) * S;
  for (var u = 0u; u < S; u++) { Aa[a + u] = select(0.0, s[u] / z, u <= t); }
  for (var c = 0u; c < dh; c++) {
    var acc = 0.0;
    for (var u = 0u; u <= t; u++) { acc += (s[u] / z) * Va[(i * S + u) * d + h * dh + c]; }
    Oa[qo + c] = acc;
  }
}

// ---------- attention_back ----------
@group(0) @binding(37) var<uniform> AB: Shape4; // n, H, dh, S
@group(0) @binding(38) var<storage, read> dOb: array<f32>;
@group(0) @binding(39) var<storage, read> Qb: array<f32>;
@group(0) @binding(40) var<storage, read> Kb: array<f32>;
@group(0) @binding(41) var<storage, read> Vb: array<f32>;
@group(0) @binding(42) var<storage, read> Ab: array<f32>;
@group(0) @binding(43) var<storage, read_write> dQb: array<f32>;
@group(0) @binding(44) var<storage, read_write> dKb: array<f32>;
@group(0) @binding(45) var<storage, read_write> dVb: array<f32>;

// one invocation per (example, head): it owns that head's columns of the example's rows
@compute @workgroup_size(64)
fn attention_back(@builtin(global_invocation_id) gid: vec3<u32>) {
  let S = AB.d;
  let H = AB.b;
  let dh = AB.c;
  let k = gid.x;
  if (k >= AB.a * H) { return; }
  let h = k % H;
  let i = k / H;
  let d = H * dh;
  let scale = 1.0 / sqrt(f32(dh));
  for (var t = 0u; t < S; t++) {
    let o = (i * S + t) * d + h * dh;
    for (var c = 0u; c < dh; c++) {
      dQb[o + c] = 0.0;
      dKb[o + c] = 0.0;
      dVb[o + c] = 0.0;
    }
  }
  for (var t = 0u; t < S; t++) {
    let to = (i * S + t) * d + h * dh;
    let a = ((i * H + h) * S + t) * S;
    var dA: array<f32, MAX_S>;
    var dot = 0.0;
    for (var u = 0u; u <= t; u++) {
      let uo = (i * S + u) * d + h * dh;
      var acc = 0.0;
      for (var c = 0u; c < dh; c++) {
        acc += dOb[to + c] * Vb[uo + c];
        dVb[uo + c] += Ab[a + u] * dOb[to + c];
      }
      dA[u] = acc;
      dot += Ab[a + u] * acc;
    }
    for (var u = 0u; u <= t; u++) {
      let ds = Ab[a + u] * (dA[u] - dot) * scale;
      let uo = (i * S + u) * d + h * dh;
      for (var c = 0u; c < dh; c++) {
        dQb[to + c] += ds * Kb[uo + c];
        dKb[uo + c] += ds * Qb[to + c];
      }
    }
  }
}

// ---------- seq_weight_grad ----------
@group(0) @binding(46) var<uniform> WG: Shape4; // out, in, n examples, S positions per example
@group(0) @binding(47) var<storage, read> dYw: array<f32>;
@group(0) @binding(48) var<storage, read> Xw: array<f32>;
@group(0) @binding(49) var<storage, read_write> Gw: array<f32>;
@group(0) @binding(50) var<storage, read_write> SQw: array<f32>;

// g_i = Σ_t δ_it[o]·x_it[k] per example, then Σ_i g_i and Σ_i g_i². Register-blocked:
// each invocation owns a 4×4 block of weights, so per row it loads 4 δ and 4 x values
// for 16 products. As in matmul.wgsl the loops carry no branches: edge rows and columns
// are clamped to valid indices and their results dropped at the store. A workgroup of
// 4×4 invocations covers a 16×16 tile (dispatch ceil(N/16) × ceil(M/16)), so the small
// transformer's 32×32 maps still spread over 4 workgroups. On SwiftShader, against one
// output per invocation: 5–8× faster at 32×32 and 64×32 (b = 64), 5–6× at 512×128.
@compute @workgroup_size(4, 4)
fn seq_weight_grad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k0 = gid.x * 4u;
  let o0 = gid.y * 4u;
  let M = WG.a;
  let N = WG.b;
  if (o0 >= M || k0 >= N) { return; }
  let oc = min(vec4<u32>(o0, o0 + 1u, o0 + 2u, o0 + 3u), vec4<u32>(M - 1u));
  let kc = min(vec4<u32>(k0, k0 + 1u, k0 + 2u, k0 + 3u), vec4<u32>(N - 1u));
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  var q0 = vec4<f32>(0.0);
  var q1 = vec4<f32>(0.0);
  var q2 = vec4<f32>(0.0);
  var q3 = vec4<f32>(0.0);
  for (var i = 0u; i < WG.c; i++) {
    var g0 = vec4<f32>(0.0);
    var g1 = vec4<f32>(0.0);
    var g2 = vec4<f32>(0.0);
    var g3 = vec4<f32>(0.0);
    for (var t = 0u; t < WG.d; t++) {
      let r = i * WG.d + t;
      let xo = r * N;
      let x = vec4<f32>(Xw[xo + kc.x], Xw[xo + kc.y], Xw[xo + kc.z], Xw[xo + kc.w]);
      let yo = r * M;
      g0 += dYw[yo + oc.x] * x;
      g1 += dYw[yo + oc.y] * x;
      g2 += dYw[yo + oc.z] * x;
      g3 += dYw[yo + oc.w] * x;
    }
    s0 += g0;
    s1 += g1;
    s2 += g2;
    s3 += g3;
    q0 += g0 * g0;
    q1 += g1 * g1;
    q2 += g2 * g2;
    q3 += g3 * g3;
  }
  let S = array<vec4<f32>, 4>(s0, s1, s2, s3);
  let Q = array<vec4<f32>, 4>(q0, q1, q2, q3);
  for (var a = 0u; a < 4u; a++) {
    for (var b = 0u; b < 4u; b++) {
      if (o0 + a < M && k0 + b < N) {
        Gw[(o0 + a) * N + k0 + b] = S[a][b];
        SQw[(o0 + a) * N + k0 + b] = Q[a][b];
      }
    }
  }
}
