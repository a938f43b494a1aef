// What a chaos run sends: for each payment a lifecycle of processor events (so that its final
// state, version and refunded amount are known in advance), a share of them twice, poison
// messages of several kinds (each must end in the dead-letter queue with the worker's reason),
// all in one shuffled order; and, for the replay fault, every event again, shuffled anew.
import { random, shuffled } from './scenario.ts';

export const PAYMENT_AMOUNT = { decimal: 10.0, minor: 1000n, currency: 'USD' } as const;
const PARTIAL_REFUND_MINOR = 250n;

interface Lifecycle {
  readonly name: string;
  readonly steps: readonly string[];
  readonly final: string;
  readonly refundedMinor: bigint;
}

const SETTLED: Lifecycle = {
  name: 'settled',
  steps: ['authorized', 'captured', 'settled'],
  final: 'settled',
  refundedMinor: 0n,
};

const LIFECYCLES: readonly Lifecycle[] = [
  SETTLED,
  {
    name: 'refunded',
    steps: ['authorized', 'captured', 'refunded'],
    final: 'refunded',
    refundedMinor: PAYMENT_AMOUNT.minor,
  },
  // Not settled first: a partial refund of a captured payment is allowed too, so an order that
  // delivered it before the settlement would (rightly) end in a different state.
  {
    name: 'partially refunded',
    steps: ['authorized', 'captured', 'partially_refunded'],
    final: 'partially_refunded',
    refundedMinor: PARTIAL_REFUND_MINOR,
  },
  { name: 'voided', steps: ['authorized', 'voided'], final: 'voided', refundedMinor: 0n },
  { name: 'failed', steps: ['failed'], final: 'failed', refundedMinor: 0n },
];

export interface PlannedEvent {
  readonly eventId: string;
  readonly paymentId: string;
  readonly body: string;
}

export interface Expected {
  readonly state: string;
  /** payment_events rows the worker adds (transitions). */
  readonly transitions: number;
  readonly refundedMinor: bigint;
}

export type PoisonKind =
  'malformed JSON' | 'unknown type' | 'bad payment id' | 'currency mismatch' | 'missing amount';
const POISON_KINDS: readonly PoisonKind[] = [
  'malformed JSON',
  'unknown type',
  'bad payment id',
  'currency mismatch',
  'missing amount',
];

export interface Poison {
  readonly kind: PoisonKind;
  /** The event id it carries (malformed JSON carries none the worker can read). */
  readonly eventId: string | undefined;
  readonly body: string;
}

export interface Plan {
  readonly events: readonly PlannedEvent[];
  readonly expected: ReadonlyMap<string, Expected>;
  readonly poison: readonly Poison[];
  /** The first pass: events, duplicates and poison, shuffled. */
  readonly bodies: readonly string[];
  readonly duplicates: number;
  /** The replay: every event again, in another shuffled order. */
  readonly replay: readonly string[];
}

export interface PlanInput {
  readonly runId: string;
  readonly paymentIds: readonly string[];
  readonly duplicates: number;
  readonly poison: number;
  readonly replay: boolean;
  readonly seed: number;
}

function poisonOf(kind: PoisonKind, id: string, paymentId: string, at: string): Poison {
  switch (kind) {
    case 'malformed JSON':
      return { kind, eventId: undefined, body: `{"event_id":"${id}","type":"payment.captured",` };
    case 'unknown type':
      return {
        kind,
        eventId: id,
        body: JSON.stringify({
          event_id: id,
          type: 'payment.teleported',
          payment_id: paymentId,
          occurred_at: at,
        }),
      };
    case 'bad payment id':
      return {
        kind,
        eventId: id,
        body: JSON.stringify({
          event_id: id,
          type: 'payment.authorized',
          payment_id: 'not-a-payment',
          occurred_at: at,
        }),
      };
    case 'currency mismatch':
      return {
        kind,
        eventId: id,
        body: JSON.stringify({
          event_id: id,
          type: 'payment.authorized',
          payment_id: paymentId,
          occurred_at: at,
          currency: 'JPY',
        }),
      };
    case 'missing amount':
      return {
        kind,
        eventId: id,
        body: JSON.stringify({
          event_id: id,
          type: 'payment.partially_refunded',
          payment_id: paymentId,
          occurred_at: at,
        }),
      };
  }
}

export function planEvents(input: PlanInput): Plan {
  const rnd = random(input.seed);
  const base = Date.now() - 3_600_000;
  const events: PlannedEvent[] = [];
  const expected = new Map<string, Expected>();
  input.paymentIds.forEach((paymentId, i) => {
    const life = LIFECYCLES[i % LIFECYCLES.length] ?? SETTLED;
    expected.set(paymentId, {
      state: life.final,
      transitions: life.steps.length,
      refundedMinor: life.refundedMinor,
    });
    life.steps.forEach((step, k) => {
      const eventId = `chaos_${input.runId}_${String(i)}_${String(k)}`;
      const body: Record<string, unknown> = {
        event_id: eventId,
        type: `payment.${step}`,
        payment_id: paymentId,
        occurred_at: new Date(base + i * 10 + k).toISOString(),
      };
      if (step === 'partially_refunded') body.amount_minor = PARTIAL_REFUND_MINOR.toString();
      events.push({ eventId, paymentId, body: JSON.stringify(body) });
    });
  });
  const dupes = events.filter(() => rnd() < input.duplicates).map((e) => e.body);
  const poison = Array.from({ length: input.poison }, (_, n) =>
    poisonOf(
      POISON_KINDS[n % POISON_KINDS.length] ?? 'malformed JSON',
      `chaos_${input.runId}_poison_${String(n)}`,
      input.paymentIds[n % input.paymentIds.length] ?? '',
      new Date(base).toISOString(),
    ),
  );
  const bodies = shuffled([...events.map((e) => e.body), ...dupes, ...poison.map((p) => p.body)], rnd);
  const replay = input.replay
    ? shuffled(
        events.map((e) => e.body),
        rnd,
      )
    : [];
  return { events, expected, poison, bodies, duplicates: dupes.length, replay };
}
