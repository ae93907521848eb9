/**
 * Double descent in the lab: the results of `grokscope sweep --widths … --csv` (or
 * `--out`) loaded from a file — held-out and train error against P, the
 * interpolation threshold P = n·k marked, and the noise's energy share in the signal
 * channel where the runs recorded it. A sweep is dozens of full runs, so it runs
 * headless; the lab plots what it measured. Shown for the regress task.
 */
import { useMemo, useState } from 'react';
import { parseWidthSweep, widthPoints, type WidthPoint } from '../../model/widthSweep';
import { LineChart, type Series } from '../charts/LineChart';
import { Panel, Placeholder } from '../charts/Panel';
import { chartTheme, OKABE_ITO } from '../charts/theme';
import { useLab } from '../store';

export function DoubleDescentView() {
  const regression = useLab((s) => s.lanes[0]?.config.task === 'regress');
  const presenter = useLab((s) => s.presenter);
  const t = chartTheme(presenter);
  const [points, setPoints] = useState<WidthPoint[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState('');

  const load = async (file: File | undefined) => {
    if (!file) return;
    try {
      const runs = parseWidthSweep(await file.text());
      if (runs.length === 0) throw new Error('the sweep has no runs');
      setPoints(widthPoints(runs));
      setName(file.name);
      setProblem(null);
    } catch (e) {
      setProblem(`${file.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const { error, share, outputs, xDomain } = useMemo(() => {
    // x = P on a log axis (the chart's log axes start at 1), the threshold P = n·k marked
    const xOf = (w: WidthPoint) => w.params;
    const line = (f: (w: WidthPoint) => number | null) => (points ?? []).filter((w) => f(w) !== null).map((w) => [xOf(w), f(w)!] as [number, number]);
    const error: Series[] = [
      { id: 'te', label: 'held-out (median)', color: t.test, points: line((w) => w.test.median) },
      { id: 'temax', label: 'held-out (max over seeds)', color: t.test, dash: '2 3', width: 1, points: line((w) => w.test.max) },
      { id: 'tr', label: 'train (median)', color: t.train, dash: '5 3', points: line((w) => (w.train.median !== null && w.train.median > 0 ? w.train.median : null)) },
    ];
    const shareLine = line((w) => w.noise.median);
    const share: Series[] = shareLine.length > 0 ? [{ id: 'ns', label: 'noise share in channel (median)', color: OKABE_ITO.purple, points: shareLine }] : [];
    // every run of one sweep has the same n·k (p and train are fixed; only width and seed vary)
    const outputs = points?.[0]?.outputs ?? 0;
    const ps = [outputs, ...(points ?? []).map(xOf)];
    const xDomain: [number, number] = [Math.min(...ps) / 1.3, Math.max(...ps) * 1.3];
    return { error, share, outputs, xDomain };
  }, [points, t.test, t.train]);

  if (!regression) return null;
  const picker = (
    <label className="small-toggle" title="a file written by grokscope sweep --widths … --csv FILE (or --out FILE)">
      load sweep <input type="file" accept=".csv,.json" data-testid="sweep-file" onChange={(e) => void load(e.target.files?.[0])} />
    </label>
  );
  const threshold = [{ x: outputs, label: `P = n·k = ${outputs}`, color: t.marker }];
  const xLabel = 'P: trainable parameters (log)';
  return (
    <Panel
      title="Double descent"
      caption={
        points
          ? `${name}: held-out error peaks where the parameters just suffice to interpolate the training outputs (P ≈ n·k), if the seed is right; the noise's channel share should peak there too.`
          : 'Load the CSV of a width sweep to plot held-out error against the parameter count P.'
      }
      formula="x = P, trainable parameters, against the n·k training outputs (marked); y = MSE per output, median over seeds at the end of training; noise share = gramian.energy.decayed.noise of each run's last instrument snapshot."
      className="double-descent"
      testid="double-descent-view"
      tools={picker}
    >
      {problem && (
        <p className="error-banner" role="alert">
          {problem}
        </p>
      )}
      {!points ? (
        <Placeholder>
          Run <code>npx grokscope sweep --preset regress --widths 8,12,16,20,24,32,48,64,128,256 --seeds 1,2,3 --csv sweep.csv</code> and load sweep.csv here.
        </Placeholder>
      ) : (
        <div className="curves-grid">
          <LineChart series={error} xLabel={xLabel} yLabel="mean squared error per output (log)" xLog yLog xDomain={xDomain} vMarkers={threshold} />
          {share.length > 0 ? (
            <LineChart series={share} xLabel={xLabel} yLabel="noise energy share in the channel" xLog xDomain={xDomain} yDomain={[0, 1]} vMarkers={threshold} legend={false} />
          ) : (
            <Placeholder>
              No noise share in this sweep: its runs recorded no instrument snapshots with gramian.energy.decayed.noise (instrumentEvery 0, or instruments without the regress task's noise split).
            </Placeholder>
          )}
        </div>
      )}
    </Panel>
  );
}
