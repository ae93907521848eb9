/**
 * A chart's frame: title, the one-line caption of what to look at, the formula
 * (hover the chart or the ƒ badge), and a PNG export of exactly this chart.
 */
import { useRef, type ReactNode } from 'react';
import { exportPng } from '../download';

export interface PanelProps {
  title: string;
  caption: string;
  formula: string;
  children: ReactNode;
  className?: string;
  testid?: string;
  /** extra controls in the header (toggles, selectors) */
  tools?: ReactNode;
}

export function Panel({ title, caption, formula, children, className, testid, tools }: PanelProps) {
  const ref = useRef<HTMLElement>(null);
  const file = `grokscope-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.png`;
  return (
    <section className={`panel ${className ?? ''}`} ref={ref} data-testid={testid}>
      <header className="panel-head">
        <h3>{title}</h3>
        <span className="formula-badge" title={formula} aria-label={`formula: ${formula}`}>
          ƒ
        </span>
        <span className="panel-tools">
          {tools}
          <button className="small" title="Download this chart as PNG" onClick={() => ref.current && void exportPng(ref.current, file)}>
            PNG
          </button>
        </span>
      </header>
      <p className="caption">{caption}</p>
      <div className="panel-body" title={formula}>
        {children}
      </div>
    </section>
  );
}

/** shown inside a view until its data exists (the view still renders) */
export function Placeholder({ children }: { children: ReactNode }) {
  return <div className="placeholder">{children}</div>;
}
