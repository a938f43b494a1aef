// Which state-machine commands a payment's state allows (api/src/domain/states.ts), and why not
// otherwise: the reason is the tooltip of the disabled button.
import { humanize } from '../../components/StateLabel';
import { refundableMinor } from './money';
import type { Payment } from './types';

export type CommandKind = 'capture' | 'void' | 'refund';
export const COMMANDS: readonly CommandKind[] = ['capture', 'void', 'refund'];

export const COMMAND_STATES: Record<CommandKind, readonly string[]> = {
  capture: ['authorized'],
  void: ['authorized'],
  refund: ['captured', 'settled', 'partially_refunded'],
};

export const COMMAND_LABEL: Record<CommandKind, string> = {
  capture: 'Capture',
  void: 'Void',
  refund: 'Refund',
};

const PAST: Record<CommandKind, string> = { capture: 'captured', void: 'voided', refund: 'refunded' };

function list(states: readonly string[]): string {
  const words = states.map((s) => humanize(s).toLowerCase());
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}` : (words[0] ?? '');
}

/** Why the payment's state does not allow the command; undefined when it does. */
export function commandBlocker(kind: CommandKind, payment: Payment): string | undefined {
  const allowed = COMMAND_STATES[kind];
  if (!allowed.includes(payment.current_state)) {
    const state = humanize(payment.current_state).toLowerCase();
    const states = list(allowed);
    const article = /^[aeiou]/.test(states) ? 'an' : 'a';
    return `Only ${article} ${states} payment can be ${PAST[kind]}; this one is ${state}.`;
  }
  if (kind === 'refund' && refundableMinor(payment) === 0n) return 'Nothing is left to refund.';
  return undefined;
}
