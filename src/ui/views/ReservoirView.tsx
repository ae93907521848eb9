/**
 * Instrument 2 (THEORY.md): the dissipation Gramian W and the split of the
 * training error between the signal channel (W's top eigen-directions) and the
 * reservoir, the ker W ⊆ ker G_Q check and the held-out prediction.
 */
import { useMemo } from 'react';
import { Scatter, SpectrumBars, SplitBars, type SplitRow } from '../charts/Bars';
import { LineChart, type Series } from '../charts/LineChart';
import { Panel, Placeholder } from '../charts/Panel';
import { OKABE_ITO } from '../charts/theme';
import { thin } from '../grok';
import { send } from '../client';
import { useLab, useViewLane } from '../store';
import { GQ_FLAG_RATIO } from '../../worker/instrumentFrame';
import { fmt, LanePicker, WaitingForInstruments } from './common';

const FLAG_LINE = [{ y: GQ_FLAG_RATIO, label: 'flag', color: OKABE_ITO.vermillion }];

export function ReservoirView({ compact = false }: { compact?: boolean }) {
  const lane = useViewLane();
  const logStep = useLab((s) => s.logStep);
  const frames = lane?.frames ?? [];
  const latest = frames[frames.length - 1];
  const g = latest?.gramian ?? null;

  const { dims, checks } = useMemo(() => {
    const fs = thin(frames.filter((f) => f.gramian), 600);
    const dims: Series[] = [{ id: 'dim', label: 'channel dimension', color: OKABE_ITO.blue, points: fs.map((f) => [f.step, f.gramian?.channelDim ?? NaN]) }];
    const checks: Series[] = [
      { id: 'gq', label: 'G_Q ratio (reservoir ÷ channel)', color: OKABE_ITO.vermillion, points: fs.map((f) => [f.step, f.gramian?.transferRatio ?? NaN]) },
      { id: 'pe', label: 'prediction rel. error', color: OKABE_ITO.purple, dash: '5 3', points: fs.map((f) => [f.step, f.gramian?.predictionError ?? NaN]) },
    ];
    return { dims, checks };
  }, [frames]);

  const noisy = !!lane && lane.config.noise > 0;
  const split: SplitRow[] = g
    ? [
        { label: 'labels y', channel: g.energy.labels },
        { label: 'clean labels', channel: noisy ? g.energy.labelClean : null, note: 'no label noise in this run' },
        { label: 'label noise', channel: noisy ? g.energy.labelNoise : null, note: noisy ? 'no noisy label among the probe points W uses' : 'no label noise in this run' },
        { label: 'initial grad g(s)', channel: g.energy.initialGradient },
      ]
    : [];
  const flagged = !!g && g.transferRatio !== null && g.transferRatio > GQ_FLAG_RATIO;
  const splitPanel = g && (
    <Panel
      title="Where the error lives"
      caption="Share of each vector's energy in the signal channel: noise in the reservoir = benign overfitting; signal moving into the channel = grokking."
      formula="channel share of v = ‖Π_ch v‖² / ‖v‖², Π_ch = projector on W's eigenvectors with λ_j > τ·λ_max (labels: centred one-hot of the probe)"
    >
      <SplitBars rows={split} />
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
          caption={`Integrated reachability of each output direction since step ${g.since}. Above the line (τ = ${latest.tau}): the signal channel, ${g.channelDim} dims; below: the reservoir.`}
          formula="W ← W + η_t P_tᵀ K̃_t P_t,  P_{t+1} = (I − η_t B_t K̃_t) P_t;  λ_j = Σ_t η_t ‖J_tᵀ P_t ψ_j‖²"
          tools={
            <button className="small" onClick={() => send({ type: 'restartGramian' })} title="start W afresh at the next measurement (s = that step)">
              restart W
            </button>
          }
        >
          <SpectrumBars values={g.spectrum} threshold={latest.tau * (g.spectrum[0] ?? 0)} label={`eigen-direction j of W (sorted, ${g.rows} rows)`} />
        </Panel>
        {splitPanel}
        <Panel
          title="Channel dimension"
          caption="How many output directions training can reach; it fills from the top eigenvalue down (implicit bias)."
          formula="dim = #{ j : λ_j(W) > τ·λ_max(W) }"
        >
          <LineChart series={dims} xLabel="training step" yLabel={`dimensions (of ${g.rows})`} yDomain={[0, g.rows]} xLog={logStep} legend={false} />
        </Panel>
        <Panel
          title="Does the theory predict the held-out change?"
          caption={
            flagged
              ? `⚠ ker W ⊆ ker G_Q does NOT hold here: ratio ${fmt(g.transferRatio)} > ${GQ_FLAG_RATIO}. Prediction error ${fmt(g.predictionError)}.`
              : `ker W ⊆ ker G_Q: ratio ${g.transferRatio === null ? 'n/a (needs both a channel and a reservoir)' : `${fmt(g.transferRatio)} (small = holds)`}. Held-out prediction error ${fmt(g.predictionError)} since step ${g.since}.`
          }
          formula="ratio = max_reservoir ‖G_Q ψ‖ / max_channel ‖G_Q ψ‖, G_Q = Σ_t η_t K̃_QS,t P_t;  predicted ΔU_Q = −G_Q g(s), error = ‖pred − actual‖ / ‖actual‖"
          className={flagged ? 'flagged' : undefined}
        >
          {g.predicted.length > 0 ? (
            <Scatter xs={g.predicted} ys={g.actual} xLabel="predicted ΔU_Q (logits)" yLabel="actual ΔU_Q (logits)" />
          ) : (
            <LineChart series={checks} xLabel="training step" yLabel="ratio / relative error" xLog={logStep} hLines={FLAG_LINE} />
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
            channel dim <b data-testid="channel-dim">{g.channelDim}</b> of {g.rows}
          </span>
        )}
      </h2>
      {body}
    </section>
  );
}
