import { Component, type ErrorInfo, type ReactNode } from 'react';
import { PageSection } from '@patternfly/react-core';
import { ErrorState } from '../../components/ErrorState';

interface State {
  error: unknown;
}

/** A page that throws shows what went wrong and a way back, never a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidUpdate(prev: { resetKey?: string }): void {
    if (prev.resetKey !== this.props.resetKey && this.state.error !== undefined)
      this.setState({ error: undefined });
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // Visible in the browser's console for a bug report; the page shows the message.
    console.error('page failed', error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error === undefined) return this.props.children;
    return (
      <PageSection>
        <ErrorState
          title="This page failed"
          error={this.state.error}
          onRetry={() => {
            this.setState({ error: undefined });
          }}
        />
      </PageSection>
    );
  }
}
