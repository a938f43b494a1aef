// The cards about the platform itself: the events queue and its dead letters, open alerts by
// severity, the live workers, and the health score with how it was computed.
import {
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  FlexItem,
  Progress,
  ProgressMeasureLocation,
  ProgressVariant,
} from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExclamationCircleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon';
import ExclamationTriangleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon';
import OutlinedQuestionCircleIcon from '@patternfly/react-icons/dist/esm/icons/outlined-question-circle-icon';
import { Link } from 'react-router';
import { LazyPopover } from '../../components/LazyPopover';
import { StaticLabel } from '../../components/StaticLabel';
import { HealthLabel, SeverityLabel } from '../../components/StateLabel';
import { Timestamp } from '../../components/Timestamp';
import { formatCount, formatDuration, formatPercent } from '../../lib/format';
import { BigNumber, DashCard, EmptyNote, type CardState } from './DashCard';
import type { AlertStats, HealthReport, QueueStats } from './data';
import {
  SEVERITIES,
  inputName,
  queueSummaries,
  scoreTier,
  severityCount,
  workerSummary,
  type QueueSummary,
  type ScoreTier,
} from './shape';

const SYSTEM_HEIGHT = 168;

function QueueBlock({ q, only }: { q: QueueSummary; only: boolean }) {
  const dlq = q.dlq ?? 0;
  return (
    <div className="payflow-dash-queue">
      {!only && <div className="payflow-dash-queue__name">{q.name}</div>}
      <Flex gap={{ default: 'gap2xl' }} alignItems={{ default: 'alignItemsFlexEnd' }}>
        <FlexItem>
          <BigNumber value={formatCount(q.waiting)} caption="waiting" />
        </FlexItem>
        <FlexItem>
          <BigNumber value={formatCount(q.inFlight)} caption="in flight" />
        </FlexItem>
        <FlexItem>
          <BigNumber value={q.dlq === null ? '—' : formatCount(q.dlq)} caption="dead letters" />
        </FlexItem>
      </Flex>
      <DescriptionList isHorizontal isCompact className="payflow-dash-dl">
        <DescriptionListGroup>
          <DescriptionListTerm>Oldest message</DescriptionListTerm>
          <DescriptionListDescription>
            {q.oldestAgeSeconds === null ? 'none waiting' : formatDuration(q.oldestAgeSeconds)}
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Dead-letter queue</DescriptionListTerm>
          <DescriptionListDescription>
            {q.dlq === null && 'not configured'}
            {q.dlq !== null && dlq === 0 && (
              <StaticLabel status="success" icon={<CheckCircleIcon />} compact>
                Empty
              </StaticLabel>
            )}
            {dlq > 0 && (
              <StaticLabel status="danger" icon={<ExclamationCircleIcon />} compact>
                {formatCount(dlq)} dead-lettered
                {q.dlqOldestAgeSeconds !== null && `, oldest ${formatDuration(q.dlqOldestAgeSeconds)}`}
              </StaticLabel>
            )}
          </DescriptionListDescription>
        </DescriptionListGroup>
      </DescriptionList>
    </div>
  );
}

export function QueueCard({ stats, state }: { stats: QueueStats | undefined; state: CardState }) {
  const queues = stats ? queueSummaries(stats) : [];
  return (
    <DashCard
      title="Queue"
      minHeight={SYSTEM_HEIGHT}
      state={state}
      footer={
        stats && (
          <span className="payflow-dash-caption">
            Sampled <Timestamp value={stats.sampled_at} relative />
          </span>
        )
      }
    >
      {queues.length === 0 ? (
        <EmptyNote>No queue is configured.</EmptyNote>
      ) : (
        queues.map((q) => <QueueBlock key={q.name} q={q} only={queues.length === 1} />)
      )}
    </DashCard>
  );
}

export function alertsHref(severity: string): string {
  return `/alerts?status=open&severity=${encodeURIComponent(severity)}`;
}

