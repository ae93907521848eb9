/** The error banner (bad URL values, a corrupt run file, training errors) and the "no WebGPU" panel. */
import { PRESETS } from '../../config/presets';
import { dismissErrors, loadPreset, restoreLowerLr } from '../actions';
import { dismissSavedRun, resumeSavedRun } from '../autosave';
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
      <strong>No WebGPU here, so this page trains on the CPU reference instead.</strong> Why: {gpuMissing.replace(/\.\s*$/, '')}.
      <br />
      To train on your GPU, use Chrome or Edge 113+, Safari 26+, or Firefox 141+ on Windows; on Linux, Chrome needs <code>chrome://flags/#enable-unsafe-webgpu</code>. The page must be served from
      https or localhost.{' '}
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

/** the metrics kernel flagged non-finite values: training is paused; one click restores with a lower lr */
export function DivergedBanner() {
  const d = useLab((s) => s.diverged);
  if (!d) return null;
  return (
    <div className="error-banner" data-testid="diverged" role="alert">
      <div>
        <strong>Training diverged at step {d.step}</strong>: the loss or the weights stopped being finite numbers (flagged on the GPU by the metrics kernel), so training was paused. The learning rate{' '}
        {d.lr} is likely too large.{' '}
        {d.checkpointStep !== null ? <>The last good checkpoint is at step {d.checkpointStep}.</> : <>No good checkpoint was kept yet: a restore starts again from step 0.</>}
      </div>
      <button className="small primary" data-testid="restore-lower-lr" onClick={restoreLowerLr}>
        Restore {d.checkpointStep !== null ? `step ${d.checkpointStep}` : 'from step 0'} with lr {+d.restoreLr.toPrecision(3)}
      </button>
    </div>
  );
}

/** a recovery from a checkpoint happened (divergence restore, or a lost GPU device): say what and where */
export function RecoveryNotice() {
  const r = useLab((s) => s.recovery);
  if (!r) return null;
  return (
    <div className="notice-banner" data-testid={r.reason === 'device-lost' ? 'device-recovered' : 'restored'} role="status">
      <span>
        {r.reason === 'device-lost' ? 'The GPU device was lost. ' : ''}
        {r.message}.
      </span>
      <button className="small" onClick={() => useLab.setState({ recovery: null })} aria-label="dismiss">
        ✕
      </button>
    </div>
  );
}

/** a run autosaved before the reload: resume it at the same step, or dismiss it */
export function ResumeOffer() {
  const o = useLab((s) => s.resumeOffer);
  if (!o) return null;
  return (
    <div className="notice-banner" data-testid="resume-offer" role="status">
      <span>
        A run saved at step {o.step} ({new Date(o.savedAt).toLocaleString()}) can be resumed where it stopped.
      </span>
      <button className="small primary" data-testid="resume-run" onClick={() => void resumeSavedRun()}>
        Resume
      </button>
      <button className="small" data-testid="dismiss-resume" onClick={dismissSavedRun}>
        Dismiss
      </button>
    </div>
  );
}
