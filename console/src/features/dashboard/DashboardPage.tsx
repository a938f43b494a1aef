// The live overview operators keep open all day: payments and their outcomes over a chosen
// window, value by currency, the queue, open alerts, workers, the health score and the newest
// payments. Every card refreshes from the live stream (and health and queue on a slow timer).
import {
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Grid,
  GridItem,
  PageSection,
  Skeleton,
  Title,
  ToggleGroup,
  ToggleGroupItem,
} from '@patternfly/react-core';
import { lazy, Suspense } from 'react';
import { PageHeader } from '../../components/PageHeader';
import { Timestamp } from '../../components/Timestamp';
import { useUrlState } from '../../lib/url-state';
import type { CardState } from './DashCard';
import { explainError, PATHS, useAlertStats, useHealthReport, useOverview, useQueueStats } from './data';
import {
  PaymentsPerMinuteCard,
  StateMixCard,
  SuccessRateCard,
  TimeToFinalCard,
  ValueByCurrencyCard,
} from './OverviewCards';
import { parseWindow, WINDOWS, windowWords, type DashboardWindow } from './shape';
import { HealthScoreCard, OpenAlertsCard, QueueCard, WorkersCard } from './SystemCards';
import './dashboard.css';

// The latest payments table brings the table library with it; it sits below the cards, so it loads
// in its own chunk after the first paint (its placeholder keeps the final height).
const LatestPayments = lazy(async () => ({ default: (await import('./LatestPayments')).LatestPayments }));

function LatestPaymentsPlaceholder() {
  return (
    <Card component="section" className="payflow-dash-card" aria-busy="true">
      <CardHeader>
        <CardTitle>
          <Title headingLevel="h2" size="md">
            Latest payments
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody>
        <Skeleton height="26rem" screenreaderText="Loading the latest payments" />
      </CardBody>
    </Card>
  );
}

interface QueryLike {
  isLoading: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
  isPlaceholderData?: boolean;
}

function cardState(q: QueryLike, path: string): CardState {
  return {
    isLoading: q.isLoading,
    error: q.error ? explainError(q.error, path) : null,
    onRetry: () => void q.refetch(),
    stale: q.isPlaceholderData,
  };
}

function WindowSelector({
  value,
  onChange,
}: {
  value: DashboardWindow;
  onChange: (w: DashboardWindow) => void;
}) {
  return (
    <ToggleGroup aria-label="Time window" isCompact data-tour-id="dash-window">
      {WINDOWS.map((w) => (
        <ToggleGroupItem
          key={w}
          text={w}
          buttonId={`dashboard-window-${w}`}
          isSelected={value === w}
          onChange={() => {
            onChange(w);
          }}
        />
      ))}
    </ToggleGroup>
  );
}

export default function DashboardPage() {
  const url = useUrlState(['window']);
  const window = parseWindow(url.values.window);
  const overview = useOverview(window);
  const alerts = useAlertStats();
  const queue = useQueueStats();
  const health = useHealthReport();
  const overviewState = cardState(overview, PATHS.OVERVIEW);
  const props = { overview: overview.data, state: overviewState, window };
  const healthState = cardState(health, PATHS.HEALTH);
  return (
    <>
      <PageHeader
        title="Dashboard"
        description={<>Payments over {windowWords(window)}, the queue, alerts and health, live.</>}
        actions={
          <div className="payflow-dash-actions">
            <WindowSelector
              value={window}
              onChange={(w) => {
                url.set({ window: w });
              }}
            />
            <span className="payflow-dash-updated">
              {overview.data ? (
                <>
                  Updated <Timestamp value={overview.data.generated_at} seconds />
                </>
              ) : (
                '\u00a0'
              )}
            </span>
          </div>
        }
      />
      <PageSection className="payflow-dash">
        <Grid hasGutter>
          <GridItem span={12} md={6} xl={3}>
            <SuccessRateCard {...props} />
          </GridItem>
          <GridItem span={12} md={6} xl={3}>
            <TimeToFinalCard {...props} />
          </GridItem>
          <GridItem span={12} md={6} xl={3}>
            <HealthScoreCard report={health.data} state={healthState} />
          </GridItem>
          <GridItem span={12} md={6} xl={3}>
            <WorkersCard report={health.data} state={healthState} />
          </GridItem>
          <GridItem span={12} xl={8}>
            <PaymentsPerMinuteCard {...props} />
          </GridItem>
          <GridItem span={12} md={6} xl={4}>
            <StateMixCard {...props} />
          </GridItem>
          <GridItem span={12} md={6} xl={4} className="payflow-dash-offscreen">
            <ValueByCurrencyCard {...props} />
          </GridItem>
          <GridItem span={12} md={6} xl={4} className="payflow-dash-offscreen">
            <QueueCard stats={queue.data} state={cardState(queue, PATHS.QUEUE)} />
          </GridItem>
          <GridItem span={12} md={6} xl={4} className="payflow-dash-offscreen">
            <OpenAlertsCard stats={alerts.data} state={cardState(alerts, PATHS.ALERTS)} />
          </GridItem>
          <GridItem span={12} className="payflow-dash-offscreen">
            <Suspense fallback={<LatestPaymentsPlaceholder />}>
              <LatestPayments />
            </Suspense>
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}
