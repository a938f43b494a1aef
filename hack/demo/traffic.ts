// Live traffic for the demo: every tick a new payment through the API, and processor events
// (through POST /api/v1/events, applied by the worker) that move earlier payments along.
import { setTimeout as sleep } from 'node:timers/promises';
import { processorEvent, type ApiClient, type Payment } from './client.ts';
import { cardTestingRun } from './fraud.ts';
import {
  amountMinor,
  COUNTRIES,
  MERCHANTS,
  PAYER_COUNT,
  payerId,
  pick,
  pickCurrency,
  type Currency,
} from './seed.ts';

/** For each state, the events a processor may send next and how likely each is; the rest of 1 is "none". */
export const NEXT_EVENT: Record<string, [string, number][]> = {
  pending: [
    ['payment.authorized', 0.9],
    ['payment.failed', 0.1],
  ],
  authorized: [
    ['payment.captured', 0.88],
    ['payment.voided', 0.07],
    ['payment.failed', 0.05],
  ],
  captured: [
    ['payment.settled', 0.85],
    ['payment.partially_refunded', 0.05],
    ['payment.refunded', 0.05],
    ['payment.disputed', 0.05],
  ],
  settled: [
    ['payment.refunded', 0.04],
    ['payment.partially_refunded', 0.04],
    ['payment.disputed', 0.04],
  ],
  partially_refunded: [['payment.refunded', 0.3]],
  disputed: [
    ['payment.dispute_won', 0.5],
    ['payment.dispute_lost', 0.5],
  ],
};

/** The next processor event for a payment in `state`, or undefined when its story ends here. */
export function nextEvent(state: string, r = Math.random()): string | undefined {
  let rest = r;
  for (const [type, p] of NEXT_EVENT[state] ?? []) {
    rest -= p;
    if (rest < 0) return type;
  }
  return undefined;
}

function decimal(minor: number, c: Currency): string {
  return c.exponent === 0 ? String(minor) : (minor / 100).toFixed(2);
}

/** A new payment's body: a few payers buy often, so that velocity rules have something to see. */
export function newPaymentBody(): Record<string, unknown> {
  const c = pickCurrency();
  const payer = Math.random() < 0.3 ? Math.floor(Math.random() * 5) : Math.floor(Math.random() * PAYER_COUNT);
  return {
    merchant_id: pick(MERCHANTS),
    payer_id: payerId(payer),
    amount: decimal(amountMinor(c), c),
    currency: c.code,
    card_fingerprint: `card_${String(payer).padStart(4, '0')}_0`,
    country: pick(COUNTRIES),
    metadata: {
      order_id: `ord-${String(Math.floor(Math.random() * 1e6))}`,
      channel: pick(['web', 'app', 'pos']),
    },
  };
}

interface Tracked {
  id: string;
  /** The payment's version when the last event for it was sent. */
  version: number;
  sentAt: number;
}

export interface TrafficStats {
  payments: number;
  events: number;
  /** Events sent a second time with the same event_id (the worker applies each once). */
  duplicates: number;
  /** Authorize-and-capture pairs sent capture first (the worker parks it until the authorization). */
  reordered: number;
  errors: number;
  lastError: string | undefined;
}

const MAX_TRACKED = 40;
/** A card-testing run (fraud.ts) soon after start, then every this many ticks (15 minutes at 1 s). */
const FRAUD_FIRST_TICK = 5;
const FRAUD_EVERY_TICKS = 900;
/** How often an event is delivered twice, and an authorization overtaken by its capture, as processors do. */
const DUPLICATE_RATIO = 0.05;
const REORDER_RATIO = 0.05;
/** An event that has not moved its payment after this long was refused (or is retried); move on. */
const GIVE_UP_MS = 10_000;

export class Traffic {
  readonly stats: TrafficStats = {
    payments: 0,
    events: 0,
    duplicates: 0,
    reordered: 0,
    errors: 0,
    lastError: undefined,
  };
  private readonly api: ApiClient;
  private readonly intervalMs: number;
  private readonly tracked: Tracked[] = [];
  private running = false;
  private ticks = 0;
  private loop: Promise<void> | undefined;

  constructor(api: ApiClient, intervalMs = 1000) {
    this.api = api;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      await this.tick().catch((err: unknown) => {
        this.stats.errors += 1;
        this.stats.lastError = err instanceof Error ? err.message : String(err);
      });
      await sleep(Math.max(0, this.intervalMs - (Date.now() - started)));
    }
  }

  /** One payment created, then events for up to two payments whose last event has had time to land. */
  async tick(): Promise<void> {
    this.ticks += 1;
    if (this.ticks % FRAUD_EVERY_TICKS === FRAUD_FIRST_TICK) {
      const run = await cardTestingRun(this.api, processorEvent);
      this.stats.payments += run.length;
      this.stats.events += run.length;
    }
    const created = await this.api.post<Payment>('/api/v1/transactions', newPaymentBody());
    this.stats.payments += 1;
    this.tracked.push({ id: created.id, version: 0, sentAt: 0 });
    if (this.tracked.length > MAX_TRACKED) this.tracked.shift();
    const due = this.tracked.filter((t) => Date.now() - t.sentAt > 1500).slice(0, 4);
    for (const t of due) await this.advance(t);
  }

  private async advance(t: Tracked): Promise<void> {
    const payment = await this.api.get<Payment>(`/api/v1/transactions/${t.id}`);
    // The worker has not applied the previous event yet: give it time.
    if (payment.version === t.version && Date.now() - t.sentAt < GIVE_UP_MS) return;
    const type = nextEvent(payment.current_state);
    if (type === undefined) {
      this.tracked.splice(this.tracked.indexOf(t), 1);
      return;
    }
    if (type === 'payment.authorized' && Math.random() < REORDER_RATIO) {
      // The capture overtakes the authorization: it is sent first, though it happened after.
      const authorized = processorEvent(payment, type);
      const captured = processorEvent({ ...payment, current_state: 'authorized' }, 'payment.captured');
      captured.occurred_at = new Date(Date.now() + 1000).toISOString();
      await this.api.post('/api/v1/events', captured);
      await this.api.post('/api/v1/events', authorized);
      this.stats.events += 2;
      this.stats.reordered += 1;
    } else {
      const event = processorEvent(payment, type);
      await this.api.post('/api/v1/events', event);
      this.stats.events += 1;
      if (Math.random() < DUPLICATE_RATIO) {
        await this.api.post('/api/v1/events', event);
        this.stats.duplicates += 1;
      }
    }
    t.version = payment.version;
    t.sentAt = Date.now();
  }
}
