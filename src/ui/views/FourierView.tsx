/**
 * The Fourier view (src/theory/fourier.ts): what the network learns on a∘b mod p
 * read in the Fourier basis of the task's group — the embedding's power per
 * frequency over time with the key frequencies named, the progress measures
 * (restricted and excluded loss) beside the train and held-out loss, and the
 * Fourier content of the kernel's top eigenvectors on the probe.
 */
import { useMemo, useState } from 'react';
import { Heatmap } from '../charts/Heatmap';
import { LineChart, type Series } from '../charts/LineChart';
import { Panel, Placeholder } from '../charts/Panel';
import { chartTheme, magnitudeColor, OKABE_ITO } from '../charts/theme';
import { thin } from '../grok';
import { useLab, useViewLane } from '../store';
import type { FourierReadout } from '../../theory/fourier';
import type { InstrumentFrame } from '../../worker/instrumentFrame';
import { WaitingForInstruments } from './common';

/** one empty list before the first measurement (a fresh [] would re-run the memos every render) */
const NO_FRAMES: readonly InstrumentFrame[] = [];

/** columns of the spectrum-over-time heatmap */
const TIME_COLUMNS = 48;
/** eigenvectors whose Fourier content is shown */
const EIGEN_ROWS = 8;

type Layer = 'embed' | 'first';

/** caption of the group the spectrum lives on (the relabelling is said where it happens) */
export function groupCaption(f: Pick<FourierReadout, 'n' | 'relabel' | 'generator'>): string {
  return f.relabel === 'discreteLog'
    ? `Tokens relabelled by their discrete logarithm base ${f.generator} (ℤ_p^× is cyclic of order ${f.n}: x = ${f.generator}^j ↦ j), so × becomes + on ℤ_${f.n}; token 0 is left out.`
    : `Tokens in their natural order on ℤ_${f.n}.`;
}

export function keyCaption(f: FourierReadout): string {
  if (f.key.length === 0) return 'No key frequency yet: no frequency holds more than twice its equal share.';
  return `Key frequencies now: k = ${f.key.join(', ')} (${(100 * f.keyShare).toFixed(0)}% of the embedding's power; the strongest ${Math.min(6, f.embedShares.length)} hold ${(100 * f.top6Share).toFixed(0)}%).`;
}

