// One payment (OpenShift console's detail page): its summary, the commands its state allows,
// and tabs for the details, the state timeline, the audit trail and the rule hits and alerts.
import {
  Button,
  Card,
  CardBody,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  EmptyState,
  EmptyStateActions,
  EmptyStateBody,
  EmptyStateFooter,
  Flex,
  PageSection,
  Skeleton,
  Tab,
  Tabs,
  TabTitleText,
} from '@patternfly/react-core';
import SearchIcon from '@patternfly/react-icons/dist/esm/icons/search-icon';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { Money } from '../../components/Money';
import { PageHeader } from '../../components/PageHeader';
import { PaymentStateLabel } from '../../components/StateLabel';
import { ErrorState } from '../../components/ErrorState';
import { Timestamp } from '../../components/Timestamp';
import { ApiError } from '../../lib/api';
import { useCompact } from '../../lib/preferences';
import { useUrlState } from '../../lib/url-state';
import { usePayment } from './api';
import { COMMAND_STATES } from './commands';
import { refundableMinor } from './money';
import { PaymentAuditTrail } from './PaymentAuditTrail';
import { PaymentCommands } from './PaymentCommands';
import { PaymentRuleHits } from './PaymentRuleHits';
import { PaymentTimeline } from './PaymentTimeline';
import { Flags } from './PaymentsTable';
import { Toasts, useToasts } from '../../components/Toasts';
import type { Payment } from './types';
import './payments.css';

const TABS = ['details', 'timeline', 'audit', 'rules'] as const;
type TabKey = (typeof TABS)[number];

