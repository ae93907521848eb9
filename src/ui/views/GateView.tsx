/**
 * The gate (THEORY.md "The gate"): the share of parameters it lets through, over
 * time and per tensor, and the per-parameter mask as an image.
 */
import { useMemo, useState } from 'react';
import { SnrHistogramChart } from '../charts/SnrHistogramChart';
import { Heatmap } from '../charts/Heatmap';
import { LineChart, type Series } from '../charts/LineChart';
import { Panel, Placeholder } from '../charts/Panel';
import { magnitudeColor, OKABE_ITO, seriesColor } from '../charts/theme';
import { thin } from '../grok';
import { useLab, useViewLane } from '../store';
import { LanePicker } from './common';

/** compact (story screen): the fraction open and the SNR histogram, without the mask map */
export function GateView({ compact = false }: { compact?: boolean }) {
  const lane = useViewLane();
  const logStep = useLab((s) => s.logStep);
  const [tensor, setTensor] = useState('embed');
  const metrics = lane?.metrics;
  const tensors = lane?.info.tensors;

  const series = useMemo(() => {
    const rows = thin((metrics ?? []).filter((r) => r.gateOpen !== null));
    if (rows.length === 0 || !tensors) return [];
    const s: Series[] = tensors.map((name, i) => ({
      id: name,
      label: name,
      color: seriesColor(i, tensors.length),
      width: 1.5,
      points: rows.map((r) => [r.step, r.gateOpenByTensor?.[i] ?? NaN] as [number, number]),
    }));
    s.push({ id: 'all', label: 'all parameters', color: OKABE_ITO.vermillion, width: 3, dash: '6 3', points: rows.map((r) => [r.step, r.gateOpen ?? NaN]) });
    return s;
  }, [metrics, tensors]);

  const mask = lane?.masks?.find((m) => m.tensor === tensor) ?? lane?.masks?.[0];
  const gateOn = lane ? lane.config.gate !== 'off' : false;
  return (
    <section className="view gate-view" aria-label="gate view">
      <h2>
        The gate: which parameters move <LanePicker />
        <span className="cost">{lane ? `gate = ${lane.config.gate}` : ''}</span>
      </h2>
      {series.length === 0 && !gateOn ? (
        <Placeholder>The gate is off. Press G (or the Gate button) to switch it on mid-run and watch which parameters it lets through.</Placeholder>
      ) : (
        <div className="view-grid two">
          <Panel
            title="Fraction open"
            caption="Share of each tensor's parameters the gate lets update (soft masks: mean mask value)."
            formula="open = mean_k q_k,  exact-hard: q_k = 1[μ_k² > σ_k²/(b−1)];  soft: q_k = μ_k² / (μ_k² + λσ_k²/(b−1))"
            tex={String.raw`\text{open} = \frac{1}{P}\sum_k q_k,\qquad q_k = \mathbf{1}\!\left[\mu_k^2 > \frac{\sigma_k^2}{b-1}\right] \;\text{(hard)}\quad\text{or}\quad q_k = \frac{\mu_k^2}{\mu_k^2 + \lambda\,\sigma_k^2/(b-1)} \;\text{(soft)}`}
          >
            <LineChart series={series} xLabel="training step" yLabel="fraction open" yDomain={[0, 1]} xLog={logStep} />
          </Panel>
          {!compact && (
            <Panel
              title="Mask map"
              caption="Each pixel one parameter: bright = updated this step, dark = held. Rows of the embedding are tokens 0…p−1."
              formula="q_k of the last step, laid out as the tensor (embed: p × d; weights: out × in)"
              tex={String.raw`q_k \in [0, 1]\ \text{per parameter: } E \in \mathbb{R}^{p\times d},\ W \in \mathbb{R}^{\text{out}\times\text{in}}`}
              tools={
                lane?.masks && (
                  <select className="small" value={mask?.tensor} onChange={(e) => setTensor(e.target.value)} aria-label="which tensor's mask">
                    {lane.masks.map((m) => (
                      <option key={m.tensor}>{m.tensor}</option>
                    ))}
                  </select>
                )
              }
            >
              {mask ? (
                <Heatmap
                  rows={mask.rows}
                  cols={mask.cols}
                  data={mask.data}
                  color={magnitudeColor}
                  domain={[0, 1]}
                  rowLabel={mask.tensor === 'embed' ? 'token' : 'output'}
                  colLabel={mask.tensor === 'embed' ? 'embedding dim' : 'input'}
                  lowLabel="held 0"
                  highLabel="open 1"
                />
              ) : (
                <Placeholder>reading the mask…</Placeholder>
              )}
            </Panel>
          )}
          {lane?.snr && (
            <Panel
              title="Signal-to-noise per parameter"
              caption="The exact gate compares each parameter's mean gradient with its own leave-one-out noise; right of the line it updates."
              formula="SNR_k = μ_k² / (σ_k²/(b−1)),  μ = (1/b)Σ_i g_ik,  σ² = (1/b)Σ_i (g_ik − μ)²;  exact-hard opens iff SNR_k > 1"
              tex={String.raw`\mathrm{SNR}_k = \frac{\mu_k^2}{\sigma_k^2/(b-1)},\qquad \mu_k = \frac{1}{b}\sum_i g_{ik},\qquad \sigma_k^2 = \frac{1}{b}\sum_i (g_{ik}-\mu_k)^2`}
            >
              <SnrHistogramChart hist={lane.snr} />
            </Panel>
          )}
        </div>
      )}
    </section>
  );
}
