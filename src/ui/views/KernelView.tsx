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
import { aggregateByClass, orderedOverlap } from '../../theory/rotationTracking';
import type { RunConfig } from '../../config/settings';
import { InstrumentCost, LanePicker, WaitingForInstruments } from './common';
import type { InstrumentFrame } from '../../worker/instrumentFrame';

const SPECTRUM_LINES = 8;
const DEG = 180 / Math.PI;

/** which kernel's spectrum: the eNTK K, the effective kernel K̃ = J D Q Jᵀ, or the centred, normalised K_c (by rank, or by mode) */
const SPECTRA = {
  K: { field: 'spectrumK', label: 'eNTK K', axis: 'eigenvalue of K (log)' },
  Keff: { field: 'spectrumKeff', label: 'effective K̃', axis: 'eigenvalue of K̃ (log)' },
  Kc: { field: 'spectrumKc', label: 'centred K_c', axis: 'eigenvalue of K_c (log)' },
  modes: { field: 'spectrumKc', label: 'K_c, modes followed', axis: 'eigenvalue of K_c (log)' },
} as const;
type SpectrumKey = keyof typeof SPECTRA;

/**
 * The fidelity cos(Δu, −ηK̃g) tests the first-order kernel step, which is the
 * actual step only without momentum: plain gradient descent, or Adam-type
 * optimizers with β₁ = 0. With momentum the step follows the momentum buffer, not
 * g, so the cosine would measure the buffer's lag rather than the kernel.
 */
export function fidelityMeaningful(c: Pick<RunConfig, 'opt' | 'momentum' | 'betas'>): boolean {
  if (c.opt === 'sgd') return c.momentum === 0;
  if (c.opt === 'adamw' || c.opt === 'cautious') return c.betas[0] === 0;
  return false;
}

/** one empty list for every render before the first measurement (a fresh [] would re-run the memos) */
const NO_FRAMES: readonly InstrumentFrame[] = [];

