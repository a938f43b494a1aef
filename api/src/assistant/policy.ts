// What the assistant will not do, decided before any model or tool runs: it reads and drafts,
// it never acts. A request to refund, capture, cancel, acknowledge, resolve, redrive, delete or
// save is refused plainly, with what the person can do instead for their role.
import { roleAtLeast, type Principal } from '../http/principal.ts';

interface Action {
  readonly pattern: RegExp;
  readonly verb: string;
  /** The least role that may do it in the console. */
  readonly role: 'operator' | 'admin';
  readonly where: string;
}

const ACTIONS: readonly Action[] = [
  {
    pattern: /\brefund(s|ed|ing)?\b/i,
    verb: 'refund payments',
    role: 'operator',
    where: 'the payment page (Refund)',
  },
  {
    pattern: /\bcapture\b/i,
    verb: 'capture payments',
    role: 'operator',
    where: 'the payment page (Capture)',
  },
  {
    pattern: /\b(cancel|void|reverse)\b/i,
    verb: 'cancel payments or jobs',
    role: 'operator',
    where: 'the payment or batch job page',
  },
  {
    pattern: /\b(acknowledge|ack)\b/i,
    verb: 'acknowledge alerts',
    role: 'operator',
    where: 'the alert page (Acknowledge)',
  },
  { pattern: /\bresolve\b/i, verb: 'resolve alerts', role: 'operator', where: 'the alert page (Resolve)' },
  { pattern: /\bassign\b/i, verb: 'assign alerts', role: 'operator', where: 'the alert page (Assign)' },
  {
    pattern: /\bredrive\b/i,
    verb: 'redrive dead letters',
    role: 'operator',
    where: 'Worker pools (Dead letters)',
  },
  {
    pattern: /\b(delete|remove|disable|promote|roll ?back)\b/i,
    verb: 'change or delete rules and users',
    role: 'admin',
    where: 'the rule or user page',
  },
  {
    pattern: /\b(save|publish|enable)\b.*\brule\b/i,
    verb: 'save rules',
    role: 'admin',
    where: 'the rule builder (Save)',
  },
];

export interface Refusal {
  readonly reason: string;
  readonly text: string;
}

/** A refusal when the message asks the assistant to act; undefined when it only asks. */
export function refusalFor(message: string, principal: Principal): Refusal | undefined {
  const action = ACTIONS.find((a) => a.pattern.test(message));
  if (!action) return undefined;
  // "Why was it refunded?" asks about a past action; it is a question, not an order.
  if (/^\s*(why|when|who|was|were|did|has|have|how many|show|list)\b/i.test(message)) return undefined;
  const allowed = roleAtLeast(principal.role, action.role);
  const text = allowed
    ? `I can't ${action.verb}: the assistant only reads and drafts, it never changes anything. You can do it yourself from ${action.where}; it asks you to confirm and is audited.`
    : `I can't ${action.verb}, and neither can your role: you are a ${principal.role}, and this needs the ${action.role} role. The assistant only reads and drafts. Ask an ${action.role} to do it from ${action.where}.`;
  return { reason: allowed ? 'read_only' : 'role', text };
}
