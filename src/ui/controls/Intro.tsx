/** The brand line: what the page is, and the keys; on a first visit, one line of guidance. */
import { useState } from 'react';
import { useLab } from '../store';

const VISITED_KEY = 'grokscope-visited';

function firstVisit(): boolean {
  try {
    return localStorage.getItem(VISITED_KEY) === null;
  } catch {
    return false; // storage blocked: no way to remember, so stay quiet
  }
}

/** one line for a first visit to the bare URL; gone once dismissed (remembered in localStorage) */
export function FirstVisit() {
  const landing = useLab((s) => s.landing);
  const [show, setShow] = useState(firstVisit);
  if (!landing || !show) return null;
  const dismiss = () => {
    try {
      localStorage.setItem(VISITED_KEY, '1');
    } catch {
      /* nothing to remember it in */
    }
    setShow(false);
  };
  return (
    <p className="first-visit" data-testid="first-visit">
      The lecture run is training: held-out accuracy jumps near step 1,000 as a few Fourier frequencies take over the embedding. <a href="?story=1">Follow the story</a> or press <kbd>F</kbd> for
      presenter mode.{' '}
      <button className="small" onClick={dismiss} aria-label="dismiss the first-visit guidance">
        got it
      </button>
    </p>
  );
}

export function Banner() {
  const presenter = useLab((s) => s.presenter);
  const story = useLab((s) => s.story);
  return (
    <div className="brand">
      <h1>Grokscope</h1>
      {!presenter && story === null && (
        <p className="tagline">
          A small network trains on your GPU; the theory's quantities move beside the curves. Keys: <kbd>Space</kbd> play · <kbd>S</kbd> step · <kbd>G</kbd> gate · <kbd>R</kbd> reset · <kbd>F</kbd>{' '}
          presenter
        </p>
      )}
      {story !== null && (
        <p className="tagline">
          Story mode: <kbd>→</kbd> next · <kbd>←</kbd> back · <kbd>Space</kbd> play/pause
        </p>
      )}
    </div>
  );
}
