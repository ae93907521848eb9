// metrics.wgsl — per-category sums of (loss, correct, count) over examples, written as one
// row of the GPU-side metrics history (read back later, asynchronously, in batches).
// Categories: 0 train (clean label), 1 train (flipped label), 2 held-out.
// Two stages without barriers or atomics: `partial` has LANES invocations, each summing a
// strided slice of the examples; `finish` (one invocation) adds the lanes and writes the row:
//   row[0] = step, row[1] = gate code in force at that step (0 = off),
//   row[2 + 3k + {0,1,2}] = (Σ loss, Σ correct, count) of category k (for the squared loss the
//   middle slot is Σ ‖u_i − y_i‖²/k, the loss kernel's second per-example value),
//   row[11] = divergence flag: how many per-example losses and weights are not finite;
//   the host copies the per-tensor mask sums after them (row[12…]).
// The flag rides in the row the host reads anyway, so divergence costs no extra sync.

const LANES: u32 = 64u;
const NCAT: u32 = 3u;
// per lane: 9 category sums, then the non-finite count
const PER_LANE: u32 = 10u;
const EXP_MASK: u32 = 0x7f800000u;

struct PartialParams {
  n: u32,
  nParams: u32, // weights to scan for non-finite values
  _pad0: u32,
  _pad1: u32,
}

struct MetricsParams {
  n: u32,
  rowOffset: u32, // float offset of this evaluation's row in `history`
  step: u32,
  gate: u32,
}

@group(0) @binding(0) var<uniform> M0: PartialParams;
@group(0) @binding(1) var<storage, read> perEx: array<f32>;
@group(0) @binding(2) var<storage, read> category: array<u32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(7) var<storage, read> weights: array<f32>;

// Inf and NaN are the values whose exponent bits are all ones. WGSL lets a compiler assume
// floats are finite, so `x != x` may be folded away; the bit test cannot be.
fn nonFinite(x: f32) -> f32 {
  return select(0.0, 1.0, (bitcast<u32>(x) & EXP_MASK) == EXP_MASK);
}

@compute @workgroup_size(64)
fn partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let lane = gid.x;
  if (lane >= LANES) { return; }
  var acc: array<f32, 9>;
  for (var k = 0u; k < 9u; k++) { acc[k] = 0.0; }
  var bad = 0.0;
  for (var i = lane; i < M0.n; i += LANES) {
    let c = category[i];
    let loss = perEx[2u * i];
    acc[3u * c] += loss;
    acc[3u * c + 1u] += perEx[2u * i + 1u];
    acc[3u * c + 2u] += 1.0;
    bad += nonFinite(loss);
  }
  for (var i = lane; i < M0.nParams; i += LANES) { bad += nonFinite(weights[i]); }
  for (var k = 0u; k < 9u; k++) { partials[lane * PER_LANE + k] = acc[k]; }
  partials[lane * PER_LANE + 9u] = bad;
}

@group(0) @binding(4) var<uniform> M1: MetricsParams;
@group(0) @binding(5) var<storage, read> partialsIn: array<f32>;
@group(0) @binding(6) var<storage, read_write> history: array<f32>;

@compute @workgroup_size(1)
fn finish() {
  history[M1.rowOffset] = f32(M1.step);
  history[M1.rowOffset + 1u] = f32(M1.gate);
  for (var k = 0u; k < PER_LANE; k++) {
    var s = 0.0;
    for (var lane = 0u; lane < LANES; lane++) { s += partialsIn[lane * PER_LANE + k]; }
    history[M1.rowOffset + 2u + k] = s;
  }
}
