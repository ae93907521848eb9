/**
 * The lab's page: transport and readouts on top, presets / settings on the left,
 * the views on the right. Presenter mode (F) keeps the curves, the deformed
 * surface and the channel/reservoir split, in large type, on one screen.
 */
import { useEffect } from 'react';
import { Banner } from './controls/Intro';
import { ErrorBanner, NoWebGpuPanel } from './controls/Banners';
import { Readouts } from './controls/Readouts';
import { SettingsPanel } from './controls/SettingsPanel';
import { ExportBar, PresetBar, Transport } from './controls/Transport';
import { useKeyboard } from './keyboard';
import { useLab } from './store';
import { CurvesView } from './views/CurvesView';
import { DoubleDescentView } from './views/DoubleDescentView';
import { GateView } from './views/GateView';
import { KernelView } from './views/KernelView';
import { ReservoirView } from './views/ReservoirView';

export function App() {
  useKeyboard();
  const presenter = useLab((s) => s.presenter);
  // rem-based sizes scale with the root: presenter mode enlarges everything at once
  useEffect(() => {
    document.documentElement.classList.toggle('presenter', presenter);
  }, [presenter]);
  return (
    <div className={`app ${presenter ? 'presenter' : ''}`}>
      <header className="topbar">
        <Banner />
        <Transport />
        <Readouts />
      </header>
      <ErrorBanner />
      <NoWebGpuPanel />
      {presenter ? (
        <div className="presenter-grid">
          <CurvesView compact />
          <KernelView compact />
          <ReservoirView compact />
        </div>
      ) : (
        <div className="main">
          <div className="side">
            <PresetBar />
            <ExportBar />
            <SettingsPanel />
          </div>
          <main className="views">
            <CurvesView />
            <DoubleDescentView />
            <KernelView />
            <ReservoirView />
            <GateView />
          </main>
        </div>
      )}
    </div>
  );
}
