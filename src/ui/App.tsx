/**
 * The lab's page: transport and readouts on top, presets / settings on the left,
 * the views on the right. Presenter mode (F) keeps the curves, the Fourier
 * spectrum, the deformed surface and the channel/reservoir split, in large type,
 * on one screen; story mode (?story=N) shows one screen of the lecture story.
 */
import { useEffect } from 'react';
import { Banner, FirstVisit } from './controls/Intro';
import { ErrorBanner, NoWebGpuPanel } from './controls/Banners';
import { Readouts } from './controls/Readouts';
import { SettingsPanel } from './controls/SettingsPanel';
import { ExportBar, PresetBar, Transport } from './controls/Transport';
import { useKeyboard } from './keyboard';
import { StoryMode } from './StoryMode';
import { useLab } from './store';
import { CurvesView } from './views/CurvesView';
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
      <NoWebGpuPanel />
      {story !== null ? (
        <StoryMode n={story} />
      ) : presenter ? (
        <main className="presenter-grid">
          <CurvesView compact />
          <FourierView spectrumOnly />
          <KernelView compact />
          <ReservoirView compact />
        </main>
      ) : (
        <div className="main">
          <aside className="side" aria-label="presets and settings">
            <PresetBar />
            <ExportBar />
            <SettingsPanel />
          </aside>
          <main className="views">
            <CurvesView />
            <FourierView />
            <KernelView />
            <ReservoirView />
            <GateView />
          </main>
        </div>
      )}
    </div>
  );
}
