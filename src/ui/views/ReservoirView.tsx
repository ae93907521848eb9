/**
 * Instrument 2 (THEORY.md): the dissipation Gramian W, the signal channel (the
 * directions training has dissipated, a scale-free μ_j ≥ 1 − e⁻²) and the reservoir,
 * the share of each vector's energy dissipated over the whole training set, the
 * ker W ⊆ ker G_Q consistency check beside its Cauchy–Schwarz bound, and the
 * whole-held-out-set prediction −G_Q g(s) with its error.
 */
import { useMemo } from 'react';
import { Scatter, SpectrumBars, SplitBars, type SplitRow } from '../charts/Bars';
import { LineChart, type Series } from '../charts/LineChart';
import { Panel, Placeholder } from '../charts/Panel';
import { OKABE_ITO } from '../charts/theme';
import { thin } from '../grok';
import { send } from '../client';
import { useLab, useViewLane } from '../store';
import { fmt, LanePicker, WaitingForInstruments } from './common';
import type { InstrumentFrame } from '../../worker/instrumentFrame';
import { wholeReadingText } from './wholeReading';

/** one empty list, so a lane without frames does not make a new dependency every render */
const NO_FRAMES: readonly InstrumentFrame[] = [];

const FLAG_LINE = [{ y: 2, label: 'η·λ = 2', color: OKABE_ITO.vermillion }];

/**
 * Both axes divided by the largest |actual| so the scatter reads at any error size: a prediction
 * that misses by 10⁶ sits far off the diagonal instead of stretching the axes to ±5·10⁷.
 */
function normalised(xs: number[], ref: number[]): number[] {
  const scale = Math.max(1e-300, ...ref.map(Math.abs));
  return xs.map((v) => Math.max(-10, Math.min(10, v / scale)));
}

