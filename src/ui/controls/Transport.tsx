/** Play / pause / step / reset, speed, the gate toggle, presets, compare, presenter mode, export / import. */
import { PRESETS } from '../../config/presets';
import { GATES, type GateVariant } from '../../config/settings';
import { changeSetting, exportRun, importRunFile, loadPreset, pause, play, reset, setCompare, setSpeed, SPEEDS, stepOnce, toggleGate } from '../actions';
import { downloadText, metricsCsv } from '../download';
import { useLab } from '../store';

export function Transport() {
  const playing = useLab((s) => s.playing);
  const stepsPerFrame = useLab((s) => s.stepsPerFrame);
  const ready = useLab((s) => s.ready);
  return (
    <div className="transport" role="toolbar" aria-label="training controls">
      {playing ? (
        <button data-testid="pause" className="primary" onClick={pause} title="pause (Space)">
          ❚❚ Pause
        </button>
      ) : (
        <button data-testid="play" className="primary" onClick={play} title="play (Space)" disabled={!ready}>
          ▶ Play
        </button>
      )}
      <button data-testid="step" onClick={stepOnce} title={`take ${stepsPerFrame} steps (S)`} disabled={!ready}>
        Step +{stepsPerFrame}
      </button>
      <button data-testid="reset" onClick={reset} title="back to step 0 with the current settings (R)">
        ↺ Reset
      </button>
      <label className="inline" title="training steps per animation frame">
        speed
        <select value={stepsPerFrame} onChange={(e) => setSpeed(Number(e.target.value))} data-testid="speed">
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s} steps/frame
            </option>
          ))}
        </select>
      </label>
      <GateToggle />
    </div>
  );
}

export function GateToggle() {
  const gate = useLab((s) => s.setup.gate);
  const variant = useLab((s) => s.gateVariant);
  const on = gate !== 'off';
  return (
    <span className="gate-group">
      <button data-testid="gate-toggle" className={`gate-toggle ${on ? 'on' : ''}`} aria-pressed={on} onClick={toggleGate} title={`toggle the gate between off and ${variant} without resetting (G)`}>
        Gate: {on ? 'on' : 'off'}
      </button>
      <select
        className="gate-variant"
        aria-label="gate variant"
        value={variant}
        title="the gate variant G switches on (applies at once while the gate is on)"
        onChange={(e) => {
          const v = e.target.value as Exclude<GateVariant, 'off'>;
          useLab.setState({ gateVariant: v });
          if (on) changeSetting('gate', v);
        }}
      >
        {GATES.filter((g) => g !== 'off').map((g) => (
          <option key={g}>{g}</option>
        ))}
      </select>
    </span>
  );
}

export function PresetBar() {
  const preset = useLab((s) => s.preset);
  const compare = useLab((s) => s.compare);
  return (
    <div className="presets" role="group" aria-label="presets">
      {PRESETS.map((p) => (
        <a
          key={p.name}
          href={`?preset=${p.name}`}
          className={`preset ${preset === p.name ? 'active' : ''}`}
          title={p.blurb}
          onClick={(e) => {
            e.preventDefault();
            loadPreset(p.name);
          }}
        >
          {p.title}
        </a>
      ))}
      <label className="inline" title="two runs from the same seed and data, gate off vs on, racing">
        <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.target.checked)} data-testid="compare-toggle" /> compare gate off / on
      </label>
    </div>
  );
}

export function ExportBar() {
  const lanes = useLab((s) => s.lanes);
  const presenter = useLab((s) => s.presenter);
  const csv = () => downloadText(metricsCsv(lanes.map((l) => ({ label: l.info.label, metrics: l.metrics, tensors: l.info.tensors }))), 'grokscope-metrics.csv', 'text/csv');
  return (
    <div className="exports" role="group" aria-label="export and import">
      <button onClick={csv} title="metrics of every evaluation as CSV">
        CSV
      </button>
      <button data-testid="export-run" onClick={exportRun} title="run file: setup, seed, metrics, weights, optimizer state (JSON)">
        Export run
      </button>
      <label className="button-like" title="load a run file and resume it">
        Import run
        <input
          data-testid="import-run"
          type="file"
          accept=".json,application/json"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void importRunFile(f);
            e.target.value = '';
          }}
        />
      </label>
      <button onClick={() => useLab.setState({ presenter: !presenter })} title="large type, high contrast, fewer panels (F)" data-testid="presenter-toggle">
        {presenter ? 'Exit presenter' : 'Presenter'}
      </button>
    </div>
  );
}
