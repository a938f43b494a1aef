// Payments for a run, created through the API as any client would (POST /api/v1/transactions
// with an Idempotency-Key made once per payment), a few at a time; a 429 waits for Retry-After.
import { EXIT, ServiceUnreachable, ToolError } from '../lib/errors.ts';
import { PAYMENT_AMOUNT } from './plan.ts';

/** The API refused a creation: a credential it does not take (exit 2), or another answer (exit 1). */
export class ApiRefused extends ToolError {
  readonly status: number;
  constructor(status: number, message: string) {
    const credential = status === 401 || status === 403;
    super(
      credential ? `${message} (give an API key or token with the operator role)` : message,
      credential ? EXIT.usage : EXIT.failed,
    );
    this.status = status;
  }
}

async function post(o: CreateOptions, n: number): Promise<Response> {
  try {
    return await fetch(`${o.apiUrl}/api/v1/transactions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${o.token}`,
        'content-type': 'application/json',
        'idempotency-key': `${o.keyPrefix}-${String(n)}`,
      },
      body: JSON.stringify({
        merchant_id: o.merchantId,
        amount: PAYMENT_AMOUNT.decimal,
        currency: PAYMENT_AMOUNT.currency,
        payer_id: `${o.merchantId}_payer_${String(n % 25)}`,
        current_state: 'pending',
        metadata: { created_by: 'payflow tools', run: o.keyPrefix },
      }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new ServiceUnreachable('API', o.apiUrl, new Error(cause?.code ?? (err as Error).message));
  }
}

export interface CreateOptions {
  readonly apiUrl: string;
  readonly token: string;
  readonly count: number;
  readonly merchantId: string;
  /** Idempotency keys are `${keyPrefix}-${n}`: a retried creation never makes a second payment. */
  readonly keyPrefix: string;
  readonly concurrency?: number;
  readonly onCreated?: (done: number) => void;
  readonly deadline?: number;
}

async function createOne(o: CreateOptions, n: number): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const res = await post(o, n);
    const text = await res.text();
    if (res.status === 201 || res.status === 200) return (JSON.parse(text) as { id: string }).id;
    const retryable = res.status === 429 || res.status === 503;
    if (!retryable || attempt >= 20 || (o.deadline !== undefined && Date.now() > o.deadline))
      throw new ApiRefused(
        res.status,
        `POST /api/v1/transactions answered ${String(res.status)}: ${text.slice(0, 300)}`,
      );
    const after = Number(res.headers.get('retry-after') ?? 1);
    await new Promise((r) => setTimeout(r, Math.min(10, Math.max(0.2, after)) * 1000));
  }
}

/** Creates `count` payments; their ids, in creation order. */
export async function createPayments(o: CreateOptions): Promise<string[]> {
  const ids: string[] = new Array<string>(o.count);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < o.count) {
      const n = next++;
      ids[n] = await createOne(o, n);
      o.onCreated?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 8, o.count) }, lane));
  return ids;
}
