// "The API answered throughout": while the faults run, the API is asked every `intervalMs` for
// its liveness and for one of the run's payments (a read that goes to its cache or PostgreSQL).
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
}

export interface ProbeOptions {
  readonly apiUrl: string;
  readonly token: string;
  readonly paymentIds: readonly string[];
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
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

  private async probeOnce(): Promise<void> {
    const n = this.n++;
    const id = this.o.paymentIds[n % Math.max(1, this.o.paymentIds.length)];
    const path = n % 2 === 0 || !id ? '/livez' : `/api/v1/transactions/${id}`;
    this.stats.sent++;
    const t0 = performance.now();
    try {
      const res = await fetch(`${this.o.apiUrl}${path}`, {
        headers: { authorization: `Bearer ${this.o.token}` },
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
      });
      await res.arrayBuffer();
      this.latencies.push(performance.now() - t0);
      this.stats.answered++;
      if (res.status >= 500) this.stats.serverErrors++;
    } catch (err) {
      this.stats.unanswered++;
      if (this.stats.failures.length < 5)
        this.stats.failures.push(`GET ${path}: ${err instanceof Error ? err.message : String(err)}`);
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
    };
  }
}