export function OpenAlertsCard({ stats, state }: { stats: AlertStats | undefined; state: CardState }) {
  const acknowledged = SEVERITIES.reduce((s, v) => s + severityCount(stats?.acknowledged, v), 0);
  return (
    <DashCard
      title="Open alerts"
      tourId="dash-open-alerts"
      minHeight={SYSTEM_HEIGHT}
      state={state}
      actions={
        <Link to="/alerts?status=open" className="payflow-dash-link">
          View all
        </Link>
      }
      footer={
        stats && (
          <span className="payflow-dash-caption">
            {formatCount(stats.total_open - acknowledged)} open · {formatCount(acknowledged)} acknowledged
          </span>
        )
      }
    >
      <ul className="payflow-dash-severities">
        {SEVERITIES.map((s) => {
          const n = severityCount(stats?.open, s);
          return (
            <li key={s}>
              <Link
                to={alertsHref(s)}
                className={`payflow-dash-severity${n > 0 ? ' payflow-dash-severity--active' : ''}`}
              >
                <span className="payflow-dash-severity__count payflow-tabular">{formatCount(n)}</span>{' '}
                <SeverityLabel severity={s} compact />{' '}
                <span className="pf-v6-screen-reader">open alerts</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </DashCard>
  );
}

export function WorkersCard({ report, state }: { report: HealthReport | undefined; state: CardState }) {
  const w = report ? workerSummary(report) : undefined;
  const shown = w?.instances.slice(0, 2) ?? [];
  return (
    <DashCard
      title="Workers"
      minHeight={SYSTEM_HEIGHT}
      state={state}
      actions={
        <Link to="/health" className="payflow-dash-link">
          Health
        </Link>
      }
    >
      {w && (
        <>
          <Flex gap={{ default: 'gapMd' }} alignItems={{ default: 'alignItemsCenter' }}>
            <BigNumber
              value={formatCount(w.live)}
              caption={
                <>
                  {w.live === 1 ? 'live worker' : 'live workers'}
                  {w.eventsPerSecond !== null && ` · ${formatCount(Math.round(w.eventsPerSecond))} events/s`}
                </>
              }
            />
            {w.status && <HealthLabel status={w.status} compact />}
          </Flex>
          {w.live === 0 && <EmptyNote>No worker is running: payment events are not being applied.</EmptyNote>}
          {w.down > 0 && (
            <div className="payflow-dash-caption">
              <ExclamationTriangleIcon color="var(--pf-t--global--icon--color--status--warning--default)" />{' '}
              {formatCount(w.down)} stopped beating without a clean stop
            </div>
          )}
          <ul className="payflow-dash-instances" aria-label="Worker instances">
            {shown.map((i) => (
              <li key={i.instance_id}>
                <span
                  className="pf-v6-u-font-family-monospace payflow-dash-ellipsis"
                  title={i.version ? `${i.instance_id} (v${i.version})` : i.instance_id}
                >
                  {i.instance_id}
                </span>
                <span className="payflow-dash-caption payflow-dash-nowrap">
                  {i.status === 'down' ? 'stopped' : <Timestamp value={i.last_seen_at} relative />}
                </span>
              </li>
            ))}
          </ul>
          {w.instances.length > shown.length && (
            <div className="payflow-dash-caption">
              and {formatCount(w.instances.length - shown.length)} more
            </div>
          )}
        </>
      )}
    </DashCard>
  );
}

const TIER: Record<
  ScoreTier,
  { word: string; status: 'success' | 'warning' | 'danger'; variant?: ProgressVariant }
> = {
  up: { word: 'Healthy', status: 'success', variant: ProgressVariant.success },
  degraded: { word: 'Degraded', status: 'warning', variant: ProgressVariant.warning },
  down: { word: 'Unhealthy', status: 'danger', variant: ProgressVariant.danger },
};

const TIER_ICON = { up: CheckCircleIcon, degraded: ExclamationTriangleIcon, down: ExclamationCircleIcon };

const REPORT_TIER: Record<HealthReport['status'], ScoreTier> = {
  healthy: 'up',
  degraded: 'degraded',
  unhealthy: 'down',
};

function TierLabel({ tier }: { tier: ScoreTier }) {
  const Icon = TIER_ICON[tier];
  return (
    <StaticLabel status={TIER[tier].status} icon={<Icon />}>
      {TIER[tier].word}
    </StaticLabel>
  );
}

function ScoreExplanation({ score }: { score: NonNullable<HealthReport['score']> }) {
  return (
    <div className="payflow-dash-score-help">
      <p>{score.explanation}</p>
      <table className="payflow-dash-inputs" aria-label="Health score inputs">
        <thead>
          <tr>
            <th scope="col">Input</th>
            <th scope="col" className="payflow-dash-num">
              Weight
            </th>
            <th scope="col" className="payflow-dash-num">
              Score
            </th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {score.inputs.map((i) => (
            <tr key={i.name} className={i.weight === 0 ? 'payflow-dash-inputs--na' : undefined}>
              <th scope="row">{inputName(i.name)}</th>
              <td className="payflow-dash-num payflow-tabular">
                {i.weight === 0 ? 'n/a' : formatCount(i.weight)}
              </td>
              <td className="payflow-dash-num payflow-tabular">
                {i.weight === 0 ? '—' : formatPercent(i.value, 0)}
              </td>
              <td>{i.why}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function HealthScoreCard({ report, state }: { report: HealthReport | undefined; state: CardState }) {
  const score = report?.score;
  const help = score && (
    <LazyPopover
      headerContent="How is the health score computed?"
      bodyContent={<ScoreExplanation score={score} />}
      maxWidth="40rem"
      position="auto"
      trigger={{
        variant: 'link',
        isInline: true,
        icon: <OutlinedQuestionCircleIcon />,
        children: 'How is this computed?',
      }}
    />
  );
  return (
    <DashCard title="Health score" minHeight={132} state={state} footer={help}>
      {report && !score && (
        <>
          <Flex gap={{ default: 'gapMd' }} alignItems={{ default: 'alignItemsCenter' }}>
            <BigNumber value="—" />
            <TierLabel tier={REPORT_TIER[report.status]} />
          </Flex>
          <EmptyNote>This API reports the overall status only, not a score yet.</EmptyNote>
        </>
      )}
      {score && (
        <>
          <Flex gap={{ default: 'gapMd' }} alignItems={{ default: 'alignItemsCenter' }}>
            <BigNumber value={formatCount(score.value)} unit="/ 100" />
            <TierLabel tier={scoreTier(score.value)} />
          </Flex>
          <Progress
            value={score.value}
            measureLocation={ProgressMeasureLocation.none}
            variant={TIER[scoreTier(score.value)].variant}
            aria-label={`Health score ${String(score.value)} of 100`}
            size="sm"
            className="payflow-dash-progress"
          />
        </>
      )}
    </DashCard>
  );
}
