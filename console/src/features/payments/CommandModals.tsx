// Confirmation of a state-machine command: the amount and currency in plain sight, one
// Idempotency-Key per opening of the dialog, and a confirm button that cannot fire twice.
import {
  Alert,
  Button,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import { useState } from 'react';
import { ApiError, describeError } from '../../lib/api';
import { formatMinor, minorToDecimal } from '../../lib/format';
import { COMMAND_LABEL, type CommandKind } from './commands';
import { refundableMinor, validateRefund } from './money';
import type { Payment } from './types';

export type Submit = (input: { amount?: string; reason?: string }) => void;

function problemText(err: unknown): string {
  if (err instanceof ApiError && err.status === 409) {
    return `${describeError(err)} The payment may have changed meanwhile; it has been reloaded.`;
  }
  return describeError(err);
}

function ReasonField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <FormGroup label="Reason" fieldId="command-reason">
      <TextArea
        id="command-reason"
        value={value}
        onChange={(_e, v) => {
          onChange(v);
        }}
        maxLength={1000}
        resizeOrientation="vertical"
        placeholder="Why (kept in the audit trail)"
      />
    </FormGroup>
  );
}

const VERB: Record<Exclude<CommandKind, 'refund'>, string> = {
  capture: 'Capturing takes the authorized amount from the payer.',
  void: 'Voiding releases the authorization; the payer is not charged. This cannot be undone.',
};

export function ConfirmCommandModal({
  kind,
  payment,
  pending,
  error,
  onSubmit,
  onClose,
}: {
  kind: Exclude<CommandKind, 'refund'>;
  payment: Payment;
  pending: boolean;
  error: unknown;
  onSubmit: Submit;
  onClose: () => void;
}) {
  const [reason, setReason] = useState('');
  const amount = formatMinor(payment.amount_minor, payment.currency);
  const label = COMMAND_LABEL[kind];
  return (
    <Modal isOpen variant="small" onClose={onClose} aria-labelledby="command-title">
      <ModalHeader title={`${label} payment`} labelId="command-title" />
      <ModalBody>
        <Form
          id="command-form"
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit({ reason: reason.trim() || undefined });
          }}
        >
          <p>
            {label} <strong>{amount}</strong> ({payment.currency}) of payment{' '}
            <span className="pf-v6-u-font-family-monospace">{payment.id}</span>? {VERB[kind]}
          </p>
          <ReasonField value={reason} onChange={setReason} />
          {error !== null && error !== undefined && (
            <Alert isInline variant="danger" title={`${label} failed`}>
              {problemText(error)}
            </Alert>
          )}
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="command-form"
          variant={kind === 'void' ? 'danger' : 'primary'}
          isLoading={pending}
          isDisabled={pending}
        >
          {`${label} ${amount}`}
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

export function RefundModal({
  payment,
  pending,
  error,
  onSubmit,
  onClose,
}: {
  payment: Payment;
  pending: boolean;
  error: unknown;
  onSubmit: Submit;
  onClose: () => void;
}) {
  const refundable = refundableMinor(payment);
  const [text, setText] = useState(() => minorToDecimal(refundable, payment.currency));
  const [reason, setReason] = useState('');
  const check = validateRefund(text, payment.currency, refundable);
  const apiIssue = error instanceof ApiError ? error.issueFor('amount') : undefined;
  const issue = check.error ?? apiIssue;
  const full = check.minor === refundable;
  return (
    <Modal isOpen variant="small" onClose={onClose} aria-labelledby="refund-title">
      <ModalHeader title="Refund payment" labelId="refund-title" />
      <ModalBody>
        <Form
          id="refund-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (check.minor === undefined) return;
            onSubmit({
              amount: minorToDecimal(check.minor, payment.currency),
              reason: reason.trim() || undefined,
            });
          }}
        >
          <p>
            Payment <span className="pf-v6-u-font-family-monospace">{payment.id}</span> of{' '}
            <strong>{formatMinor(payment.amount_minor, payment.currency)}</strong> ({payment.currency});{' '}
            {formatMinor(payment.refunded_amount_minor, payment.currency)} refunded so far.
          </p>
          <FormGroup label="Refund amount" fieldId="refund-amount" isRequired>
            <TextInput
              id="refund-amount"
              value={text}
              inputMode="decimal"
              isRequired
              validated={issue ? 'error' : 'default'}
              aria-describedby="refund-amount-help"
              onChange={(_e, v) => {
                setText(v);
              }}
            />
            <FormHelperText>
              <HelperText id="refund-amount-help">
                <HelperTextItem variant={issue ? 'error' : 'default'}>
                  {issue ??
                    `${full ? 'A full refund' : 'A partial refund'}: up to ${formatMinor(refundable, payment.currency)} (${payment.currency}) can be refunded.`}
                </HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <ReasonField value={reason} onChange={setReason} />
          {error !== null && error !== undefined && !apiIssue && (
            <Alert isInline variant="danger" title="Refund failed">
              {problemText(error)}
            </Alert>
          )}
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="refund-form"
          variant="primary"
          isLoading={pending}
          isDisabled={pending || check.minor === undefined}
        >
          {check.minor === undefined ? 'Refund' : `Refund ${formatMinor(check.minor, payment.currency)}`}
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
