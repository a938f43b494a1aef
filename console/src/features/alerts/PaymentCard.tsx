// The payment the alert is about: amount, state, merchant and payer, with a link to it.
import {
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Skeleton,
} from '@patternfly/react-core';
import { Link } from 'react-router';
import { Money } from '../../components/Money';
import { PaymentStateLabel } from '../../components/StateLabel';
import { describeError } from '../../lib/api';
import type { PaymentSummary } from './types';

export function PaymentCard({
  paymentId,
  payment,
  isLoading,
  error,
}: {
  paymentId: string | null;
  payment: PaymentSummary | null | undefined;
  isLoading: boolean;
  error: unknown;
}) {
  if (paymentId === null) return <p className="pf-v6-u-color-200">This alert is not about a payment.</p>;
  const rows: [string, React.ReactNode][] = [
    [
      'Payment',
      <Link
        key="id"
        to={`/payments/${encodeURIComponent(paymentId)}`}
        className="pf-v6-u-font-family-monospace"
      >
        {paymentId}
      </Link>,
    ],
  ];
  if (payment) {
    rows.push(
      [
        'Amount',
        <Money
          key="m"
          minor={payment.amount_minor}
          amount={payment.amount_minor === undefined ? payment.amount : undefined}
          currency={payment.currency}
        />,
      ],
      ['State', <PaymentStateLabel key="s" state={payment.current_state} />],
      ['Merchant', <code key="me">{payment.merchant_id}</code>],
      ['Payer', <code key="p">{payment.payer_id}</code>],
    );
  } else if (isLoading) {
    for (const term of ['Amount', 'State', 'Merchant', 'Payer'])
      rows.push([term, <Skeleton key={term} width="60%" />]);
  } else {
    rows.push([
      '',
      <span key="e" className="pf-v6-u-color-200">
        {error
          ? `The payment could not be loaded: ${describeError(error)}`
          : 'The payment is no longer available.'}
      </span>,
    ]);
  }
  return (
    <DescriptionList isCompact isHorizontal horizontalTermWidthModifier={{ default: '6rem' }}>
      {rows.map(([term, value], i) => (
        <DescriptionListGroup key={term || i}>
          <DescriptionListTerm>{term}</DescriptionListTerm>
          <DescriptionListDescription>{value}</DescriptionListDescription>
        </DescriptionListGroup>
      ))}
    </DescriptionList>
  );
}