/** compact: spectrum and progress measures stacked (story screens); spectrumOnly: the spectrum alone (presenter mode's quadrant) */
export function FourierView({ compact = false, spectrumOnly = false }: { compact?: boolean; spectrumOnly?: boolean }) {
  const lane = useViewLane();
  const logStep = useLab((s) => s.logStep);
  const presenter = useLab((s) => s.presenter);
  const t = chartTheme(presenter);
  const [layer, setLayer] = useState<Layer>('embed');
  const frames = lane?.frames ?? NO_FRAMES;
  // readouts from full measurements and from the multiples of r the kernel instruments skipped, in step order
  const lightFourier = lane?.fourier;
  const readouts = useMemo(() => {
    const all = [...frames.flatMap((f) => (f.fourier ? [f.fourier] : [])), ...(lightFourier ?? [])];
    return all.sort((a, b) => a.step - b.step);
  }, [frames, lightFourier]);
  const latest = readouts[readouts.length - 1] ?? null;
  const eigen = useMemo(() => [...frames].reverse().find((f) => f.fourier?.eigen)?.fourier?.eigen ?? null, [frames]);

  const spectrum = useMemo(() => {
    const fs = thin(readouts, TIME_COLUMNS);
    if (fs.length === 0) return null;
    const K = fs[0].embedShares.length;
    const data = new Float64Array(K * fs.length);
    let hi = 0;
    fs.forEach((f, j) => {
      const shares = layer === 'embed' ? f.embedShares : f.firstLayerShares;
      for (let k = 0; k < K; k++) {
        data[k * fs.length + j] = shares[k];
        hi = Math.max(hi, shares[k]);
      }
    });
    return { K, cols: fs.length, data, hi: Math.max(hi, 2 / K), first: fs[0].step, last: fs[fs.length - 1].step };
  }, [readouts, layer]);

  const progress = useMemo(() => {
    const rows = thin(lane?.metrics ?? []);
    const fs = readouts;
    const s: Series[] = [
      { id: 'train', label: 'train loss', color: t.train, dash: '5 3', points: rows.map((r) => [r.step, r.trainLoss]) },
      { id: 'test', label: 'held-out loss', color: t.test, points: rows.map((r) => [r.step, r.testLoss]) },
      { id: 'restricted', label: 'restricted (key only)', color: OKABE_ITO.green, width: 2.5, points: fs.map((f) => [f.step, f.restrictedLoss]) },
      { id: 'excluded', label: 'excluded (key removed)', color: OKABE_ITO.purple, width: 2.5, dash: '2 2', points: fs.map((f) => [f.step, f.excludedLoss]) },
    ];
    return s;
  }, [lane?.metrics, readouts, t.train, t.test]);

  const eigenRows = eigen ? Math.min(EIGEN_ROWS, eigen.length) : 0;

  const header = (
    <h2>
      Fourier: the algorithm the network learns
      {latest && <span className="cost"> {latest.relabel === 'discreteLog' ? `discrete log base ${latest.generator}, ℤ_${latest.n}` : `ℤ_${latest.n}`}</span>}
    </h2>
  );

  let body;
  if (lane?.config.task === 'regress')
    body = (
      <Placeholder>
        The Fourier view is unavailable for the regress task: its targets come from a random teacher network, not from a group operation on ℤ_p, so there are no key frequencies to find and no progress
        measures built on them.
      </Placeholder>
    );
  else if (!lane || lane.config.instrumentEvery <= 0 || frames.length === 0) body = <WaitingForInstruments lane={lane} />;
  else if (!latest) body = <Placeholder>The Fourier view is unavailable because this run's measurements carry no Fourier readout (a run file recorded before the Fourier view existed).</Placeholder>;
  else {
    const spectrumPanel = spectrum && (
      <Panel
        title={layer === 'embed' ? 'Embedding spectrum' : latest.second === 'unembed' ? 'Unembedding spectrum' : 'First-layer spectrum'}
        caption={`${keyCaption(latest)} ${groupCaption(latest)}`}
        formula="share_k = Σ_c (⟨c_k, E_c⟩² + ⟨s_k, E_c⟩²) / (the same summed over all k ≥ 1), c_k, s_k the orthonormal cos / sin of frequency k on ℤ_n, E_c a column of the embedding; key: share_k > 2/K, at most 6"
        tex={String.raw`\text{share}_k = \frac{\sum_c \langle c_k, E_{:c}\rangle^2 + \langle s_k, E_{:c}\rangle^2}{\sum_{k' \ge 1} (\cdots)},\qquad c_k(j) = \sqrt{\tfrac{2}{n}}\cos\tfrac{2\pi k j}{n},\quad s_k(j) = \sqrt{\tfrac{2}{n}}\sin\tfrac{2\pi k j}{n}`}
        tools={
          <select className="small" value={layer} onChange={(e) => setLayer(e.target.value as Layer)} aria-label="which layer's spectrum">
            <option value="embed">embedding E</option>
            <option value="first">{latest.second === 'unembed' ? 'unembedding U (rows: answers)' : 'first layer W₁E'}</option>
          </select>
        }
      >
        <Heatmap
          rows={spectrum.K}
          cols={spectrum.cols}
          data={spectrum.data}
          color={magnitudeColor}
          domain={[0, spectrum.hi]}
          rowLabel={`frequency k = 1…${spectrum.K}`}
          colLabel={`step ${spectrum.first} → ${spectrum.last}`}
          lowLabel="0"
          highLabel={`${(100 * spectrum.hi).toFixed(0)}% of power`}
        />
      </Panel>
    );
    const progressPanel = (
      <Panel
        title="Progress measures"
        caption="Restricted: the network with only the key frequencies (and the mean) of its embedding; excluded: with them removed. Restricted falling = the key frequencies alone carry the task; excluded rising = the network depends on them."
        formula="restricted = CE on the training set with E replaced by E − P_other E (only key frequencies and the mean kept); excluded = CE with E − P_key E (key frequencies removed); P_0 + P_key + P_other = I"
        tex={String.raw`\mathcal{L}_{\text{restricted}} = \mathcal{L}_S\!\left(E - P_{\text{other}} E\right),\qquad \mathcal{L}_{\text{excluded}} = \mathcal{L}_S\!\left(E - P_{\text{key}} E\right),\qquad P_0 + P_{\text{key}} + P_{\text{other}} = I`}
      >
        <LineChart series={progress} xLabel={`training step${logStep ? ' (log scale)' : ''}`} yLabel="loss (nats, log)" yLog xLog={logStep} />
      </Panel>
    );
    const eigenPanel =
      eigen && eigenRows > 0 ? (
        <Panel
          title="Kernel eigenvectors in Fourier"
          caption="Fourier content of the probe kernel's top eigenvectors: a bright cell in a key frequency's column = that kernel mode has rotated into the network's Fourier algorithm."
          formula="row i: share of v_i's power at frequency k over the output classes in group order (full view), or over the probe points' labels (trace view); each row sums to 1"
          tex={String.raw`\text{share}_{ik} = \frac{\sum_{j} \lvert \hat v_i(j, k)\rvert^2}{\sum_{k'} \sum_{j} \lvert \hat v_i(j, k')\rvert^2},\qquad \hat v_i(j,\cdot) = \text{DFT over the output classes in group order}`}
        >
          <Heatmap
            rows={eigenRows}
            cols={eigen[0].length}
            data={eigen.slice(0, eigenRows).flat()}
            color={magnitudeColor}
            domain={[0, 1]}
            rowLabel="eigenvector i"
            colLabel={`frequency k = 0…${eigen[0].length - 1}`}
          />
        </Panel>
      ) : null;
    body = spectrumOnly ? (
      <div className="view-grid one">{spectrumPanel}</div>
    ) : compact ? (
      <div className="view-grid one stacked">
        {spectrumPanel}
        {progressPanel}
      </div>
    ) : (
      <div className="view-grid">
        {spectrumPanel}
        {progressPanel}
        {eigenPanel}
      </div>
    );
  }

  return (
    <section className="view fourier-view" data-testid="fourier-view" aria-label="Fourier view">
      {header}
      {body}
    </section>
  );
}
