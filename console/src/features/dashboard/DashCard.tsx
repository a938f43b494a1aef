// The frame of every dashboard card: a titled section (the title is a heading, the section is
// named by it), a body of reserved height so nothing shifts when data arrives, and the three
// states besides data: loading (a skeleton of the same height), error (with "Try again") and,
// by the card itself, empty.
import { Card, CardBody, CardFooter, CardHeader, CardTitle, Skeleton, Title } from '@patternfly/react-core';
import { useId, type CSSProperties, type ReactNode } from 'react';
import { ErrorState } from '../../components/ErrorState';

export interface CardState {
  isLoading: boolean;
  error: unknown;
  onRetry: () => void;
  /** The data shown belongs to another window and is being replaced. */
  stale?: boolean;
}

export function DashCard({
  title,
  minHeight,
  state,
  actions,
  footer,
  children,
  tourId,
}: {
  title: string;
  /** The guided tour's anchor (data-tour-id). */
  tourId?: string;
  /** The body's reserved height in px (loading, error and data all take it). */
  minHeight: number;
  state: CardState;
  actions?: ReactNode;
  footer?: ReactNode;
  children: ReactNode;
}) {
  const id = useId();
  const { isLoading, error, onRetry, stale } = state;
  let body: ReactNode = children;
  if (isLoading) body = <Skeleton height={`${String(minHeight)}px`} screenreaderText={`Loading ${title}`} />;
  else if (error) body = <ErrorState error={error} onRetry={onRetry} title={`Could not load ${title}`} />;
  return (
    <Card
      component="section"
      aria-labelledby={id}
      isFullHeight
      className="payflow-dash-card"
      aria-busy={isLoading || stale ? true : undefined}
      data-tour-id={tourId}
    >
      <CardHeader actions={actions ? { actions, hasNoOffset: true } : undefined}>
        <CardTitle>
          <Title headingLevel="h2" size="md" id={id}>
            {title}
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody
        className={stale ? 'payflow-dash-stale' : undefined}
        style={{ '--payflow-dash-body-min': `${String(minHeight)}px` } as CSSProperties}
      >
        {body}
      </CardBody>
      {footer && !isLoading && !error && <CardFooter>{footer}</CardFooter>}
    </Card>
  );
}

/** A chart's place while the chart library loads: the same height, so nothing moves. */
export function ChartSkeleton({ height, label }: { height: number; label: string }) {
  return <Skeleton height={`${String(height)}px`} screenreaderText={`Loading the ${label} chart`} />;
}

/** A big number with its unit and a caption: the headline of a card. */
export function BigNumber({
  value,
  unit,
  caption,
  small,
}: {
  value: ReactNode;
  unit?: ReactNode;
  caption?: ReactNode;
  /** One size down, for two long headline numbers side by side. */
  small?: boolean;
}) {
  return (
    <div className={small ? 'payflow-dash-big payflow-dash-big--small' : 'payflow-dash-big'}>
      <div className="payflow-dash-big__line">
        <span className="payflow-dash-big__value payflow-tabular">{value}</span>
        {unit && <span className="payflow-dash-big__unit">{unit}</span>}
      </div>
      {caption && <div className="payflow-dash-big__caption">{caption}</div>}
    </div>
  );
}

/** What a card says when the window holds nothing to show. */
export function EmptyNote({ children }: { children: ReactNode }) {
  return <div className="payflow-dash-empty">{children}</div>;
}
