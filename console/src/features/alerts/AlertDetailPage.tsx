// One alert, as an analyst works it: what it is and why the rule fired (the condition with the
// values it saw), the payment, the notes, and the actions (acknowledge, assign, resolve), then
// on to the next alert of the same queue.
import {
  Button,
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  EmptyState,
  EmptyStateActions,
  EmptyStateBody,
  EmptyStateFooter,
  Flex,
  FlexItem,
  Grid,
  GridItem,
  PageSection,
  Skeleton,
} from '@patternfly/react-core';
import ArrowRightIcon from '@patternfly/react-icons/dist/esm/icons/arrow-right-icon';
import { useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { GuardedButton, useCan } from '../../components/Guarded';
import { PageHeader } from '../../components/PageHeader';
import { AlertStatusLabel, humanize, SeverityLabel } from '../../components/StateLabel';
import { ErrorState } from '../../components/ErrorState';
import { Timestamp } from '../../components/Timestamp';
import { ApiError, describeError } from '../../lib/api';
import { useUser } from '../../lib/auth';
import { needsRole } from '../../lib/roles';
import { AssignSelect } from './AssignSelect';
import { Explanation } from './Explanation';
import { apiFilters, filterOf, queueSearch, type UrlValues } from './filters';
import { unavailable } from './guards';
import { Notes } from './Notes';
import { PaymentCard } from './PaymentCard';
import {
  useAlert,
  useAlertCommand,
  useAlertPayment,
  useIntentKeys,
  useUserName,
  type Command,
} from './queries';
import { ResolveModal } from './ResolveModal';
import { ShortcutsHelp, useHotkeys } from './shortcuts';
import { Toasts, useToasts } from '../../components/Toasts';
import type { AlertDetail } from './types';
import { useNextAlert } from './useNextAlert';
import './alerts.css';

const SHORTCUTS: [string, string][] = [
  ['a', 'Acknowledge'],
  ['m', 'Assign to me'],
  ['r', 'Resolve…'],
  ['n', 'Next alert'],
  ['u', 'Back to the queue'],
];

/** The queue this alert was opened from: its filters ride along in the URL. */
function useQueue() {
  const [params] = useSearchParams();
  const user = useUser();
  return useMemo(() => {
    const values = {
      status: params.get('status') ?? '',
      severity: params.get('severity') ?? '',
      rule: params.get('rule') ?? '',
      assignee: params.get('assignee') ?? '',
      q: params.get('q') ?? '',
    } satisfies Partial<UrlValues>;
    return { query: apiFilters(filterOf(values), user.id), search: queueSearch(values) };
  }, [params, user.id]);
}

function DetailsList({ alert }: { alert: AlertDetail }) {
  const user = useUser();
  const nameOf = useUserName();
  const rows: [string, React.ReactNode][] = [
    ['Status', <AlertStatusLabel key="s" status={alert.status} />],
    ['Severity', <SeverityLabel key="v" severity={alert.severity} />],
    ['Assignee', nameOf(alert.assignee_id, user.id)],
    ['Raised', <Timestamp key="c" value={alert.created_at} seconds wrap />],
    ['Updated', <Timestamp key="u" value={alert.updated_at} relative />],
  ];
  if (alert.acknowledged_at) {
    rows.push([
      'Acknowledged',
      <span key="a">
        <Timestamp value={alert.acknowledged_at} wrap /> by {nameOf(alert.acknowledged_by, user.id)}
      </span>,
    ]);
  }
  if (alert.resolved_at) {
    rows.push([
      'Resolved',
      <span key="r">
        <Timestamp value={alert.resolved_at} wrap /> by {nameOf(alert.resolved_by, user.id)}
      </span>,
    ]);
    rows.push(['Resolution', alert.resolution ? humanize(alert.resolution) : '—']);
    if (alert.resolution_note) {
      rows.push([
        'Resolution note',
        <span key="n" className="payflow-prewrap">
          {alert.resolution_note}
        </span>,
      ]);
    }
  }
  rows.push(['Alert id', <code key="i">{alert.id}</code>]);
  return (
    <DescriptionList
      isCompact
      isHorizontal
      horizontalTermWidthModifier={{ default: '9rem' }}
      className="payflow-details"
    >
      {rows.map(([term, value]) => (
        <DescriptionListGroup key={term}>
          <DescriptionListTerm>{term}</DescriptionListTerm>
          <DescriptionListDescription>{value}</DescriptionListDescription>
        </DescriptionListGroup>
      ))}
    </DescriptionList>
  );
}

function Subtitle({ alert }: { alert: AlertDetail }) {
  const user = useUser();
  const nameOf = useUserName();
  return (
    <Flex
      gap={{ default: 'gapSm' }}
      alignItems={{ default: 'alignItemsCenter' }}
      flexWrap={{ default: 'wrap' }}
      className="pf-v6-u-mb-md"
    >
      <SeverityLabel severity={alert.severity} />
      <AlertStatusLabel status={alert.status} />
      <span>
        Raised <Timestamp value={alert.created_at} relative />
      </span>
      <span aria-hidden="true">·</span>
      <span>{alert.assignee_id ? `Assigned to ${nameOf(alert.assignee_id, user.id)}` : 'Unassigned'}</span>
    </Flex>
  );
}

const DONE: Record<Command['kind'], string> = {
  acknowledge: 'Alert acknowledged',
  assign: 'Assignee changed',
  resolve: 'Alert resolved',
};

function AlertView({ alert }: { alert: AlertDetail }) {
  const user = useUser();
  const can = useCan('operator');
  const queue = useQueue();
  const { toasts, push, dismiss } = useToasts();
  const command = useAlertCommand();
  const intentKey = useIntentKeys();
  const [resolving, setResolving] = useState(false);
  const next = useNextAlert(queue.query, queue.search, push);
  const { payment, isLoading: paymentLoading, error: paymentError } = useAlertPayment(alert);
  const why = (action: Parameters<typeof unavailable>[0]) => unavailable(action, alert, user.id);

  const run = (c: Command) => {
    const target = c.kind === 'assign' ? String(c.assigneeId) : '';
    command.mutate(
      { alert, command: c, key: intentKey(`${c.kind}:${alert.id}:${String(alert.version)}:${target}`) },
      {
        onSuccess: () => {
          push({ variant: 'success', title: DONE[c.kind] });
        },
        onError: (err) => {
          const stale = err instanceof ApiError && (err.status === 409 || err.status === 412);
          push({
            variant: 'danger',
            title: stale ? 'Someone else changed this alert' : 'The action failed',
            body: stale ? `${describeError(err)} The page shows it as it is now.` : describeError(err),
          });
        },
      },
    );
  };
  /** A shortcut for an action: does it, or says why not. */
  const attempt = (action: 'acknowledge' | 'assignToMe' | 'resolve', act: () => void) => () => {
    const reason = can ? why(action) : needsRole('operator');
    if (reason) push({ variant: 'info', title: reason });
    else act();
  };
  const acknowledge = () => {
    run({ kind: 'acknowledge' });
  };
  const assignToMe = () => {
    run({ kind: 'assign', assigneeId: user.id });
  };
  const openResolve = () => {
    setResolving(true);
  };
  const goNext = () => {
    void next.go(alert);
  };
  const backLink = `/alerts${queue.search}`;

  useHotkeys({
    a: attempt('acknowledge', acknowledge),
    m: attempt('assignToMe', assignToMe),
    r: attempt('resolve', openResolve),
    n: goNext,
    u: () => {
      document.getElementById('alert-back-to-queue')?.click();
    },
  });

  return (
    <>
      <PageHeader
        title={alert.title}
        actions={
          <Flex gap={{ default: 'gapSm' }} alignItems={{ default: 'alignItemsCenter' }}>
            <Link id="alert-back-to-queue" to={backLink} className="payflow-back-link">
              Back to queue
            </Link>
            <Button
              variant={alert.status === 'open' ? 'secondary' : 'primary'}
              icon={<ArrowRightIcon />}
              iconPosition="end"
              onClick={goNext}
              isLoading={next.pending}
            >
              Next alert
            </Button>
          </Flex>
        }
      />
      <PageSection
        className="payflow-alert-actions"
        aria-label="Status and actions"
        data-tour-id="alert-actions"
      >
        <Subtitle alert={alert} />
        <Flex
          gap={{ default: 'gapSm' }}
          alignItems={{ default: 'alignItemsCenter' }}
          flexWrap={{ default: 'wrap' }}
        >
          <GuardedButton
            need="operator"
            reason={why('acknowledge')}
            variant={alert.status === 'open' ? 'primary' : 'secondary'}
            onClick={acknowledge}
            isLoading={command.isPending && command.variables.command.kind === 'acknowledge'}
          >
            Acknowledge
          </GuardedButton>
          <GuardedButton need="operator" reason={why('assignToMe')} variant="secondary" onClick={assignToMe}>
            Assign to me
          </GuardedButton>
          <GuardedButton
            need="operator"
            reason={why('resolve')}
            variant={alert.status === 'acknowledged' ? 'primary' : 'secondary'}
            onClick={openResolve}
          >
            Resolve
          </GuardedButton>
          <FlexItem className="payflow-assign">
            <AssignSelect
              current={alert.assignee_id}
              meId={user.id}
              disabledReason={can ? why('assign') : needsRole('operator')}
              onAssign={(assigneeId) => {
                run({ kind: 'assign', assigneeId });
              }}
            />
          </FlexItem>
          <FlexItem align={{ default: 'alignRight' }}>
            <ShortcutsHelp shortcuts={SHORTCUTS} />
          </FlexItem>
        </Flex>
      </PageSection>
      <PageSection>
        <Grid hasGutter>
          <GridItem lg={8}>
            <Flex direction={{ default: 'column' }} gap={{ default: 'gapLg' }}>
              <Card>
                <CardTitle component="h2">Why it fired</CardTitle>
                <CardBody>
                  <Explanation alert={alert} currency={payment?.currency} />
                </CardBody>
              </Card>
              <Card>
                <CardTitle component="h2">Notes</CardTitle>
                <CardBody>
                  <Notes alert={alert} />
                </CardBody>
              </Card>
            </Flex>
          </GridItem>
          <GridItem lg={4}>
            <Flex direction={{ default: 'column' }} gap={{ default: 'gapLg' }}>
              <Card>
                <CardTitle component="h2">Payment</CardTitle>
                <CardBody>
                  <PaymentCard
                    paymentId={alert.payment_id}
                    payment={payment}
                    isLoading={paymentLoading}
                    error={paymentError}
                  />
                </CardBody>
              </Card>
              <Card>
                <CardTitle component="h2">Details</CardTitle>
                <CardBody>
                  <DetailsList alert={alert} />
                </CardBody>
              </Card>
            </Flex>
          </GridItem>
        </Grid>
      </PageSection>
      {resolving && (
        <ResolveModal
          alert={alert}
          onClose={() => {
            setResolving(false);
          }}
          onResolved={() => {
            setResolving(false);
            push({ variant: 'success', title: DONE.resolve, body: 'Press n for the next alert.' });
          }}
        />
      )}
      <Toasts toasts={toasts} dismiss={dismiss} />
    </>
  );
}

function Loading() {
  return (
    <>
      <PageSection aria-busy="true">
        <Skeleton fontSize="2xl" width="60%" screenreaderText="Loading the alert" />
        <Skeleton width="40%" className="pf-v6-u-mt-sm" />
      </PageSection>
      <PageSection>
        <Grid hasGutter>
          <GridItem lg={8}>
            <Skeleton height="16rem" />
          </GridItem>
          <GridItem lg={4}>
            <Skeleton height="16rem" />
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}

function NotFound({ id }: { id: string }) {
  return (
    <>
      <PageHeader title="Alert not found" />
      <PageSection>
        <EmptyState headingLevel="h2" titleText={`There is no alert ${id}`} variant="sm">
          <EmptyStateBody>It may have been removed, or the link is mistyped.</EmptyStateBody>
          <EmptyStateFooter>
            <EmptyStateActions>
              <Link to="/alerts">Go to the alert queue</Link>
            </EmptyStateActions>
          </EmptyStateFooter>
        </EmptyState>
      </PageSection>
    </>
  );
}

export default function AlertDetailPage() {
  const { alertId = '' } = useParams();
  const alert = useAlert(alertId);
  if (alert.data) return <AlertView key={alertId} alert={alert.data} />;
  if (alert.error instanceof ApiError && alert.error.status === 404) return <NotFound id={alertId} />;
  if (alert.error) {
    return (
      <>
        <PageHeader title="Alert" />
        <PageSection>
          <ErrorState
            error={alert.error}
            title="Could not load the alert"
            onRetry={() => {
              void alert.refetch();
            }}
          />
        </PageSection>
      </>
    );
  }
  return <Loading />;
}
