// metrics.wgsl — per-category sums of (loss, correct, count) over examples, written as one
// row of the GPU-side metrics history (read back later, asynchronously, in batches).
// Categories: 0 train (clean label), 1 train (flipped label), 2 held-out.
// Two stages without barriers or atomics: `partial` has LANES invocations, each summing a
// strided slice of the examples; `finish` (one invocation) adds the lanes and writes the row:
//   row[0] = step, row[1] = gate code in force at that step (0 = off),
//   row[2 + 3k + {0,1,2}] = (Σ loss, Σ correct, count) of category k (for the squared loss the
//   middle slot is Σ ‖u_i − y_i‖²/k, the loss kernel's second per-example value);
//   the host copies the per-tensor mask sums after them (row[11…]).

const LANES: u32 = 64u;
const NCAT: u32 = 3u;

struct MetricsParams {
  n: u32,
  rowOffset: u32, // float offset of this evaluation's row in `history`
  step: u32,
  gate: u32,
}

@group(0) @binding(0) var<uniform> M0: MetricsParams;
@group(0) @binding(1) var<storage, read> perEx: array<f32>;
@group(0) @binding(2) var<storage, read> category: array<u32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

@compute @workgroup_size(64)
fn partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let lane = gid.x;
  if (lane >= LANES) { return; }
  var acc: array<f32, 9>;
  for (var k = 0u; k < 9u; k++) { acc[k] = 0.0; }
  for (var i = lane; i < M0.n; i += LANES) {
    let c = category[i];
    acc[3u * c] += perEx[2u * i];
    acc[3u * c + 1u] += perEx[2u * i + 1u];
    acc[3u * c + 2u] += 1.0;
  }
  for (var k = 0u; k < 9u; k++) { partials[lane * 9u + k] = acc[k]; }
}

@group(0) @binding(4) var<uniform> M1: MetricsParams;
@group(0) @binding(5) var<storage, read> partialsIn: array<f32>;
@group(0) @binding(6) var<storage, read_write> history: array<f32>;

@compute @workgroup_size(1)
fn finish() {
  history[M1.rowOffset] = f32(M1.step);
  history[M1.rowOffset + 1u] = f32(M1.gate);
  for (var k = 0u; k < 3u * NCAT; k++) {
    var s = 0.0;
    for (var lane = 0u; lane < LANES; lane++) { s += partialsIn[lane * 9u + k]; }
    history[M1.rowOffset + 2u + k] = s;
  }
}
