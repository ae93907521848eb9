/**
 * A chart's frame: title, the one-line caption of what to look at, the formula
 * (the ƒ button opens it, typeset by KaTeX when `tex` is given), and a PNG export
 * of exactly this chart.
 */
import { useId, useRef, useState, type ReactNode } from 'react';
import { exportPng } from '../download';
import { Formula } from './Formula';

export interface PanelProps {
  title: string;
  caption: string;
  /** the formula in words and symbols (read aloud, and shown under the typeset form) */
  formula: string;
  /** the same formula as TeX, typeset by KaTeX when opened */
  tex?: string;
  children: ReactNode;
  className?: string;
  testid?: string;
  /** extra controls in the header (toggles, selectors) */
  tools?: ReactNode;
  /** 2 for a panel that stands on its own under the page title (the curves); 3 inside a view */
  level?: 2 | 3;
}

export function Panel({ title, caption, formula, tex, children, className, testid, tools, level = 3 }: PanelProps) {
  const ref = useRef<HTMLElement>(null);
  const [open, setOpen] = useState(false);
  const formulaId = useId();
  const file = `grokscope-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.png`;
  return (
    <section className={`panel ${className ?? ''}`} ref={ref} data-testid={testid}>
      <header className="panel-head">
        {level === 2 ? <h2 className="panel-title">{title}</h2> : <h3 className="panel-title">{title}</h3>}
        <button className="formula-badge" aria-expanded={open} aria-controls={formulaId} aria-label={`formula of ${title}`} onClick={() => setOpen((o) => !o)}>
          ƒ
        </button>
        <span className="panel-tools">
          {tools}
          <button className="small" title="Download this chart as PNG" onClick={() => ref.current && void exportPng(ref.current, file)}>
            PNG
          </button>
        </span>
      </header>
      <p className="caption">{caption}</p>
      {open && <Formula tex={tex} text={formula} id={formulaId} />}
      <div className="panel-body">{children}</div>
    </section>
  );
}

/** shown inside a view until its data exists (the view still renders) */
export function Placeholder({ children }: { children: ReactNode }) {
  return <div className="placeholder">{children}</div>;
}