function Item({ term, children }: { term: string; children: ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

function summaryItems(p: Payment): [string, ReactNode][] {
  return [
    ['Amount', <Money key="a" minor={p.amount_minor} currency={p.currency} />],
    ['State', <PaymentStateLabel key="s" state={p.current_state} />],
    [
      'Merchant',
      <Link key="m" to={`/payments?merchant_id=${encodeURIComponent(p.merchant_id)}`}>
        {p.merchant_id}
      </Link>,
    ],
    [
      'Payer',
      <Link key="p" to={`/payments?payer_id=${encodeURIComponent(p.payer_id)}`}>
        {p.payer_id}
      </Link>,
    ],
    ['Refunded', <Money key="r" minor={p.refunded_amount_minor} currency={p.currency} />],
    [
      'Refundable',
      COMMAND_STATES.refund.includes(p.current_state) ? (
        <Money key="rf" minor={refundableMinor(p).toString()} currency={p.currency} />
      ) : (
        <span key="rf">— (not in this state)</span>
      ),
    ],
    [
      'Card fingerprint',
      <span key="c" className="pf-v6-u-font-family-monospace">
        {p.card_fingerprint ?? '—'}
      </span>,
    ],
    ['Country', p.country ?? '—'],
    ['Created', <Timestamp key="cr" value={p.created_at} seconds wrap />],
    ['Updated', <Timestamp key="u" value={p.updated_at} seconds wrap />],
    ['Review', <Flags key="f" p={p} />],
  ];
}

const SUMMARY_TERMS = [
  'Amount',
  'State',
  'Merchant',
  'Payer',
  'Refunded',
  'Refundable',
  'Card fingerprint',
  'Country',
  'Created',
  'Updated',
  'Review',
];

function Summary({ payment }: { payment: Payment | undefined }) {
  const items: [string, ReactNode][] = payment
    ? summaryItems(payment)
    : SUMMARY_TERMS.map((t) => [
        t,
        <Skeleton key={t} width="60%" screenreaderText={t === 'Amount' ? 'Loading payment' : undefined} />,
      ]);
  return (
    <Card>
      <CardBody>
        <DescriptionList
          columnModifier={{ default: '1Col', md: '2Col', lg: '3Col' }}
          isHorizontal
          orientation={{ md: 'vertical' }}
          isCompact
        >
          {items.map(([term, value]) => (
            <Item key={term} term={term}>
              {value}
            </Item>
          ))}
        </DescriptionList>
      </CardBody>
    </Card>
  );
}

function Details({ payment }: { payment: Payment }) {
  const metadata = Object.entries(payment.metadata);
  return (
    <DescriptionList columnModifier={{ default: '1Col', md: '2Col' }}>
      <Item term="Payment id">
        <span className="pf-v6-u-font-family-monospace">{payment.id}</span>
      </Item>
      <Item term="Currency">{payment.currency}</Item>
      <Item term="Amount (minor units)">
        <span className="pf-v6-u-font-family-monospace">{payment.amount_minor}</span>
      </Item>
      <Item term="Refunded (minor units)">
        <span className="pf-v6-u-font-family-monospace">{payment.refunded_amount_minor}</span>
      </Item>
      <Item term="Flagged for review">{payment.flagged ? 'Yes' : 'No'}</Item>
      <Item term="Held">{payment.held ? 'Yes' : 'No'}</Item>
      <Item term="Version">{payment.version}</Item>
      <Item term="Metadata">
        {metadata.length === 0 ? (
          '—'
        ) : (
          <dl className="payflow-diff">
            {metadata.map(([k, v]) => (
              <div key={k}>
                {k}: {typeof v === 'string' ? v : JSON.stringify(v)}
              </div>
            ))}
          </dl>
        )}
      </Item>
    </DescriptionList>
  );
}

function NotFound({ id }: { id: string }) {
  return (
    <>
      <PageHeader title={id} />
      <PageSection>
        <EmptyState headingLevel="h2" icon={SearchIcon} titleText="Payment not found">
          <EmptyStateBody>
            No payment has the id <span className="pf-v6-u-font-family-monospace">{id}</span>. It may be
            mistyped, or belong to another environment.
          </EmptyStateBody>
          <EmptyStateFooter>
            <EmptyStateActions>
              <Button variant="primary" component={(props: object) => <Link {...props} to="/payments" />}>
                Go to payments
              </Button>
            </EmptyStateActions>
          </EmptyStateFooter>
        </EmptyState>
      </PageSection>
    </>
  );
}

function tabOf(v: string): TabKey {
  return (TABS as readonly string[]).includes(v) ? (v as TabKey) : 'details';
}

function DetailTabs({ payment }: { payment: Payment | undefined }) {
  const url = useUrlState(['tab']);
  const compact = useCompact();
  const active = tabOf(url.values.tab);
  const body = (node: (p: Payment) => ReactNode) =>
    payment ? <div className="pf-v6-u-pt-md">{node(payment)}</div> : <Skeleton height="8rem" />;
  return (
    <Tabs
      data-tour-id="payment-tabs"
      activeKey={active}
      onSelect={(_e, k) => {
        url.set({ tab: k === 'details' ? undefined : String(k) });
      }}
      aria-label="Payment"
      mountOnEnter
      unmountOnExit
    >
      <Tab eventKey="details" title={<TabTitleText>Details</TabTitleText>}>
        {body((p) => (
          <Details payment={p} />
        ))}
      </Tab>
      <Tab eventKey="timeline" title={<TabTitleText>Timeline</TabTitleText>}>
        {body((p) => (
          <PaymentTimeline payment={p} />
        ))}
      </Tab>
      <Tab eventKey="audit" title={<TabTitleText>Audit trail</TabTitleText>}>
        {body((p) => (
          <PaymentAuditTrail paymentId={p.id} compact={compact} />
        ))}
      </Tab>
      <Tab eventKey="rules" title={<TabTitleText>Rule hits &amp; alerts</TabTitleText>}>
        {body((p) => (
          <PaymentRuleHits paymentId={p.id} compact={compact} />
        ))}
      </Tab>
    </Tabs>
  );
}

export default function PaymentDetailPage() {
  const { paymentId = '' } = useParams();
  const query = usePayment(paymentId);
  const { toasts, push, dismiss } = useToasts();
  if (query.error instanceof ApiError && query.error.status === 404) return <NotFound id={paymentId} />;
  const payment = query.data;
  return (
    <>
      <PageHeader
        title={<span className="pf-v6-u-font-family-monospace payflow-payment-id">{paymentId}</span>}
        actions={
          payment && (
            <PaymentCommands
              payment={payment}
              onDone={(title, body) => {
                push({ variant: 'success', title, body });
              }}
            />
          )
        }
      />
      <PageSection>
        {query.error ? (
          <ErrorState
            error={query.error}
            onRetry={() => void query.refetch()}
            title="Could not load this payment"
          />
        ) : (
          <Flex direction={{ default: 'column' }} gap={{ default: 'gapLg' }}>
            <Summary payment={payment} />
            <DetailTabs payment={payment} />
          </Flex>
        )}
      </PageSection>
      <Toasts toasts={toasts} dismiss={dismiss} />
    </>
  );
}
