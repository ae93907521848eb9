/**
 * Train / held-out loss and accuracy over steps (mean squared error in place of
 * accuracy for the regress task, which has no classes), one colour per lane in compare
 * mode, with markers where the gate (or optimizer) was switched and where the run
 * memorised and grokked.
 */
import { useMemo } from 'react';
import { LineChart, type PointMarker, type Series, type VMarker } from '../charts/LineChart';
import { Panel } from '../charts/Panel';
import { chartTheme, OKABE_ITO } from '../charts/theme';
import { grokSteps, thin } from '../grok';
import { useLab } from '../store';
import { useShallow } from 'zustand/react/shallow';

export function CurvesView({ compact = false }: { compact?: boolean }) {
  // per-lane arrays whose references change only when data arrives (not on every step)
  const metricsByLane = useLab(useShallow((s) => s.lanes.map((l) => l.metrics)));
  const eventsByLane = useLab(useShallow((s) => s.lanes.map((l) => l.events)));
  const labels = useLab(useShallow((s) => s.lanes.map((l) => l.info.label)));
  const logStep = useLab((s) => s.logStep);
  const presenter = useLab((s) => s.presenter);
  const t = chartTheme(presenter);
  const multi = metricsByLane.length > 1;
  const regression = useLab((s) => s.lanes[0]?.config.task === 'regress');

  const { loss, acc, vMarkers, points, race } = useMemo(() => {
    const loss: Series[] = [];
    const acc: Series[] = [];
    const vMarkers: VMarker[] = [];
    const points: PointMarker[] = [];
    const grok: (number | null)[] = [];
    metricsByLane.forEach((metrics, i) => {
      const rows = thin(metrics);
      const name = multi ? `${labels[i]}: ` : '';
      const trainColor = multi ? t.lanes[i] : t.train;
      const testColor = multi ? t.lanes[i] : t.test;
      const tr = { id: `tr${i}`, color: trainColor, dash: '5 3' };
      const te = { id: `te${i}`, color: testColor };
      loss.push({ ...tr, label: `${name}train`, points: rows.map((r) => [r.step, r.trainLoss]) });
      loss.push({ ...te, label: `${name}held-out`, points: rows.map((r) => [r.step, r.testLoss]) });
      // regress: the first chart shows MSE per output; accuracy is not defined there
      const first = (r: (typeof rows)[number], train: boolean) => (regression ? (train ? r.trainMse : r.testMse) : train ? r.trainAcc : r.testAcc) ?? NaN;
      acc.push({ ...tr, label: `${name}train`, points: rows.map((r) => [r.step, first(r, true)]) });
      acc.push({ ...te, label: `${name}held-out`, points: rows.map((r) => [r.step, first(r, false)]) });
      for (const e of eventsByLane[i]) if (e.kind !== 'hyper') vMarkers.push({ x: e.step, label: `${e.kind} → ${e.to}`, color: multi ? t.lanes[i] : OKABE_ITO.purple });
      const g = grokSteps(metrics);
      grok.push(g.grokked);
      if (g.memorised !== null) points.push({ x: g.memorised, y: 0.99, label: multi ? '' : `memorised @${g.memorised}`, color: multi ? t.lanes[i] : t.train });
      if (g.grokked !== null) points.push({ x: g.grokked, y: 0.95, label: `${multi ? (i === 0 ? 'off ' : 'on ') : ''}grokked @${g.grokked}`, color: multi ? t.lanes[i] : t.marker });
    });
    const race = multi && grok[0] !== null && grok[1] !== null ? (grok[0] as number) / (grok[1] as number) : null;
    return { loss, acc, vMarkers, points, race };
  }, [metricsByLane, eventsByLane, labels, multi, regression, t.lanes, t.train, t.test, t.marker]);

  const xLabel = `training step${logStep ? ' (log scale)' : ''}`;
  const caption = multi
    ? `Same seed and data, gate off vs on. Watch which held-out curve climbs first.${race !== null ? ` Steps to grok, off ÷ on = ${race.toFixed(2)}×.` : ''}`
    : regression
      ? 'Regression on a random teacher: train MSE falls towards 0 (interpolation, noise included); held-out MSE shows what the fit of the noise costs.'
      : 'Train accuracy saturates first (memorisation); held-out accuracy catches up later (grokking).';
  return (
    <Panel
      title="Learning curves"
      caption={caption}
      formula={
        regression
          ? 'loss = mean ½‖u − y‖² over all train / held-out pairs (train targets carry the label noise ε, held-out targets are clean); MSE = mean (u − y)² per output.'
          : 'loss = mean cross-entropy −log softmax(u)_y over all train / held-out pairs; accuracy = share with argmax u = y. Memorised: train acc ≥ 0.99; grokked: held-out acc ≥ 0.95 after that.'
      }
      tex={
        regression
          ? String.raw`\Phi = \frac{1}{2n}\sum_i \lVert u_i - y_i \rVert^2,\qquad \text{MSE} = \frac{1}{nk}\sum_i \lVert u_i - y_i \rVert^2`
          : String.raw`\mathcal{L} = \frac{1}{n}\sum_i -\log \operatorname{softmax}(u_i)_{y_i},\qquad \text{acc} = \frac{1}{n}\sum_i \mathbf{1}[\arg\max_c u_{ic} = y_i]`
      }
      className="curves"
      level={2}
      tools={<LogStepToggle />}
    >
      <div className="curves-grid">
        {regression ? (
          <LineChart series={acc} xLabel={xLabel} yLabel="mean squared error per output (log)" yLog xLog={logStep} vMarkers={vMarkers} />
        ) : (
          <LineChart series={acc} xLabel={xLabel} yLabel="accuracy (fraction)" yDomain={[0, 1]} xLog={logStep} vMarkers={vMarkers} points={points} />
        )}
        {!compact && <LineChart series={loss} xLabel={xLabel} yLabel={regression ? 'loss ½‖u − y‖² (log)' : 'loss (nats, log)'} yLog xLog={logStep} vMarkers={vMarkers} legend={false} />}
      </div>
    </Panel>
  );
}

function LogStepToggle() {
  const logStep = useLab((s) => s.logStep);
  return (
    <label className="small-toggle" title="logarithmic step axis">
      <input type="checkbox" checked={logStep} onChange={(e) => useLab.setState({ logStep: e.target.checked })} /> log step
    </label>
  );
}
