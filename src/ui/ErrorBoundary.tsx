/**
 * One error boundary per view: a panel that throws while rendering (a bad frame, a
 * chart bug) shows what broke and a "try again" button, and the rest of the page —
 * training included — goes on. React needs a class component for this.
 */
import { Component, type ReactNode } from 'react';

interface Props {
  /** names the panel in the message */
  name: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

export class ViewBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown): void {
    console.error(`view "${this.props.name}" failed:`, error);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel view-error" role="alert" data-testid="view-error">
        <h2>{this.props.name}</h2>
        <p>
          This view stopped with an error: <code>{error.message}</code>. Training and the other views go on.
        </p>
        <button className="small" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </section>
    );
  }
}
