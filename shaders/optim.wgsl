// optim.wgsl — the optimizer step and the gate over the whole flat parameter buffer w.
//   Δw = −η·wd·w − η·s_T·c_k·q_k·u_k        (decoupled weight decay is never gated)
// direction (one invocation per parameter k):
//   Grokfast: e ← αe + (1−α)μ, g = μ + λe      (else g = μ, the raw mean gradient)
//   m ← β1 m + (1−β1) g,  v ← β2 v + (1−β2) g²     (moments see the ungated gradient)
//   u = m̂/(√v̂ + ε) (AdamW, Cautious, Grokfast)  or  u = buf ← momentum·buf + g (SGD)
//   gate q from μ and sq = Σ_i (g_ik/b)²  (σ² = b·sq − μ², the leave-one-out noise σ²/(b−1)):
//     exact-hard q = [μ² > σ²/(b−1)]     exact-soft q = μ²/(μ² + λσ²/(b−1) + ε_q)
//     stream     s ← ρs + (1−ρ)(g − m_prev)², ŝ = s/(1−ρᵗ), q = m̂²/(m̂² + λαŝ + ε_q)
//     stream-hard q = [m̂² > αŝ]
//   Cautious: c = [u·μ > 0] (else c = 1)
// mask_partial / mask_finish: per tensor T, (Σq, Σc) → stats[2T], stats[2T+1]
// apply: s_T = 1/max(mean_T c, 1e−3) for Cautious (else 1); w ← w − η·wd·w − η·s_T·c·q·u
// direction_apply: direction and apply fused where s_T = 1 (every optimizer but Cautious)
// Buffers (P = padded parameter count): state = [m | v | aux | s], each P long
// (aux: SGD momentum buffer or Grokfast's EMA); out = [u | q | c].
// Mirrors src/reference/optimizer.ts line for line.

struct OptParams {
  P: u32,
  opt: u32,   // 0 sgd, 1 adamw, 2 cautious, 3 grokfast
  gate: u32,  // 0 off, 1 exact-hard, 2 exact-soft, 3 stream, 4 stream-hard
  T: u32,     // tensors
  lr: f32,
  wd: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  momentum: f32,
  softness: f32,
  b: f32,
  bc1: f32,   // 1 − β1ᵗ
  bc2: f32,   // 1 − β2ᵗ
  bcs: f32,   // 1 − ρᵗ
  streamAlpha: f32,
}

const RHO: f32 = 0.99;
const GF_ALPHA: f32 = 0.98;
const GF_LAMBDA: f32 = 2.0;
const Q_EPS: f32 = 1e-30;
const CAUTIOUS_MIN_MEAN: f32 = 1e-3;
const LANES: u32 = 64u;

@group(0) @binding(0) var<uniform> O: OptParams;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> sq: array<f32>;
@group(0) @binding(3) var<storage, read_write> state: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn direction(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  if (k >= O.P) { return; }
  stepDirection(k);
}

// direction and apply in one pass, for the optimizers whose update needs no per-tensor
// statistic (all but Cautious, whose s_T is a mean over the tensor): s_T = 1, so
// w ← w − η·wd·w − η·1·c·q·u with c = 1, the same expression `apply` evaluates. The
// mask sums (the gate's open fraction) still follow as telemetry. Layout padding is
// left alone, as `apply` leaves it.
@group(0) @binding(17) var<storage, read_write> wF: array<f32>;
@group(0) @binding(18) var<storage, read> tensorsF: array<vec2<u32>>;

@compute @workgroup_size(256)
fn direction_apply(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  if (k >= O.P) { return; }
  let uqc = stepDirection(k);
  // the tensor that may hold k: the last one starting at or before it (the table is sorted by
  // offset, src/engine/modules/optimizer.ts checks), found by bisection — log T reads, not T
  var lo = 0u;
  var hi = O.T;
  while (hi - lo > 1u) {
    let mid = (lo + hi) / 2u;
    if (tensorsF[mid].x <= k) { lo = mid; } else { hi = mid; }
  }
  let r = tensorsF[lo];
  if (k < r.x || k >= r.x + r.y) { return; }
  let wk = wF[k];
  wF[k] = wk - O.lr * O.wd * wk - O.lr * 1.0 * uqc.z * uqc.y * uqc.x;
}

