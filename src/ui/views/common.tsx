/** Pieces shared by the theory views: the waiting placeholder and the lane picker. */
import { send } from '../client';
import type { LaneSlice } from '../store';
import { useLab } from '../store';
import { Placeholder } from '../charts/Panel';

/** what a theory view shows before its first measurement */
export function WaitingForInstruments({ lane }: { lane: LaneSlice | undefined }) {
  const r = lane?.config.instrumentEvery ?? 0;
  const step = useLab((s) => s.lanes[0]?.step ?? 0);
  if (!lane) return <Placeholder>Starting the run…</Placeholder>;
  if (r <= 0) return <Placeholder>Theory instruments are off (instrumentEvery = 0). Set “instrumentEvery” (r) in the settings and press Reset to measure the kernel every r steps.</Placeholder>;
  return (
    <Placeholder>
      Waiting for the first measurement: the kernel is measured at step {r > 0 ? step - (step % r) : 0} once training moves, then every r = {r} steps, on a probe of {lane.config.probeTrain} train and{' '}
      {lane.config.probeTest} held-out points.
    </Placeholder>
  );
}

export function LanePicker() {
  const lanes = useLab((s) => s.lanes);
  const viewLane = useLab((s) => s.viewLane);
  if (lanes.length < 2) return null;
  const current = viewLane ?? lanes.length - 1;
  return (
    <select className="small" value={current} aria-label="which run these views show" onChange={(e) => useLab.setState({ viewLane: Number(e.target.value) })}>
      {lanes.map((l, i) => (
        <option key={i} value={i}>
          {l.info.label}
        </option>
      ))}
    </select>
  );
}

export const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/** what the instruments cost, how many cadences they missed, and whether training waits for them */
export function InstrumentCost({ lane }: { lane: LaneSlice | undefined }) {
  const exact = useLab((s) => s.exactPacing);
  const latest = lane?.frames[lane.frames.length - 1];
  if (!lane || lane.config.instrumentEvery <= 0) return null;
  return (
    <span className="cost">
      {latest && (
        <>
          measured at step {latest.step} · {latest.timeMs.toFixed(0)} ms per measurement (r = {lane.config.instrumentEvery})
        </>
      )}
      {lane.instrumentSkips > 0 && <> · {lane.instrumentSkips} skipped while busy</>}{' '}
      <label title="on: training pauses for every measurement, so each multiple of r is measured; off: training runs on and a measurement is skipped while the previous one computes">
        <input
          type="checkbox"
          checked={exact}
          onChange={(e) => {
            useLab.setState({ exactPacing: e.target.checked });
            send({ type: 'pacing', exact: e.target.checked });
          }}
        />{' '}
        training waits for instruments
      </label>
    </span>
  );
}
