/**
 * Always-visible state: step, steps/s, adapter, accuracies, gate-open fraction.
 * Values are plain numbers (accuracy as a fraction) so scripts can read them.
 */
import { useLab, type LaneView } from '../store';

const last = (l: LaneView | undefined) => l?.metrics[l.metrics.length - 1];
const frac = (v: number | undefined | null) => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(3));
/** MSE spans decades (1 at init, ~1e-6 at interpolation): three significant digits */
const sig = (v: number | undefined | null) => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toPrecision(3));

export function Readouts() {
  const lanes = useLab((s) => s.lanes);
  const backend = useLab((s) => s.backend);
  const adapter = useLab((s) => s.adapter);
  const kernels = useLab((s) => s.kernels);
  const ready = useLab((s) => s.ready);
  const a = lanes[0];
  const gated = lanes.find((l) => l.config.gate !== 'off');
  const gatedRow = last(gated);
  const multi = lanes.length > 1;
  return (
    <div className="readouts" aria-live="off">
      {/* data-snapshots / data-worker-playing: how often the worker answers (the "never stalls" contract, e2e/stall.spec.ts) */}
      <Readout label="step" testid="step-count" value={a ? String(a.step) : '0'} data={{ 'data-snapshots': a?.snapshots ?? 0, 'data-worker-playing': String(a?.workerPlaying ?? false) }} />
      <Readout label="steps/s" testid="steps-per-sec" value={a ? a.stepsPerSec.toFixed(a.stepsPerSec < 10 ? 1 : 0) : '0'} />
      {a?.batch && a.batch.count > 1 && (
        <Readout
          label="batch"
          testid="batch-position"
          value={`${a.batch.index + 1}/${a.batch.count} · epoch ${a.batch.epoch}`}
          title="the last minibatch's place in its epoch: each epoch is a fresh permutation of the training set cut into batches of b, the tail shorter than b dropped"
        />
      )}
      {lanes.map((l, i) => (
        <span className="readout-group" key={i}>
          {multi && <span className={`lane-tag lane${i}`}>{i === 0 ? 'gate off' : 'gate on'}</span>}
          {l.config.task === 'regress' ? (
            // regression has no accuracy: its readouts are the mean squared error per output
            <>
              <Readout label="train MSE" testid={i === 0 ? 'train-mse' : 'train-mse-b'} value={sig(last(l)?.trainMse)} />
              <Readout label="test MSE" testid={i === 0 ? 'test-mse' : 'test-mse-b'} value={sig(last(l)?.testMse)} />
            </>
          ) : (
            <>
              <Readout label="train acc" testid={i === 0 ? 'train-acc' : 'train-acc-b'} value={frac(last(l)?.trainAcc)} />
              <Readout label="test acc" testid={i === 0 ? 'test-acc' : 'test-acc-b'} value={frac(last(l)?.testAcc)} />
            </>
          )}
        </span>
      ))}
      {gated && <Readout label="gate open" testid="gate-open-fraction" value={frac(gatedRow?.gateOpen)} title="fraction of parameters the gate let through at the last evaluated step" />}
      <span className={`adapter ${backend ?? ''}`} title={backend === 'cpu' ? 'training on the CPU float64 reference (no WebGPU)' : 'the WebGPU adapter training this run'}>
        <span className="readout-label">{backend === 'cpu' ? 'CPU reference' : 'GPU'}</span>
        <span data-testid="adapter-name" data-backend={backend ?? ''}>
          {ready || backend ? adapter : 'starting…'}
        </span>
        {kernels && (
          <span
            className="kernel-variant"
            data-testid="kernel-variant"
            title="matmul kernel per product of the step, timed on this adapter at start-up (block4, block8: 4×4 or 8×8 register blocks, barrier-free; tiled: shared-memory vec4 tiles; kvec, outer4, bvec and their 8×8 twins kvec8, outer8, bvec8: vec4 loads, each for one form of product)"
          >
            {kernels}
          </span>
        )}
      </span>
    </div>
  );
}

function Readout({ label, value, testid, title, data }: { label: string; value: string; testid: string; title?: string; data?: Record<`data-${string}`, string | number> }) {
  return (
    <span className="readout" title={title}>
      <span className="readout-label">{label}</span>
      <span className="readout-value" data-testid={testid} {...data}>
        {value}
      </span>
    </span>
  );
}
