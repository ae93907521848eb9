/**
 * The lab's page: transport and readouts on top, presets / settings on the left,
 * the views on the right. Presenter mode (F) keeps the curves, the deformed
 * surface and the channel/reservoir split, in large type, on one screen.
 */
import { useEffect } from 'react';
import { Banner } from './controls/Intro';
import { DivergedBanner, ErrorBanner, NoWebGpuPanel, RecoveryNotice, ResumeOffer } from './controls/Banners';
import { ViewBoundary } from './ErrorBoundary';
import { Readouts } from './controls/Readouts';
import { SettingsPanel } from './controls/SettingsPanel';
import { ExportBar, PresetBar, Transport } from './controls/Transport';
import { useKeyboard } from './keyboard';
import { useLab } from './store';
import { CurvesView } from './views/CurvesView';
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
      <DivergedBanner />
      <RecoveryNotice />
      <ResumeOffer />
      <NoWebGpuPanel />
      {presenter ? (
        <div className="presenter-grid">
          <ViewBoundary name="Curves">
            <CurvesView compact />
          </ViewBoundary>
          <ViewBoundary name="Kernel">
            <KernelView compact />
          </ViewBoundary>
          <ViewBoundary name="Reservoir">
            <ReservoirView compact />
          </ViewBoundary>
        </div>
      ) : (
        <div className="main">
          <div className="side">
            <PresetBar />
            <ExportBar />
            <ViewBoundary name="Settings">
              <SettingsPanel />
            </ViewBoundary>
          </div>
          <main className="views">
            <ViewBoundary name="Curves">
              <CurvesView />
            </ViewBoundary>
            <ViewBoundary name="Kernel">
              <KernelView />
            </ViewBoundary>
            <ViewBoundary name="Reservoir">
              <ReservoirView />
            </ViewBoundary>
            <ViewBoundary name="Gate">
              <GateView />
            </ViewBoundary>
          </main>
        </div>
      )}
    </div>
  );
}