export function ReservoirView({ compact = false }: { compact?: boolean }) {
  const lane = useViewLane();
  const logStep = useLab((s) => s.logStep);
  const frames = lane?.frames ?? NO_FRAMES;
  const latest = frames[frames.length - 1];
  const g = latest?.gramian ?? null;

  const { dims, checks } = useMemo(() => {
    const fs = thin(
      frames.filter((f) => f.gramian),
      600,
    );
    const dims: Series[] = [
      { id: 'decayed', label: 'channel (decayed ≥ 1 − e⁻²)', color: OKABE_ITO.blue, points: fs.map((f) => [f.step, f.gramian?.channel.decayed ?? NaN]) },
      { id: 'fixed', label: 'channel (threshold fixed at s)', color: OKABE_ITO.sky, dash: '5 3', points: fs.map((f) => [f.step, f.gramian?.channel.fixed ?? NaN]) },
      { id: 'kernel', label: 'ker W (reservoir, strict)', color: OKABE_ITO.vermillion, points: fs.map((f) => [f.step, f.gramian?.kernelDim ?? NaN]) },
    ];
    const checks: Series[] = [
      { id: 'pe', label: 'prediction rel. error (whole held-out set)', color: OKABE_ITO.purple, points: fs.map((f) => [f.step, f.gramian?.predictionError ?? NaN]) },
      { id: 'st', label: 'stiffness η·λ_max(BK̃) per step', color: OKABE_ITO.orange, dash: '5 3', points: fs.map((f) => [f.step, f.gramian?.stiffnessPerStep ?? NaN]) },
    ];
    return { dims, checks };
  }, [frames]);

  const noisy = !!lane && lane.config.noise > 0;
  const noNoise = 'no label noise in this run';
  // a share passes 1 once B has shrunk below B_s (a confident softmax): the bar is then full
  const capped = (x: number | null) => (x === null ? null : Math.min(1, x));
  const split: SplitRow[] = g
    ? [
        { label: 'labels y', channel: capped(g.dissipated.labels) },
        { label: 'clean labels', channel: noisy ? capped(g.dissipated.clean) : null, note: noNoise },
        { label: 'label noise', channel: noisy ? capped(g.dissipated.noise) : null, note: noNoise },
        { label: 'initial grad g(s)', channel: capped(g.dissipated.gradient) },
      ]
    : [];
  const opt = lane?.config.opt ?? 'adamw';
  const plainGD = opt === 'sgd' && (lane?.config.momentum ?? 0) === 0;
  const integratorText = g?.integrator === 'discrete' ? 'the exact r-step discrete map, (I − ηBK̃) applied r times' : 'the held-kernel flow exp(−hBK̃), h = η·r';
  const splitPanel = g && (
    <Panel
      title="Where the error lives"
      caption={
        compact
          ? `Share of each vector's energy training has dissipated since step ${g.since}, whole training set: 1 = in the signal channel, 0 = in the reservoir.`
          : `Share of each vector's energy that training has dissipated since step ${g.since}, over the whole training set (1 = all of it: the vector sits in the signal channel; 0 = untouched: the reservoir; a bar is full once the share passes 1, which happens when the softmax grows confident and B shrinks below B_s: labels ${fmt(g.dissipated.labels)}). Integrator: ${integratorText}.`
      }
      formula="share(x) = ∫ xᵀ P_gᵀ K̃ P_g x dτ ÷ (½ xᵀ B_s⁺ x) = xᵀWx ÷ its ceiling, computed matrix-free (Lanczos on B½ K̃ B½)"
      tex={String.raw`\operatorname{share}(x) = \frac{\int_s^T x^{\top} P_g^{\top} \tilde K P_g\, x \,d\tau}{\tfrac12\, x^{\top} B_s^{+} x} = \frac{x^{\top} W x}{\tfrac12\, x^{\top} B_s^{+} x}`}
    >
      <SplitBars rows={compact ? split.filter((r) => r.channel !== null) : split} />
    </Panel>
  );

  let body;
  if (!latest) body = <WaitingForInstruments lane={lane} />;
  else if (!g)
    body = (
      <Placeholder>
        W integrates the dynamics between measurements: it started at step {latest.step} and gives its first reading at step {latest.step + (lane?.config.instrumentEvery ?? 0)}.
      </Placeholder>
    );
  else if (compact) body = <div className="view-grid one">{splitPanel}</div>;
  else
    body = (
      <div className="view-grid">
        <Panel
          title="Spectrum of W"
          caption={`W on ${g.set === 'train' ? 'the whole training set' : 'an evenly spread sub-probe (the whole set is too large for a dense W)'}, ${g.rows} centred rows, since step ${g.since}. Bars: μ_j, the eigenvalues of the normalised W̄ = 2·B_s½·W·B_s½; at 1 a direction is fully dissipated; above the line (1 − e⁻²) it has decayed by 1/e: the signal channel, ${g.channel.decayed} dims; below: the reservoir.${wholeReadingText(g)}`}
          formula="W(s,T) = ∫ P_gᵀ K̃ P_g dτ ≤ ½B⁺ while B is held;  μ_j = eig(2·B_s½·W·B_s½) ∈ [0, 1];  channel: μ_j ≥ 1 − e⁻²"
          tex={String.raw`W(s,T) = \int_s^T P_g^{\top} \tilde K P_g \,d\tau \preceq \tfrac12 B^{+},\qquad \mu_j = \lambda_j\!\left(2 B_s^{1/2} W B_s^{1/2}\right) \in [0,1],\qquad \text{channel: } \mu_j \ge 1 - e^{-2}`}
          tools={
            <button className="small" onClick={() => send({ type: 'restartGramian' })} title="start W afresh at the next measurement (s = that step)">
              restart W
            </button>
          }
        >
          <SpectrumBars values={g.normalisedSpectrum} threshold={1 - Math.exp(-2)} thresholdLabel="1 − e⁻²" label={`eigen-direction j of W̄ (sorted, ${g.rows} rows)`} />
        </Panel>
        {splitPanel}
        <Panel
          title="Channel dimension"
          caption={`How many output directions training has dissipated; with no restart it never shrinks. Dashed: a threshold fixed in W's units at the restart. Red: ker W, directions training never reached (a reservoir exists only where outputs outnumber what the parameters reach). ${g.kernelDim > 0 ? `Label noise in ker W: ${fmt(g.energy.kernel.noise)}.` : ''}`}
          formula="decayed: #{μ_j ≥ 1 − e⁻²};  fixed: #{λ_j(W) > τ·λ₁(W after the first interval)};  kernel: #{μ_j ≤ 10⁻⁹}"
          tex={String.raw`d_{\text{decayed}} = \#\{\mu_j \ge 1 - e^{-2}\},\quad d_{\text{fixed}} = \#\{\lambda_j(W) > \tau\,\lambda_1(W_{\text{first}})\},\quad d_{\ker} = \#\{\mu_j \le 10^{-9}\}`}
        >
          <LineChart series={dims} xLabel="training step" yLabel={`dimensions (of ${g.rows})`} yDomain={[0, g.rows]} xLog={logStep} />
        </Panel>
        <Panel
          title="Does the theory predict the held-out change?"
          caption={`−G_Q g(s) against U_Q(now) − U_Q(s) over every held-out point: relative error ${fmt(g.predictionError)}. ${
            plainGD
              ? 'Plain gradient descent: K̃ = K, and the error should be a few % at small η·r.'
              : `Under ${opt}${opt === 'sgd' ? ' with momentum' : ''}, K̃ = J·D·Q·Jᵀ omits momentum's memory and the changing D, so a large error is the measured gap, not a bug.`
          }${(lane?.config.batch ?? 0) > 0 ? ` Minibatches (b = ${lane?.config.batch}): g here is the whole training set's, so the batches' sampling noise is left out too.` : ''} Stiffness η·λ_max(BK̃) = ${fmt(g.stiffnessPerStep)} per step (above 2 the discrete map diverges). ker W ⊆ ker G_Q: ratio ${g.transferRatio === null ? 'n/a (needs a non-empty ker W)' : `${fmt(g.transferRatio)} under the Cauchy–Schwarz bound ${fmt(g.transferBound)} (holds by construction: a consistency check, not evidence)`}.`}
          formula="G_Q = ∫ K̃_QS P_g dτ;  predicted ΔU_Q = −G_Q g(s);  error = ‖pred − actual‖ ÷ ‖actual‖;  ‖G_Q ψ‖² ≤ (∫ λ_max(K̃_QQ) dτ)·ψᵀWψ"
          tex={String.raw`G_Q = \int_s^T \tilde K_{QS} P_g \,d\tau,\quad \widehat{\Delta U_Q} = -G_Q\, g(s),\quad \text{err} = \frac{\lVert \widehat{\Delta U_Q} - \Delta U_Q\rVert}{\lVert \Delta U_Q\rVert},\quad \lVert G_Q\psi\rVert^2 \le \Big(\int \lambda_{\max}(\tilde K_{QQ})\,d\tau\Big)\, \psi^{\top} W \psi`}
        >
          {g.predicted.length > 0 ? (
            <Scatter xs={normalised(g.predicted, g.actual)} ys={normalised(g.actual, g.actual)} xLabel="predicted ΔU_Q ÷ ‖actual‖∞" yLabel="actual ΔU_Q ÷ ‖actual‖∞" />
          ) : (
            <LineChart series={checks} xLabel="training step" yLabel="relative error / stiffness" xLog={logStep} hLines={FLAG_LINE} />
          )}
        </Panel>
      </div>
    );

  return (
    <section className="view reservoir-view" data-testid="reservoir-view" aria-label="channel and reservoir view">
      <h2>
        Channel and reservoir <LanePicker />
        {g && (
          <span className="cost">
            channel dim <b data-testid="channel-dim">{g.channel.decayed}</b> of {g.rows} · prediction error <b data-testid="prediction-error">{fmt(g.predictionError)}</b>
          </span>
        )}
      </h2>
      {body}
    </section>
  );
}
