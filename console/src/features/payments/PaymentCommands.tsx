// The commands a payment's state allows, as buttons; the others (and all of them for a viewer)
// disabled with a tooltip that says why.
import { Flex } from '@patternfly/react-core';
import { useRef, useState } from 'react';
import { GuardedButton } from '../../components/Guarded';
import { formatMinor, formatMoney } from '../../lib/format';
import { useIntentKey } from '../../lib/idempotency';
import { usePaymentCommand } from './api';
import { ConfirmCommandModal, RefundModal } from './CommandModals';
import { COMMAND_LABEL, COMMANDS, commandBlocker, type CommandKind } from './commands';
import type { Payment } from './types';

const DONE: Record<CommandKind, string> = {
  capture: 'Payment captured',
  void: 'Payment voided',
  refund: 'Refund made',
};

export function PaymentCommands({
  payment,
  onDone,
}: {
  payment: Payment;
  onDone: (title: string, body: string) => void;
}) {
  const [open, setOpen] = useState<CommandKind | undefined>(undefined);
  const intent = useIntentKey();
  const command = usePaymentCommand(payment.id);
  const inFlight = useRef(false);

  const start = (kind: CommandKind) => {
    intent.reset();
    command.reset();
    setOpen(kind);
  };
  const close = () => {
    if (!inFlight.current) setOpen(undefined);
  };
  const submit = (kind: CommandKind) => (input: { amount?: string; reason?: string }) => {
    // A second click before React re-renders still finds the first request in flight.
    if (inFlight.current) return;
    inFlight.current = true;
    command.mutate(
      { kind, ...input, idempotencyKey: intent.key() },
      {
        onSuccess: (after) => {
          setOpen(undefined);
          const amount =
            kind === 'refund' && input.amount !== undefined
              ? formatMoney(input.amount, after.currency)
              : formatMinor(after.amount_minor, after.currency);
          onDone(DONE[kind], `${after.id}: ${amount}; now ${after.current_state.replaceAll('_', ' ')}.`);
        },
        onSettled: () => {
          inFlight.current = false;
        },
      },
    );
  };

  return (
    <>
      <Flex gap={{ default: 'gapSm' }} data-tour-id="payment-commands">
        {COMMANDS.map((kind) => (
          <GuardedButton
            key={kind}
            need="operator"
            reason={commandBlocker(kind, payment)}
            variant={kind === 'void' ? 'secondary' : kind === 'refund' ? 'secondary' : 'primary'}
            isDanger={kind === 'void'}
            onClick={() => {
              start(kind);
            }}
          >
            {COMMAND_LABEL[kind]}
          </GuardedButton>
        ))}
      </Flex>
      {open === 'refund' && (
        <RefundModal
          payment={payment}
          pending={command.isPending}
          error={command.error}
          onSubmit={submit('refund')}
          onClose={close}
        />
      )}
      {(open === 'capture' || open === 'void') && (
        <ConfirmCommandModal
          kind={open}
          payment={payment}
          pending={command.isPending}
          error={command.error}
          onSubmit={submit(open)}
          onClose={close}
        />
      )}
    </>
  );
}
