// loss.wgsl — softmax cross-entropy, forward and output gradient, one invocation per row.
//   loss_i    = logsumexp(z_i) − z_{i, y_i}
//   correct_i = [argmax_c z_ic = y_i]  (the first maximal index wins ties)
//   g_i       = scale · (softmax(z_i) − onehot(y_i))   (scale = 1/b: g = ∇_u Φ for the mean loss)
// Layout: Z is rows × p logits; with flags & 1 the gradient overwrites Z in place.
// perEx holds (loss_i, correct_i) pairs for the metric reductions.

struct LossParams {
  rows: u32,
  p: u32,
  flags: u32, // 1 = write the gradient into Z
  scale: f32,
}

@group(0) @binding(0) var<uniform> L: LossParams;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> Z: array<f32>;
@group(0) @binding(3) var<storage, read_write> perEx: array<f32>;

@compute @workgroup_size(64)
fn softmax_ce(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= L.rows) { return; }
  let o = i * L.p;
  var mx = Z[o];
  var arg = 0u;
  for (var c = 1u; c < L.p; c++) {
    let z = Z[o + c];
    if (z > mx) { mx = z; arg = c; }
  }
  var se = 0.0;
  for (var c = 0u; c < L.p; c++) { se += exp(Z[o + c] - mx); }
  let lse = mx + log(se);
  let y = labels[i];
  perEx[2u * i] = lse - Z[o + y];
  perEx[2u * i + 1u] = select(0.0, 1.0, arg == y);
  if ((L.flags & 1u) != 0u) {
    for (var c = 0u; c < L.p; c++) {
      let sm = exp(Z[o + c] - lse);
      Z[o + c] = L.scale * (sm - select(0.0, 1.0, c == y));
    }
  }
}

// Squared loss (task=regress), forward and output gradient, one invocation per row:
//   loss_i = ½‖u_i − y_i‖²,  sqerr_i = ‖u_i − y_i‖²/k   (k = p outputs per row)
//   g_i    = scale · (u_i − y_i)   (scale = 1/b: g = ∇_u Φ for Φ = (1/(2b)) Σ_i ‖u_i − y_i‖², B = I/b)
// perEx holds (loss_i, sqerr_i): the metric reductions turn the second slot into the mean
// squared error per output, where the cross-entropy kernel writes correct_i.
// Bindings 4–7 so this entry point never shares a binding number with softmax_ce.

@group(0) @binding(4) var<uniform> S: LossParams;
@group(0) @binding(5) var<storage, read> targets: array<f32>;
@group(0) @binding(6) var<storage, read_write> U: array<f32>;
@group(0) @binding(7) var<storage, read_write> perExSq: array<f32>;

@compute @workgroup_size(64)
fn squared(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= S.rows) { return; }
  let o = i * S.p;
  var ss = 0.0;
  for (var c = 0u; c < S.p; c++) {
    let r = U[o + c] - targets[o + c];
    ss += r * r;
    if ((S.flags & 1u) != 0u) { U[o + c] = S.scale * r; }
  }
  perExSq[2u * i] = 0.5 * ss;
  perExSq[2u * i + 1u] = ss / f32(S.p);
}