export function KernelView({ compact = false }: { compact?: boolean }) {
  const lane = useViewLane();
  const logStep = useLab((s) => s.logStep);
  const [which, setWhich] = useState<SpectrumKey>('modes');
  const [byClass, setByClass] = useState(true);
  const frames = lane?.frames ?? NO_FRAMES;
  const latest = frames[frames.length - 1];
  const showFidelity = lane ? fidelityMeaningful(lane.config) : false;

  const { spectrum, rotation, rotationDomain, angles } = useMemo(() => {
    const fs = thin(frames, 600);
    const field = SPECTRA[which].field;
    const k = Math.min(SPECTRUM_LINES, fs[0]?.[field].length ?? 0);
    const tracked = which === 'modes' && fs.some((f) => f.modes);
    // by rank: line i is the i-th largest; by mode: line i follows the eigenvector that started as the i-th (ids from laneExtras)
    const valueOf = (f: (typeof fs)[number], i: number) => {
      if (!tracked) return f[field][i];
      const j = f.modes?.ids.indexOf(i) ?? -1;
      return j >= 0 ? f[field][j] : NaN;
    };
    const spectrum: Series[] = Array.from({ length: k }, (_, i) => ({
      id: `l${i}`,
      label: tracked ? `mode ${i + 1}` : `λ${i + 1}`,
      color: seriesColor(i, k),
      points: fs.map((f) => [f.step, valueOf(f, i)] as [number, number]),
    }));
    const rotation: Series[] = [
      { id: 'dist', label: 'kernel distance', color: OKABE_ITO.vermillion, points: fs.map((f) => [f.step, f.kernelDistance]) },
      { id: 'align', label: 'kernel–target alignment', color: OKABE_ITO.blue, points: fs.map((f) => [f.step, f.alignment]) },
    ];
    if (showFidelity && fs.some((f) => f.fidelity !== null))
      rotation.push({ id: 'fid', label: 'fidelity cos(Δu, −ηK̃g)', color: OKABE_ITO.green, dash: '4 3', points: fs.map((f) => [f.step, f.fidelity ?? NaN]) });
    const low = showFidelity ? Math.min(0, ...fs.map((f) => f.fidelity ?? 0)) : 0;
    // principal angles between span V₀ and span V_t, ascending: the smallest, the middle and the largest
    const kk = fs[0]?.principalAngles.length ?? 0;
    const picks = kk > 0 ? [...new Set([0, Math.floor((kk - 1) / 2), kk - 1])] : [];
    const angles: Series[] = picks.map((a, n) => ({
      id: `theta${a}`,
      label: a === 0 ? 'θ₁ (smallest)' : a === kk - 1 ? `θ${kk} (largest)` : `θ${a + 1} (middle)`,
      color: seriesColor(n, picks.length),
      points: fs.map((f) => [f.step, (f.principalAngles[a] ?? NaN) * DEG] as [number, number]),
    }));
    return { spectrum, rotation, rotationDomain: [low < 0 ? -1 : 0, 1] as [number, number], angles };
  }, [frames, which, showFidelity]);

  const ordered = useMemo(() => (latest && latest.overlap.length > 0 ? orderedOverlap(latest.overlap, latest.k) : null), [latest]);
  const matchedMean = ordered && latest ? ordered.data.filter((_, i) => i % (latest.k + 1) === 0).reduce((a, b) => a + b, 0) / latest.k : null;
  const classSurface = useMemo(() => (latest && latest.heightField.length > 0 ? aggregateByClass(latest.heightField, latest.probeLabels) : null), [latest]);

  const xLabel = 'training step';
  const surfaceData = byClass && classSurface ? { m: classSurface.classes.length, data: classSurface.data } : latest ? { m: latest.heightSize, data: latest.heightField } : null;
  const surfaceRange = surfaceData ? surfaceData.data.reduce((a, v) => Math.max(a, Math.abs(v)), 0) : 0;
  const surface = latest && latest.heightField.length > 0 && surfaceData && (
    <Panel
      title="Deformed kernel surface"
      caption={`How the kernel moved since init${byClass ? `, averaged over the probe pairs of each pair of classes (${surfaceData.m} classes on the probe)` : ', probe pairs sorted by label'}: blocks rising on the diagonal = the kernel learning the classes. Height scale: max |ΔK_c| = ${surfaceRange.toPrecision(2)} (K_c has unit Frobenius norm).`}
      tools={
        <label className="small-toggle">
          <input type="checkbox" checked={byClass} onChange={(e) => setByClass(e.target.checked)} /> by class
        </label>
      }
      formula="height(i, j) = K_c(t)_ij − K_c(0)_ij, with K_c = HKH / ‖HKH‖_F, H = I − 11ᵀ/m, probe points ordered by label"
      tex={String.raw`h_{ij}(t) = K_c(t)_{ij} - K_c(0)_{ij},\qquad K_c = \frac{HKH}{\lVert HKH\rVert_F},\quad H = I - \tfrac{1}{m}\mathbf{1}\mathbf{1}^{\top}`}
      className="surface-panel"
    >
      <Surface3D m={surfaceData.m} data={surfaceData.data} />
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
            tex={String.raw`K = JJ^{\top},\qquad \tilde K = J D Q J^{\top},\qquad K_c = \frac{HKH}{\lVert HKH\rVert_F}`}
            tools={
              <select className="small" value={which} onChange={(e) => setWhich(e.target.value as SpectrumKey)} aria-label="which kernel's spectrum">
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
            caption={`Columns reordered so each initial eigenvector faces the current one it overlaps most: the diagonal is how much of each initial mode survives (mean ${matchedMean === null ? '—' : matchedMean.toFixed(2)}); as it fades the kernel rotates.`}
            formula="O_t = |V₀ᵀ V_t| (top-k eigenvectors of K_c at init and now); principal angles θ_i = arccos σ_i(V₀ᵀ V_t)"
            tex={String.raw`O_t = \lvert V_0^{\top} V_t\rvert,\qquad \theta_i = \arccos \sigma_i\!\left(V_0^{\top} V_t\right)`}
          >
            {ordered && <Heatmap rows={latest.k} cols={latest.k} data={ordered.data} color={magnitudeColor} domain={[0, 1]} rowLabel="init eigvec i" colLabel="matched current eigvec" square />}
          </Panel>
          <Panel
            title="Distance and alignment"
            caption={`Distance: how far the kernel has moved from init. Alignment: how much its top directions point at the labels.${showFidelity ? ' Fidelity: cosine between the actual one-step change of the probe outputs and the kernel step −ηK̃g (1 = the step is the kernel step).' : ' The one-step fidelity is hidden: with momentum the step follows the momentum buffer, not −ηK̃g, so the cosine would not test the kernel (shown for gradient descent or β₁ = 0).'}`}
            formula="distance = 1 − ⟨K₀, K_t⟩_F / (‖K₀‖‖K_t‖);  A(t) = yᵀ K_c y / (‖K_c‖_F ‖y‖²), y = centred one-hot labels"
            tex={String.raw`d(t) = 1 - \frac{\langle K_0, K_t\rangle_F}{\lVert K_0\rVert_F \lVert K_t\rVert_F},\qquad A(t) = \frac{y^{\top} K_c\, y}{\lVert K_c\rVert_F \lVert y\rVert^2}`}
          >
            <LineChart series={rotation} xLabel={xLabel} yLabel="value (0–1; fidelity −1…1)" yDomain={rotationDomain} xLog={logStep} />
          </Panel>
          <Panel
            title="Principal angles"
            caption="Angles between the span of the top-k eigenvectors at init and now: 0° = the same subspace, 90° = a direction that was not there at init."
            formula="θ_i = arccos σ_i(V₀ᵀ V_t), ascending"
            tex={String.raw`\theta_i = \arccos \sigma_i\!\left(V_0^{\top} V_t\right),\qquad \theta_1 \le \dots \le \theta_k`}
          >
            <LineChart series={angles} xLabel={xLabel} yLabel="angle (degrees)" yDomain={[0, 90]} xLog={logStep} />
          </Panel>
          {surface}
        </div>
      )}
    </section>
  );
}
