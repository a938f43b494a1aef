// "The API answered throughout": while the faults run, the API is asked every `intervalMs` for
// its liveness, for one of the run's payments (a read that goes to its cache or PostgreSQL) or
// to create a payment (a write in a transaction, as the API's clients keep doing in an outage).
// A probe is answered when any HTTP response comes back within the timeout; 5xx answers are
// counted apart (an API that says "PostgreSQL is down" has answered).
export interface ProbeStats {
  sent: number;
  answered: number;
  unanswered: number;
  serverErrors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The first few unanswered probes: what and why. */
  failures: string[];
  /** Payments the API said it created (201) while the faults ran: each must still be there. */
  acknowledged: string[];
}

export interface ProbeOptions {
  readonly apiUrl: string;
  readonly token: string;
  readonly paymentIds: readonly string[];
  /** Probes also create payments of this merchant (a write, in a transaction, during the faults). */
  readonly merchantId?: string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
}

function idOf(body: string): string {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : '';
  } catch {
    return '';
  }
}

export class ApiProber {
  private readonly latencies: number[] = [];
  private readonly stats: ProbeStats = {
    sent: 0,
    answered: 0,
    unanswered: 0,
    serverErrors: 0,
    p50Ms: 0,
    p99Ms: 0,
    maxMs: 0,
    failures: [],
    acknowledged: [],
  };
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private n = 0;

  private readonly o: ProbeOptions;
  constructor(o: ProbeOptions) {
    this.o = o;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight = Promise.all([this.inFlight, this.probeOnce()]).then(() => undefined);
    }, this.o.intervalMs ?? 250);
  }

  /** Every third probe a read of a payment, every third a creation (a transaction), else /livez. */
  private request(n: number): { path: string; init: RequestInit } {
    const headers: Record<string, string> = { authorization: `Bearer ${this.o.token}` };
    const id = this.o.paymentIds[n % Math.max(1, this.o.paymentIds.length)];
    if (n % 3 === 1 && id) return { path: `/api/v1/transactions/${id}`, init: { headers } };
    if (n % 3 === 2 && this.o.merchantId) {
      const body = JSON.stringify({
        merchant_id: this.o.merchantId,
        amount: 1.0,
        currency: 'USD',
        payer_id: `${this.o.merchantId}_probe`,
        current_state: 'pending',
        metadata: { created_by: 'payflow chaos probe' },
      });
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = `${this.o.merchantId}-probe-${String(n)}`;
      return { path: '/api/v1/transactions', init: { method: 'POST', headers, body } };
    }
    return { path: '/livez', init: {} };
  }

  private async probeOnce(): Promise<void> {
    const n = this.n++;
    const { path, init } = this.request(n);
    this.stats.sent++;
    const t0 = performance.now();
    try {
      const res = await fetch(`${this.o.apiUrl}${path}`, {
        ...init,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
      });
      const text = await res.text();
      this.latencies.push(performance.now() - t0);
      this.stats.answered++;
      if (init.method === 'POST' && res.status === 201) this.stats.acknowledged.push(idOf(text));
      if (res.status >= 500) this.stats.serverErrors++;
    } catch (err) {
      this.stats.unanswered++;
      if (this.stats.failures.length < 5)
        this.stats.failures.push(
          `${init.method ?? 'GET'} ${path}: ${err instanceof Error ? err.message : String(err)}`,
        );
    }
  }

  async stop(): Promise<ProbeStats> {
    clearInterval(this.timer);
    await this.inFlight;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      ...this.stats,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1) ?? 0,
      failures: [...this.stats.failures],
      acknowledged: [...this.stats.acknowledged],
    };
  }
}
