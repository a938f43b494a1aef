// The payment's state timeline: creation, processor events (applied or refused) and commands,
// oldest first. Built from the audit trail when the API has no timeline endpoint.
import { Alert, Content, Flex, ProgressStep, ProgressStepper, Skeleton } from '@patternfly/react-core';
import { Money } from '../../components/Money';
import { humanize, PaymentStateLabel } from '../../components/StateLabel';
import { ErrorState } from '../../components/ErrorState';
import { Timestamp } from '../../components/Timestamp';
import { ApiError } from '../../lib/api';
import { useAuditTrail, useTimeline } from './api';
import type { AuditRow, Payment, TimelineEntry } from './types';

function stateOf(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return null;
  const s = (v as Record<string, unknown>).current_state;
  return typeof s === 'string' ? s : null;
}

/** The state changes of an audit trail, as timeline entries (the fallback). */
export function timelineFromAudit(rows: readonly AuditRow[]): TimelineEntry[] {
  return rows
    .filter((r) => r.action === 'payment.created' || stateOf(r.before) !== stateOf(r.after))
    .map((r) => ({
      at: r.occurred_at,
      kind: r.action === 'payment.created' ? 'created' : r.actor_type === 'worker' ? 'event' : 'command',
      type: r.action,
      from_state: stateOf(r.before),
      to_state: stateOf(r.after),
      event_id: r.event_id,
      actor: { type: r.actor_type, id: r.actor_id },
      ...(r.reason ? { reason: r.reason } : {}),
    }));
}

const BAD = new Set(['failed', 'charged_back', 'disputed']);

function variantOf(e: TimelineEntry): 'success' | 'warning' | 'danger' | 'info' {
  if (e.outcome === 'rejected') return 'warning';
  if (e.to_state && BAD.has(e.to_state)) return 'danger';
  return e.kind === 'created' ? 'info' : 'success';
}

function titleOf(e: TimelineEntry): string {
  const what = humanize((e.type ?? 'change').replace(/^payment\./, ''));
  if (e.outcome === 'rejected') return `${what} refused`;
  return e.kind === 'command' ? `${what} (command)` : what;
}

function Who({ e }: { e: TimelineEntry }) {
  if (!e.actor) return null;
  return (
    <span>
      by {humanize(e.actor.type).toLowerCase()}
      {e.actor.id ? ` ${e.actor.id}` : ''}
    </span>
  );
}

/** What backtests make of the code: a fraud dispute, another kind, or a code of no known network. */
const DISPUTE_KIND = { true: 'a fraud dispute', false: 'not a fraud dispute', null: 'no known network' };

function DisputeReason({ reason }: { reason: NonNullable<TimelineEntry['dispute_reason']> }) {
  return (
    <span>
      Reason code {reason.code} ({DISPUTE_KIND[String(reason.fraud) as keyof typeof DISPUTE_KIND]})
    </span>
  );
}

function Step({ e, i, currency }: { e: TimelineEntry; i: number; currency: string }) {
  const id = `timeline-${String(i)}`;
  return (
    <ProgressStep
      id={id}
      titleId={`${id}-title`}
      variant={variantOf(e)}
      aria-label={`${titleOf(e)}, ${variantOf(e)}`}
      description={
        <Flex direction={{ default: 'column' }} gap={{ default: 'gapXs' }}>
          <Flex gap={{ default: 'gapSm' }} alignItems={{ default: 'alignItemsCenter' }}>
            {e.from_state && <PaymentStateLabel state={e.from_state} compact />}
            {e.from_state && e.to_state && <span aria-label="to">→</span>}
            {e.to_state && <PaymentStateLabel state={e.to_state} compact />}
            {e.amount_minor !== undefined && <Money minor={e.amount_minor} currency={currency} />}
          </Flex>
          <Flex gap={{ default: 'gapSm' }}>
            <Timestamp value={e.at} seconds />
            <Who e={e} />
          </Flex>
          {e.reason && <span>Reason: {e.reason}</span>}
          {e.dispute_reason && <DisputeReason reason={e.dispute_reason} />}
        </Flex>
      }
    >
      {titleOf(e)}
    </ProgressStep>
  );
}

function Steps({ entries, currency }: { entries: TimelineEntry[]; currency: string }) {
  if (entries.length === 0) return <Content component="p">Nothing has happened to this payment yet.</Content>;
  return (
    <ProgressStepper isVertical aria-label="State timeline">
      {entries.map((e, i) => (
        <Step key={`${e.at}-${String(i)}`} e={e} i={i} currency={currency} />
      ))}
    </ProgressStepper>
  );
}

function Loading() {
  return (
    <div aria-busy="true">
      {[0, 1, 2].map((i) => (
        <Skeleton
          key={i}
          height="3.5rem"
          className="pf-v6-u-mb-md"
          screenreaderText={i === 0 ? 'Loading timeline' : undefined}
        />
      ))}
    </div>
  );
}

function FromAudit({ payment }: { payment: Payment }) {
  const audit = useAuditTrail(payment.id);
  if (audit.isPending) return <Loading />;
  if (audit.error) return <ErrorState error={audit.error} onRetry={() => void audit.refetch()} />;
  return (
    <>
      <Alert
        isInline
        isPlain
        variant="info"
        title="Built from the audit trail: this API has no timeline yet."
        className="pf-v6-u-mb-md"
      />
      <Steps entries={timelineFromAudit(audit.data.data)} currency={payment.currency} />
    </>
  );
}

export function PaymentTimeline({ payment }: { payment: Payment }) {
  const timeline = useTimeline(payment.id);
  if (timeline.isPending) return <Loading />;
  if (timeline.error instanceof ApiError && timeline.error.status === 404)
    return <FromAudit payment={payment} />;
  if (timeline.error) return <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} />;
  return <Steps entries={timeline.data.data} currency={payment.currency} />;
}
