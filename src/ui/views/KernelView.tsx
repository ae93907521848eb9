/**
 * Instrument 1 (THEORY.md): the probe kernel's eigenstructure over time — the
 * spectrum, the rotation of its eigenbasis, distance and alignment, and the
 * deformed surface K_c(t) − K_c(0).
 */
import { useMemo, useState } from 'react';
import { Heatmap } from '../charts/Heatmap';
import { LineChart, type Series } from '../charts/LineChart';
import { Panel } from '../charts/Panel';
import { Surface3D } from '../charts/Surface3D';
import { magnitudeColor, OKABE_ITO, seriesColor } from '../charts/theme';
import { thin } from '../grok';
import { useLab, useViewLane } from '../store';
import { InstrumentCost, LanePicker, WaitingForInstruments } from './common';
import type { InstrumentFrame } from '../../worker/instrumentFrame';

const SPECTRUM_LINES = 8;
const DEG = 180 / Math.PI;

/** which kernel's spectrum: the eNTK K, the effective kernel K̃ = J D Q Jᵀ, or the centred, normalised K_c */
const SPECTRA = {
  K: { field: 'spectrumK', label: 'eNTK K', axis: 'eigenvalue of K (log)' },
  Keff: { field: 'spectrumKeff', label: 'effective K̃', axis: 'eigenvalue of K̃ (log)' },
  Kc: { field: 'spectrumKc', label: 'centred K_c', axis: 'eigenvalue of K_c (log)' },
} as const;
type SpectrumKey = keyof typeof SPECTRA;

/** one empty list for every render before the first measurement (a fresh [] would re-run the memos) */
const NO_FRAMES: readonly InstrumentFrame[] = [];

export function KernelView({ compact = false }: { compact?: boolean }) {
  const lane = useViewLane();
  const logStep = useLab((s) => s.logStep);
  const [which, setWhich] = useState<SpectrumKey>('K');
  const frames = lane?.frames ?? NO_FRAMES;
  const latest = frames[frames.length - 1];

  const { spectrum, rotation, rotationDomain } = useMemo(() => {
    const fs = thin(frames, 600);
    const field = SPECTRA[which].field;
    const k = Math.min(SPECTRUM_LINES, fs[0]?.[field].length ?? 0);
    const spectrum: Series[] = Array.from({ length: k }, (_, i) => ({
      id: `l${i}`,
      label: `λ${i + 1}`,
      color: seriesColor(i, k),
      points: fs.map((f) => [f.step, f[field][i]] as [number, number]),
    }));
    const rotation: Series[] = [
      { id: 'dist', label: 'kernel distance', color: OKABE_ITO.vermillion, points: fs.map((f) => [f.step, f.kernelDistance]) },
      { id: 'align', label: 'kernel–target alignment', color: OKABE_ITO.blue, points: fs.map((f) => [f.step, f.alignment]) },
    ];
    if (fs.some((f) => f.fidelity !== null))
      rotation.push({ id: 'fid', label: 'fidelity cos(Δu, −ηK̃g)', color: OKABE_ITO.green, dash: '4 3', points: fs.map((f) => [f.step, f.fidelity ?? NaN]) });
    const low = Math.min(0, ...fs.map((f) => f.fidelity ?? 0));
    return { spectrum, rotation, rotationDomain: [low < 0 ? -1 : 0, 1] as [number, number] };
  }, [frames, which]);

  const xLabel = 'training step';
  const surface = latest && latest.heightField.length > 0 && (
    <Panel
      title="Deformed kernel surface"
      caption="How the kernel moved since init, probe pairs sorted by label: blocks rising on the diagonal = the kernel learning the classes."
      formula="height(i, j) = K_c(t)_ij − K_c(0)_ij, with K_c = HKH / ‖HKH‖_F, H = I − 11ᵀ/m, probe points ordered by label"
      className="surface-panel"
    >
      <Surface3D m={latest.heightSize} data={latest.heightField} />
    </Panel>
  );

  return (
    <section className="view kernel-view" data-testid="kernel-view" aria-label="kernel view">
      <h2>
        Kernel: the rotating eigenstructure <LanePicker />
        <InstrumentCost lane={lane} />
      </h2>
      {!latest ? (
        <WaitingForInstruments lane={lane} />
      ) : compact ? (
        <div className="view-grid one">{surface}</div>
      ) : (
        <div className="view-grid">
          <Panel
            title="Kernel spectrum"
            caption="Top eigenvalues of the probe kernel over time: growth of a few = the kernel specialising; crossings = modes trading places."
            formula={`top-${SPECTRUM_LINES} λ_i of K = J Jᵀ, K̃ = J D Q Jᵀ (D: optimizer preconditioner, Q: gate mask) or K_c = HKH/‖HKH‖_F, on the probe (${latest.view} view)`}
            tools={
              <select className="small" value={which} onChange={(e) => setWhich(e.target.value as SpectrumKey)} title="which kernel">
                {(Object.keys(SPECTRA) as SpectrumKey[]).map((key) => (
                  <option key={key} value={key}>
                    {SPECTRA[key].label}
                  </option>
                ))}
              </select>
            }
          >
            <LineChart series={spectrum} xLabel={xLabel} yLabel={SPECTRA[which].axis} yLog xLog={logStep} legend={false} />
          </Panel>
          <Panel
            title="Eigenbasis rotation"
            caption={`A bright diagonal = same eigenvectors as at init; as it fades the kernel rotates. Largest principal angle: ${latest.principalAngles.length ? (Math.max(...latest.principalAngles) * DEG).toFixed(0) : '—'}°.`}
            formula="O_t = |V₀ᵀ V_t| (top-k eigenvectors of K_c at init and now); principal angles θ_i = arccos σ_i(V₀ᵀ V_t)"
          >
            {latest.overlap.length > 0 && (
              <Heatmap
                rows={latest.k}
                cols={latest.k}
                data={latest.overlap}
                color={magnitudeColor}
                domain={[0, 1]}
                rowLabel="init eigvec i"
                colLabel="current eigvec j"
                square
              />
            )}
          </Panel>
          <Panel
            title="Distance and alignment"
            caption="Distance: how far the kernel has moved from init. Alignment: how much its top directions point at the labels."
            formula="distance = 1 − ⟨K₀, K_t⟩_F / (‖K₀‖‖K_t‖);  A(t) = yᵀ K_c y / (‖K_c‖_F ‖y‖²), y = centred one-hot labels"
          >
            <LineChart series={rotation} xLabel={xLabel} yLabel="value (0–1; fidelity −1…1)" yDomain={rotationDomain} xLog={logStep} />
          </Panel>
          {surface}
        </div>
      )}
    </section>
  );
}