/// moments, direction u, gate mask q and Cautious mask c of parameter k, written to
/// state and out; returns (u, q, c)
fn stepDirection(k: u32) -> vec3<f32> {
  let mu = grad[k];
  var g = mu;
  if (O.opt == 3u) {
    let e = GF_ALPHA * state[2u * O.P + k] + (1.0 - GF_ALPHA) * mu;
    state[2u * O.P + k] = e;
    g = mu + GF_LAMBDA * e;
  }
  let mPrev = state[k];
  let m = O.beta1 * mPrev + (1.0 - O.beta1) * g;
  let v = O.beta2 * state[O.P + k] + (1.0 - O.beta2) * g * g;
  state[k] = m;
  state[O.P + k] = v;
  let mHat = m / O.bc1;
  var u: f32;
  if (O.opt == 0u) {
    let buf = O.momentum * state[2u * O.P + k] + g;
    state[2u * O.P + k] = buf;
    u = buf;
  } else {
    u = mHat / (sqrt(v / O.bc2) + O.eps);
  }
  var q = 1.0;
  if (O.gate == 1u || O.gate == 2u) {
    let mu2 = mu * mu;
    let varMean = max(O.b * sq[k] - mu2, 0.0) / (O.b - 1.0);
    if (O.gate == 1u) { q = select(0.0, 1.0, mu2 > varMean); }
    else { q = mu2 / (mu2 + O.softness * varMean + Q_EPS); }
  } else if (O.gate == 3u || O.gate == 4u) {
    let dev = g - mPrev;
    let s = RHO * state[3u * O.P + k] + (1.0 - RHO) * dev * dev;
    state[3u * O.P + k] = s;
    let sHat = s / O.bcs;
    let m2 = mHat * mHat;
    if (O.gate == 4u) { q = select(0.0, 1.0, m2 > O.streamAlpha * sHat); }
    else { q = m2 / (m2 + O.softness * O.streamAlpha * sHat + Q_EPS); }
  }
  var c = 1.0;
  if (O.opt == 2u) { c = select(0.0, 1.0, u * mu > 0.0); }
  out[k] = u;
  out[O.P + k] = q;
  out[2u * O.P + k] = c;
  return vec3<f32>(u, q, c);
}

@group(0) @binding(5) var<uniform> O2: OptParams;
@group(0) @binding(6) var<storage, read> tensors: array<vec2<u32>>; // (offset, size)
@group(0) @binding(7) var<storage, read> outIn: array<f32>;
@group(0) @binding(8) var<storage, read_write> partials: array<f32>;

@compute @workgroup_size(64)
fn mask_partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x / LANES;
  let lane = gid.x % LANES;
  if (t >= O2.T) { return; }
  let range = tensors[t];
  var sq_ = 0.0;
  var sc = 0.0;
  for (var k = range.x + lane; k < range.x + range.y; k += LANES) {
    sq_ += outIn[O2.P + k];
    sc += outIn[2u * O2.P + k];
  }
  partials[2u * gid.x] = sq_;
  partials[2u * gid.x + 1u] = sc;
}

@group(0) @binding(9) var<uniform> O3: OptParams;
@group(0) @binding(10) var<storage, read> partialsIn: array<f32>;
@group(0) @binding(11) var<storage, read_write> stats: array<f32>;

@compute @workgroup_size(64)
fn mask_finish(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= O3.T) { return; }
  var a = 0.0;
  var b = 0.0;
  for (var lane = 0u; lane < LANES; lane++) {
    a += partialsIn[2u * (t * LANES + lane)];
    b += partialsIn[2u * (t * LANES + lane) + 1u];
  }
  stats[2u * t] = a;
  stats[2u * t + 1u] = b;
}

@group(0) @binding(12) var<uniform> O4: OptParams;
@group(0) @binding(13) var<storage, read> tensorsA: array<vec2<u32>>;
@group(0) @binding(14) var<storage, read> outA: array<f32>;
@group(0) @binding(15) var<storage, read> statsA: array<f32>;
@group(0) @binding(16) var<storage, read_write> w: array<f32>;

@compute @workgroup_size(256)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  if (k >= O4.P) { return; }
  var scale = 1.0;
  var inTensor = false;
  for (var t = 0u; t < O4.T; t++) {
    let r = tensorsA[t];
    if (k >= r.x && k < r.x + r.y) {
      inTensor = true;
      if (O4.opt == 2u) { scale = 1.0 / max(statsA[2u * t + 1u] / f32(r.y), CAUTIOUS_MIN_MEAN); }
    }
  }
  if (!inTensor) { return; } // layout padding stays zero
  let wk = w[k];
  w[k] = wk - O4.lr * O4.wd * wk - O4.lr * scale * outA[2u * O4.P + k] * outA[O4.P + k] * outA[k];
}
