/** Space play/pause, G gate toggle, S step, R reset, F presenter mode, → ← story screens (not while typing in a field). */
import { useEffect } from 'react';
import { reset, stepOnce, storyStep, toggleGate, togglePlay } from './actions';
import { useLab } from './store';

const KEYS: Record<string, () => void> = {
  ' ': togglePlay,
  g: toggleGate,
  s: stepOnce,
  r: reset,
  f: () => useLab.setState((s) => ({ presenter: !s.presenter })),
  arrowright: () => storyStep(1),
  arrowleft: () => storyStep(-1),
};

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'file'].includes(target.type);
  return target.tagName === 'SELECT' || target.tagName === 'TEXTAREA' || target.isContentEditable;
}

export function useKeyboard(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const key = e.key.toLowerCase();
      const action = KEYS[key];
      if (!action) return;
      // arrows belong to the story; elsewhere they keep their usual meaning (scrolling, sliders)
      if (key.startsWith('arrow') && useLab.getState().story === null) return;
      e.preventDefault();
      // a focused button would also "click" on Space: drop the focus first
      if (document.activeElement instanceof HTMLElement && document.activeElement !== document.body) document.activeElement.blur();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
