/**
 * The lab's page: transport and readouts on top, presets / settings on the left,
 * the views on the right. Presenter mode (F) keeps the curves, the Fourier
 * spectrum, the deformed surface and the channel/reservoir split, in large type,
 * on one screen; story mode (?story=N) shows one screen of the lecture story.
 */
import { useEffect } from 'react';
import { Banner, FirstVisit } from './controls/Intro';
import { DivergedBanner, ErrorBanner, NoWebGpuPanel, RecoveryNotice, ResumeOffer } from './controls/Banners';
import { ViewBoundary } from './ErrorBoundary';
import { Readouts } from './controls/Readouts';
import { SettingsPanel } from './controls/SettingsPanel';
import { ExportBar, PresetBar, Transport } from './controls/Transport';
import { useKeyboard } from './keyboard';
import { StoryMode } from './StoryMode';
import { useLab } from './store';
import { CurvesView } from './views/CurvesView';
import { DoubleDescentView } from './views/DoubleDescentView';
import { FourierView } from './views/FourierView';
import { GateView } from './views/GateView';
import { KernelView } from './views/KernelView';
import { ReservoirView } from './views/ReservoirView';

export function App() {
  useKeyboard();
  const presenter = useLab((s) => s.presenter);
  const story = useLab((s) => s.story);
  // rem-based sizes scale with the root: presenter mode enlarges everything at once
  useEffect(() => {
    document.documentElement.classList.toggle('presenter', presenter || story !== null);
  }, [presenter, story]);
  return (
    <div className={`app ${presenter || story !== null ? 'presenter' : ''} ${story !== null ? 'story-mode' : ''}`}>
      <header className="topbar">
        <Banner />
        <Transport />
        <Readouts />
        <FirstVisit />
      </header>
      <ErrorBanner />
      <DivergedBanner />
      <RecoveryNotice />
      <ResumeOffer />
      <NoWebGpuPanel />
      {story !== null ? (
        <StoryMode n={story} />
      ) : presenter ? (
        <main className="presenter-grid">
          <ViewBoundary name="Curves">
            <CurvesView compact />
          </ViewBoundary>
          <ViewBoundary name="Fourier">
            <FourierView spectrumOnly />
          </ViewBoundary>
          <ViewBoundary name="Kernel">
            <KernelView compact />
          </ViewBoundary>
          <ViewBoundary name="Reservoir">
            <ReservoirView compact />
          </ViewBoundary>
        </main>
      ) : (
        <div className="main">
          <aside className="side" aria-label="presets and settings">
            <PresetBar />
            <ExportBar />
            <ViewBoundary name="Settings">
              <SettingsPanel />
            </ViewBoundary>
          </aside>
          <main className="views">
            <ViewBoundary name="Curves">
              <CurvesView />
            </ViewBoundary>
            <ViewBoundary name="Double descent">
              <DoubleDescentView />
            </ViewBoundary>
            <ViewBoundary name="Fourier">
              <FourierView />
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
