// The overall status: the 0–100 score with its word and bar, how many components are in each
// status, what needs attention, and a popover that shows how the score was computed.
import {
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Flex,
  FlexItem,
  Progress,
  ProgressMeasureLocation,
  ProgressVariant,
  Skeleton,
  Title,
} from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExclamationCircleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon';
import ExclamationTriangleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon';
import OutlinedQuestionCircleIcon from '@patternfly/react-icons/dist/esm/icons/outlined-question-circle-icon';
import { LazyPopover } from '../../components/LazyPopover';
import { StaticLabel } from '../../components/StaticLabel';
import { HealthLabel } from '../../components/StateLabel';
import { componentLabel, statusCounts, tierOf, type HealthView, type Score, type Tier } from './model';

const TIER: Record<
  Tier,
  {
    word: string;
    status: 'success' | 'warning' | 'danger';
    variant?: ProgressVariant;
    Icon: typeof CheckCircleIcon;
  }
> = {
  healthy: { word: 'Healthy', status: 'success', variant: ProgressVariant.success, Icon: CheckCircleIcon },
  degraded: {
    word: 'Degraded',
    status: 'warning',
    variant: ProgressVariant.warning,
    Icon: ExclamationTriangleIcon,
  },
  unhealthy: {
    word: 'Unhealthy',
    status: 'danger',
    variant: ProgressVariant.danger,
    Icon: ExclamationCircleIcon,
  },
};

function TierLabel({ tier }: { tier: Tier }) {
  const { word, status, Icon } = TIER[tier];
  return (
    <StaticLabel status={status} icon={<Icon />}>
      {word}
    </StaticLabel>
  );
}

const PERCENT = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });

function ScoreInputs({ score }: { score: Score }) {
  return (
    <div className="payflow-health-inputs">
      {score.explanation && <p>{score.explanation}</p>}
      {score.inputs.length > 0 && (
        <table aria-label="Score inputs">
          <thead>
            <tr>
              <th scope="col">Input</th>
              <th scope="col" className="payflow-health-num">
                Weight
              </th>
              <th scope="col" className="payflow-health-num">
                Value
              </th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {score.inputs.map((i) => (
              <tr key={i.name} className={i.weight === 0 ? 'payflow-health-inputs__na' : undefined}>
                <th scope="row">{componentLabel(i.name)}</th>
                <td className="payflow-health-num payflow-tabular">
                  {i.weight === 0 ? 'n/a' : String(i.weight)}
                </td>
                <td className="payflow-health-num payflow-tabular">
                  {i.weight === 0 ? '—' : PERCENT.format(i.value)}
                </td>
                <td>{i.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Attention({ view }: { view: HealthView }) {
  const bad = [...view.services, ...view.dependencies].filter(
    (c) => c.status === 'down' || c.status === 'degraded',
  );
  if (bad.length === 0)
    return <p className="payflow-health-muted">Every configured component answers as expected.</p>;
  return (
    <ul className="payflow-health-attention" aria-label="Needs attention">
      {bad.map((c) => (
        <li key={c.name}>
          <HealthLabel status={c.status} compact /> <strong>{c.label}</strong>
          {c.message && <span className="payflow-health-muted"> — {c.message}</span>}
        </li>
      ))}
    </ul>
  );
}

const SUMMARY_HEIGHT = 120;

export function SummaryCard({ view, isLoading }: { view: HealthView | undefined; isLoading: boolean }) {
  const tier = view ? tierOf(view) : undefined;
  const counts = view ? statusCounts(view) : undefined;
  const score = view?.score;
  return (
    <Card
      component="section"
      aria-labelledby="health-summary-title"
      aria-busy={isLoading || undefined}
      data-tour-id="health-summary"
    >
      <CardHeader
        actions={
          score
            ? {
                hasNoOffset: true,
                actions: (
                  <LazyPopover
                    headerContent="How is the health score computed?"
                    bodyContent={<ScoreInputs score={score} />}
                    maxWidth="44rem"
                    position="bottom-end"
                    trigger={{
                      variant: 'link',
                      isInline: true,
                      icon: <OutlinedQuestionCircleIcon />,
                      children: 'How is this computed?',
                    }}
                  />
                ),
              }
            : undefined
        }
      >
        <CardTitle>
          <Title headingLevel="h2" size="md" id="health-summary-title">
            Overall status
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody style={{ minHeight: `${String(SUMMARY_HEIGHT)}px` }}>
        {isLoading || !view ? (
          <Skeleton height={`${String(SUMMARY_HEIGHT)}px`} screenreaderText="Loading the overall status" />
        ) : (
          <div className="payflow-health-summary">
            <div>
              <Flex gap={{ default: 'gapMd' }} alignItems={{ default: 'alignItemsCenter' }}>
                <FlexItem>
                  <span className="payflow-health-score payflow-tabular">
                    {score ? String(score.value) : '—'}
                  </span>
                  <span className="payflow-health-muted"> / 100</span>
                </FlexItem>
                {tier && (
                  <FlexItem>
                    <TierLabel tier={tier} />
                  </FlexItem>
                )}
              </Flex>
              {score ? (
                <Progress
                  value={score.value}
                  measureLocation={ProgressMeasureLocation.none}
                  variant={tier ? TIER[tier].variant : undefined}
                  aria-label={`Health score ${String(score.value)} of 100`}
                  size="sm"
                  className="payflow-health-progress"
                />
              ) : (
                <p className="payflow-health-muted">This API reports the overall status only, not a score.</p>
              )}
              {counts && (
                <p className="payflow-health-counts payflow-tabular">
                  {counts.up} up · {counts.degraded} degraded · {counts.down} down · {counts.not_configured}{' '}
                  not configured
                </p>
              )}
            </div>
            <Attention view={view} />
          </div>
        )}
      </CardBody>
    </Card>
  );
}
