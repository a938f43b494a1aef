// A synthetic fraud pattern in the demo traffic: card testing. Someone with a stolen card tries
// it with a quick run of tiny payments at one merchant from several countries before a large
// purchase. The demo's `card-testing` rule (seed.ts) catches the run: six or more payments on
// one card within ten minutes, the latest under 5.00. Normal demo traffic never pays under 5.00,
// so only these runs fire it. The guided tour follows the alert it raises.
import type { Payment } from './client.ts';

export const CARD_TESTING = {
  rule: 'card-testing',
  payer: 'payer_0666',
  card: 'card_0666_0',
  merchant: 'stark-hardware',
  /** Payments in one run: exactly as many as the rule needs, so one run raises one alert. */
  run: 6,
} as const;

const COUNTRIES = ['US', 'BR', 'NL', 'US', 'GB', 'DE'] as const;

/** The bodies of one card-testing run: tiny USD amounts from changing countries. */
export function cardTestingBodies(run: number = CARD_TESTING.run): Record<string, unknown>[] {
  return Array.from({ length: run }, (_, i) => ({
    merchant_id: CARD_TESTING.merchant,
    payer_id: CARD_TESTING.payer,
    amount: `${String(1 + (i % 4))}.${String(10 + i * 13)
      .padStart(2, '0')
      .slice(0, 2)}`,
    currency: 'USD',
    card_fingerprint: CARD_TESTING.card,
    country: COUNTRIES[i % COUNTRIES.length],
    metadata: { order_id: `ord-ct-${String(Date.now())}-${String(i)}`, channel: 'web' },
  }));
}

export interface Poster {
  post<T>(path: string, body: unknown): Promise<T>;
}

/**
 * One run through the API: each payment is created, then authorized by a processor event (the
 * worker evaluates the rules when it applies the event). Answers the payments, oldest first.
 */
export async function cardTestingRun(
  api: Poster,
  event: (payment: Payment, type: string) => Record<string, unknown>,
  run: number = CARD_TESTING.run,
): Promise<Payment[]> {
  const out: Payment[] = [];
  for (const body of cardTestingBodies(run)) {
    const p = await api.post<Payment>('/api/v1/transactions', body);
    out.push(p);
  }
  for (const p of out) await api.post('/api/v1/events', event(p, 'payment.authorized'));
  return out;
}
