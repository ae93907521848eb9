/** The error banner (bad URL values, a corrupt run file, training errors) and the "no WebGPU" panel. */
import { PRESETS } from '../../config/presets';
import { dismissErrors, loadPreset } from '../actions';
import { useLab } from '../store';

export function ErrorBanner() {
  const urlErrors = useLab((s) => s.urlErrors);
  const runErrors = useLab((s) => s.runErrors);
  if (urlErrors.length === 0 && runErrors.length === 0) return null;
  return (
    <div className="error-banner" data-testid="error-banner" role="alert">
      <div>
        {urlErrors.length > 0 && (
          <>
            <strong>Some values in the link could not be used; defaults were used instead:</strong>
            <ul>
              {urlErrors.map((e, i) => (
                <li key={i} data-key={e.key}>
                  <code>{e.key}</code>: {e.message}
                </li>
              ))}
            </ul>
          </>
        )}
        {runErrors.length > 0 && (
          <ul>
            {runErrors.map((e) => (
              <li key={e.id}>{e.message}</li>
            ))}
          </ul>
        )}
      </div>
      <button className="small" onClick={dismissErrors} aria-label="dismiss">
        ✕
      </button>
    </div>
  );
}

export function NoWebGpuPanel() {
  const gpuMissing = useLab((s) => s.gpuMissing);
  const preset = useLab((s) => s.preset);
  const presenter = useLab((s) => s.presenter);
  if (!gpuMissing || presenter) return null;
  const tiny = PRESETS[0];
  return (
    <div className="no-webgpu" data-testid="no-webgpu" role="note">
      <strong>No WebGPU here, so this page trains on the CPU reference instead.</strong> Why: {gpuMissing.replace(/\.\s*$/, "")}.
      <br />
      To train on your GPU, use Chrome or Edge 113+, Safari 26+, or Firefox 141+ on Windows; on Linux, Chrome needs <code>chrome://flags/#enable-unsafe-webgpu</code>. The page must
      be served from https or localhost.{' '}
      {preset !== tiny.name ? (
        <>
          The CPU path is slow beyond small models:{' '}
          <a
            href={`?preset=${tiny.name}`}
            onClick={(e) => {
              e.preventDefault();
              loadPreset(tiny.name);
            }}
          >
            switch to the {tiny.title} preset
          </a>
          .
        </>
      ) : (
        <>The {tiny.title} preset trains here in seconds.</>
      )}
    </div>
  );
}
