/** The brand line: what the page is, and the keys. */
import { useLab } from '../store';

export function Banner() {
  const presenter = useLab((s) => s.presenter);
  return (
    <div className="brand">
      <h1>Grokscope</h1>
      {!presenter && (
        <p className="tagline">
          A small network trains on your GPU; the theory's quantities move beside the curves. Keys: <kbd>Space</kbd> play · <kbd>S</kbd> step · <kbd>G</kbd> gate ·{' '}
          <kbd>R</kbd> reset · <kbd>F</kbd> presenter
        </p>
      )}
    </div>
  );
}
