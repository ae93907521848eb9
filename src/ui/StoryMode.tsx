/**
 * The lecture story (src/ui/story.ts): one screen at a time, its number, its one
 * sentence and the one or two views it needs, sized to a 1280×720 screen without
 * scrolling. Training goes on underneath; → and ← (or the buttons) step.
 */
import { goStory, storyStep } from './actions';
import { ViewBoundary } from './ErrorBoundary';
import { STORY_STEPS, type StoryViewName } from './story';
import { useLab } from './store';
import { CurvesView } from './views/CurvesView';
import { FourierView } from './views/FourierView';
import { GateView } from './views/GateView';
import { KernelView } from './views/KernelView';
import { ReservoirView } from './views/ReservoirView';

function StoryPane({ name }: { name: StoryViewName }) {
  switch (name) {
    case 'curves':
      return <CurvesView compact />;
    case 'fourier':
      return <FourierView compact />;
    case 'kernel':
      return <KernelView compact />;
    case 'reservoir':
      return <ReservoirView compact />;
    case 'gate':
      return <GateView compact />;
  }
}

export function StoryMode({ n }: { n: number }) {
  const step = STORY_STEPS[n - 1];
  const compare = useLab((s) => s.compare);
  return (
    <main className="story" data-testid="story-step" data-step={n} aria-labelledby="story-title">
      <div className="story-card">
        <p className="story-number">
          Step {n} of {STORY_STEPS.length}
        </p>
        <h2 id="story-title">{step.title}</h2>
        <p className="story-sentence">{step.sentence}</p>
        <nav className="story-nav" aria-label="story">
          <button className="small" onClick={() => storyStep(-1)} disabled={n === 1} aria-keyshortcuts="ArrowLeft">
            ← back
          </button>
          <button className="small" onClick={() => storyStep(1)} disabled={n === STORY_STEPS.length} aria-keyshortcuts="ArrowRight">
            next →
          </button>
          <button className="small" onClick={() => goStory(null)}>
            leave the story
          </button>
        </nav>
        {!compare && step.lane === 1 && <p className="story-note">This screen races gate off against gate on: open it as ?story={n} to start both runs.</p>}
      </div>
      <div className={`story-views n${step.views.length}`}>
        {step.views.map((v) => (
          <ViewBoundary key={v} name={v}>
            <StoryPane name={v} />
          </ViewBoundary>
        ))}
      </div>
    </main>
  );
}
