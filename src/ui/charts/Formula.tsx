/**
 * A formula shown on demand: TeX typeset by KaTeX, which is loaded (script and
 * stylesheet) only when the first formula opens, so the page never ships or shows
 * raw TeX. Without TeX the plain-text formula is shown as it is.
 */
import { useEffect, useRef, useState } from 'react';
import type Katex from 'katex';

let katexLoad: Promise<typeof Katex> | null = null;
function loadKatex() {
  katexLoad ??= Promise.all([import('katex'), import('katex/dist/katex.min.css')]).then(([m]) => m.default);
  return katexLoad;
}

export function Formula({ tex, text, id }: { tex?: string; text: string; id: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    if (!tex) return;
    let live = true;
    loadKatex()
      .then((katex) => {
        if (live && ref.current) katex.render(tex, ref.current, { displayMode: true, throwOnError: true, output: 'htmlAndMathml' });
      })
      .catch((e: unknown) => live && setFailed(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [tex]);
  return (
    <div className="formula-pop" id={id} role="note" data-testid="formula">
      {tex && !failed ? <div ref={ref} className="formula-tex" /> : <div className="formula-text">{text}</div>}
      {tex && <p className="formula-words">{text}</p>}
    </div>
  );
}
