// One load test: payments made first (through the API) for the reads and the events to refer
// to, then every operation of the profile at once for its duration: each API operation an
// autocannon instance with its share of the connections (and of the rate, in rate mode), the
// events a sender of SendMessageBatch calls on the events queue with its share. Figures per
// operation: requests, throughput, latency percentiles, status codes, errors; for events also
// how many the workers had applied a while after the last send (when PostgreSQL is known).
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../../worker/src/sqs.ts';
import { assertLoopbackUrl } from '../chaos/loopback.ts';
import { NotConfigured } from '../lib/errors.ts';
import { createPayments } from '../chaos/payments.ts';
import { percentile } from '../chaos/probe.ts';
import { random } from '../chaos/scenario.ts';
import { sendBodies } from '../chaos/queues.ts';
import { LIMITS, OPERATION_LABELS, shares, type Operation, type Profile } from './profile.ts';
import type { LatencyFigures, LoadReport, OperationResult } from './report.ts';

export interface LoadStack {
  readonly apiUrl: string;
  /** An API key or access token with the operator role. */
  readonly apiToken: string;
  readonly sqs?:
    { readonly endpoint: string; readonly region: string; readonly eventsQueueUrl: string } | undefined;
  /** For the events' "applied" figures; optional. */
  readonly databaseUrl?: string | undefined;
}

export interface LoadOptions {
  readonly stack: LoadStack;
  readonly profile: Profile;
  /** Payments made before the load; default: enough for the events the profile sends. */
  readonly payments?: number | undefined;
  /** How long to wait after the last event for the workers to apply them, s. */
  readonly applyWaitSeconds?: number | undefined;
  readonly log: (line: string) => void;
  /** Aborted (Ctrl-C): the load stops at once and the report covers what ran. */
  readonly signal?: AbortSignal | undefined;
  /** Called about once a second while the load runs: seconds elapsed of the duration. */
  readonly onTick?: (elapsed: number, duration: number) => void;
}

/** Something the profile needs is not configured (exit 2). */
export class MissingSetting extends NotConfigured {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'MissingSetting';
    this.field = field;
  }
}

function runIdNow(): string {
  return `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}${randomBytes(3).toString('hex')}`;
}

/** Connections (at least one) and, in rate mode, the rate of one operation. */
function slice(p: Profile, share: number): { connections: number; rate: number | undefined } {
  const connections = Math.max(1, Math.round(p.connections * share));
  return { connections, rate: p.mode === 'rate' ? Math.max(1, Math.round(p.rate * share)) : undefined };
}

function latencyOf(r: autocannon.Result): LatencyFigures {
  return {
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    mean: r.latency.average,
  };
}

function statusCodes(r: autocannon.Result): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats as Record<string, { count: number }>))
    out[code] = v.count;
  return out;
}

interface ApiContext {
  readonly signal?: AbortSignal | undefined;
  readonly stack: LoadStack;
  readonly profile: Profile;
  readonly merchantId: string;
  readonly paymentIds: readonly string[];
  readonly runId: string;
}

function requestOf(op: Operation, c: ApiContext, counters: { duplicates: number }): autocannon.Request {
  const rnd = random(op.length * 7919 + 1);
  if (op === 'get')
    return {
      method: 'GET',
      setupRequest: (req) => ({
        ...req,
        path: `/api/v1/transactions/${c.paymentIds[Math.floor(rnd() * c.paymentIds.length)] ?? ''}`,
      }),
    };
  if (op === 'list')
    return {
      method: 'GET',
      path: `/api/v1/transactions?merchant_id=${c.merchantId}&limit=20&include_total=false`,
    };
  let n = 0;
  const body = JSON.stringify({
    merchant_id: c.merchantId,
    amount: 10.0,
    currency: 'USD',
    payer_id: `${c.merchantId}_payer`,
    current_state: 'pending',
    metadata: { created_by: 'payflow loadtest' },
  });
  return {
    method: 'POST',
    path: '/api/v1/transactions',
    setupRequest: (req) => {
      // A duplicate: the same request again with an Idempotency-Key already used (a client retry).
      const again = n > 0 && rnd() < c.profile.duplicates;
      if (again) counters.duplicates++;
      const key = again ? Math.floor(rnd() * n) : n++;
      return {
        ...req,
        body,
        headers: {
          ...req.headers,
          'content-type': 'application/json',
          'idempotency-key': `loadtest-${c.runId}-${String(key)}`,
        },
      };
    },
  };
}

async function runApiOperation(op: Operation, share: number, c: ApiContext): Promise<OperationResult> {
  const { connections, rate } = slice(c.profile, share);
  const counters = { duplicates: 0 };
  const options: autocannon.Options = {
    url: c.stack.apiUrl,
    connections,
    duration: c.profile.durationSeconds,
    ...(rate === undefined ? {} : { overallRate: rate }),
    headers: { authorization: `Bearer ${c.stack.apiToken}` },
    requests: [requestOf(op, c, counters)],
    timeout: 10,
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err: unknown, r: autocannon.Result) => {
      c.signal?.removeEventListener('abort', stop);
      if (err !== null && err !== undefined)
        reject(err instanceof Error ? err : new Error('autocannon failed'));
      else resolve(r);
    });
    function stop(): void {
      instance.stop();
    }
    c.signal?.addEventListener('abort', stop, { once: true });
  });
  const seconds = result.duration;
  const total = result.requests.total;
  return {
    name: op,
    label: OPERATION_LABELS[op],
    kind: 'api',
    connections,
    targetRate: rate ?? null,
    requests: total,
    durationSeconds: seconds,
    throughputPerSecond: seconds > 0 ? total / seconds : 0,
    latencyMs: latencyOf(result),
    statusCodes: statusCodes(result),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duplicates: op === 'create' ? counters.duplicates : 0,
    reordered: 0,
    applied: null,
  };
}

interface QueueContext {
  readonly signal?: AbortSignal | undefined;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly profile: Profile;
  readonly paymentIds: readonly string[];
  readonly runId: string;
}

interface EventStream {
  readonly next: () => { body: string; eventId: string; duplicate: boolean } | undefined;
  readonly reordered: number;
  readonly ids: string[];
}

/** authorized → captured → settled per payment; some pairs swapped (reorder), some repeated (duplicates). */
function eventStream(c: QueueContext): EventStream {
  const rnd = random(4242);
  const steps = ['authorized', 'captured', 'settled'];
  const base = Date.now() - 60_000;
  let payment = 0;
  let pending: { body: string; eventId: string }[] = [];
  const again: { body: string; eventId: string }[] = [];
  const s = { reordered: 0 };
  const ids: string[] = [];
  const seen = new Set<string>();
  const refill = (): void => {
    const id = c.paymentIds[payment];
    if (id === undefined) return;
    const events = steps.map((step, k) => {
      const eventId = `lt_${c.runId}_${String(payment)}_${String(k)}`;
      return {
        eventId,
        body: JSON.stringify({
          event_id: eventId,
          type: `payment.${step}`,
          payment_id: id,
          occurred_at: new Date(base + payment * 10 + k).toISOString(),
        }),
      };
    });
    for (let k = 0; k + 1 < events.length; k++) {
      const [a, b] = [events[k], events[k + 1]];
      if (a && b && rnd() < c.profile.reorder) {
        events[k] = b;
        events[k + 1] = a;
        s.reordered++;
        k++;
      }
    }
    payment++;
    pending = events;
  };
  return {
    get reordered() {
      return s.reordered;
    },
    ids,
    next: () => {
      if (again.length > 0 && rnd() < 0.5) {
        const e = again.shift();
        if (e) return { ...e, duplicate: true };
      }
      if (pending.length === 0) refill();
      const e = pending.shift() ?? again.shift();
      if (!e) return undefined;
      const duplicate = seen.has(e.eventId);
      if (!duplicate) {
        seen.add(e.eventId);
        ids.push(e.eventId);
        if (rnd() < c.profile.duplicates) again.push(e);
      }
      return { ...e, duplicate };
    },
  };
}

interface QueueRun {
  readonly result: OperationResult;
  readonly sentAt: Map<string, number>;
  readonly ranOut: boolean;
}

interface Sender {
  readonly latencies: number[];
  readonly sentAt: Map<string, number>;
  messages: number;
  duplicates: number;
  errors: number;
  ranOut: boolean;
}

/** Takes up to `size` events from the stream and sends them in one batch; false once they ran out. */
async function sendOne(c: QueueContext, stream: EventStream, st: Sender, size: number): Promise<boolean> {
  const bodies: string[] = [];
  while (bodies.length < size) {
    const e = stream.next();
    if (!e) {
      st.ranOut = true;
      break;
    }
    if (e.duplicate) st.duplicates++;
    else st.sentAt.set(e.eventId, Date.now());
    bodies.push(e.body);
  }
  if (bodies.length === 0) return false;
  try {
    st.latencies.push(...(await sendBodies(c.sqs, c.queueUrl, bodies, 1)));
    st.messages += bodies.length;
  } catch {
    st.errors++;
  }
  return !st.ranOut;
}

/** Open loop: a batch every tick, sized to keep the rate; slow answers do not slow the sender. */
async function sendAtRate(c: QueueContext, stream: EventStream, st: Sender, rate: number): Promise<void> {
  const t0 = Date.now();
  const end = t0 + c.profile.durationSeconds * 1000;
  const tickMs = Math.max(10, Math.min(1000, (10 / rate) * 1000));
  const inFlight = new Set<Promise<boolean>>();
  let due = 0;
  for (let tick = 0; Date.now() < end && !st.ranOut && c.signal?.aborted !== true; tick++) {
    due += (rate * tickMs) / 1000;
    const size = Math.floor(due);
    due -= size;
    for (let left = size; left > 0; left -= 10) {
      const p = sendOne(c, stream, st, Math.min(10, left));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + (tick + 1) * tickMs - Date.now())));
  }
  await Promise.all(inFlight);
}

/** Closed loop: `lanes` senders, each sending its next batch once the last is answered. */
async function sendFlatOut(c: QueueContext, stream: EventStream, st: Sender, lanes: number): Promise<void> {
  const end = Date.now() + c.profile.durationSeconds * 1000;
  const lane = async (): Promise<void> => {
    while (Date.now() < end && c.signal?.aborted !== true && (await sendOne(c, stream, st, 10)));
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

function latencyFigures(values: number[]): LatencyFigures {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    mean: sorted.length > 0 ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0,
  };
}

async function runQueueOperation(share: number, c: QueueContext): Promise<QueueRun> {
  const { connections, rate } = slice(c.profile, share);
  const stream = eventStream(c);
  const st: Sender = {
    latencies: [],
    sentAt: new Map(),
    messages: 0,
    duplicates: 0,
    errors: 0,
    ranOut: false,
  };
  const t0 = Date.now();
  if (rate === undefined) await sendFlatOut(c, stream, st, connections);
  else await sendAtRate(c, stream, st, rate);
  const seconds = (Date.now() - t0) / 1000;
  return {
    sentAt: st.sentAt,
    ranOut: st.ranOut,
    result: {
      name: 'events',
      label: OPERATION_LABELS.events,
      kind: 'queue',
      connections,
      targetRate: rate ?? null,
      requests: st.messages,
      durationSeconds: seconds,
      throughputPerSecond: seconds > 0 ? st.messages / seconds : 0,
      latencyMs: latencyFigures(st.latencies),
      statusCodes: {},
      non2xx: 0,
      errors: st.errors,
      timeouts: 0,
      duplicates: st.duplicates,
      reordered: stream.reordered,
      applied: null,
    },
  };
}

/** How many of the events the workers applied, waiting up to `waitSeconds`; end-to-end latency. */
async function appliedFigures(
  databaseUrl: string,
  sentAt: Map<string, number>,
  waitSeconds: number,
): Promise<OperationResult['applied']> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => undefined);
  const ids = [...sentAt.keys()];
  const start = Date.now();
  try {
    let rows: { event_id: string; outcome: string; at: number }[] = [];
    for (;;) {
      const r = await pool.query<{ event_id: string; outcome: string; at: string }>(
        `select event_id, outcome, (extract(epoch from processed_at) * 1000)::text as at
           from processed_events where event_id = any($1::text[])`,
        [ids],
      );
      rows = r.rows.map((x) => ({ ...x, at: Number(x.at) }));
      if (rows.length >= ids.length || Date.now() - start > waitSeconds * 1000) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const e2e = rows.map((x) => x.at - (sentAt.get(x.event_id) ?? x.at)).sort((a, b) => a - b);
    return {
      events: ids.length,
      applied: rows.filter((x) => x.outcome === 'applied').length,
      rejected: rows.filter((x) => x.outcome === 'rejected').length,
      waitedSeconds: (Date.now() - start) / 1000,
      endToEndMs: { p50: percentile(e2e, 50), p99: percentile(e2e, 99), max: e2e.at(-1) ?? 0 },
    };
  } finally {
    await pool.end().catch(() => undefined);
  }
}

function paymentsNeeded(o: LoadOptions, eventsShare: number, readsWanted: boolean): number {
  if (o.payments !== undefined) return o.payments;
  const p = o.profile;
  let forEvents = 0;
  if (eventsShare > 0)
    forEvents = p.mode === 'rate' ? Math.ceil((p.rate * eventsShare * p.durationSeconds) / 3) + 10 : 500;
  return Math.min(LIMITS.payments, Math.max(forEvents, readsWanted ? 50 : 0));
}

function checkTargets(stack: LoadStack, eventsShare: number): void {
  assertLoopbackUrl('the API URL', stack.apiUrl);
  if (eventsShare > 0) {
    if (!stack.sqs)
      throw new MissingSetting(
        '--mix',
        'events need the SQS endpoint and events queue (SQS_ENDPOINT, SQS_EVENTS_QUEUE_URL)',
      );
    assertLoopbackUrl('SQS_ENDPOINT', stack.sqs.endpoint);
  }
  if (stack.databaseUrl) assertLoopbackUrl('DATABASE_URL', stack.databaseUrl);
}

interface Setup {
  readonly runId: string;
  readonly merchantId: string;
  readonly paymentIds: readonly string[];
  readonly seconds: number;
}

async function setUp(o: LoadOptions, eventsShare: number, readsWanted: boolean): Promise<Setup> {
  const runId = runIdNow();
  const merchantId = `loadtest_${runId}`;
  const needed = paymentsNeeded(o, eventsShare, readsWanted);
  const t0 = Date.now();
  const paymentIds =
    needed === 0
      ? []
      : await createPayments({
          apiUrl: o.stack.apiUrl,
          token: o.stack.apiToken,
          count: needed,
          merchantId,
          keyPrefix: `loadtest-${runId}-setup`,
          concurrency: 8,
        });
  const seconds = (Date.now() - t0) / 1000;
  o.log(
    `loadtest ${runId}: ${String(paymentIds.length)} payments made first (merchant ${merchantId}, ${seconds.toFixed(1)} s); ` +
      `${o.profile.mode} mode for ${String(o.profile.durationSeconds)} s`,
  );
  return { runId, merchantId, paymentIds, seconds };
}

/** Every operation at once; the events' run kept apart for the "applied" figures. */
async function loadAll(
  o: LoadOptions,
  setup: Setup,
  sqs: SQSClient | undefined,
): Promise<{ results: OperationResult[]; queue: QueueRun | undefined }> {
  const ctx: ApiContext = { stack: o.stack, profile: o.profile, signal: o.signal, ...setup };
  const found: { queue?: QueueRun } = {};
  const results = await Promise.all(
    shares(o.profile).map(async ([op, share]) => {
      if (op !== 'events' || !sqs) return runApiOperation(op, share, ctx);
      const queue = await runQueueOperation(share, {
        sqs,
        queueUrl: o.stack.sqs?.eventsQueueUrl ?? '',
        profile: o.profile,
        paymentIds: setup.paymentIds,
        runId: setup.runId,
        signal: o.signal,
      });
      found.queue = queue;
      return queue.result;
    }),
  );
  return { results, queue: found.queue };
}

async function withApplied(
  o: LoadOptions,
  results: OperationResult[],
  queue: QueueRun,
  notes: string[],
): Promise<OperationResult[]> {
  if (!o.stack.databaseUrl) {
    notes.push('DATABASE_URL not known: how many events were applied is not measured');
    return results;
  }
  const wait = o.applyWaitSeconds ?? Math.min(30, Math.max(5, o.profile.durationSeconds));
  o.log(`waiting up to ${String(wait)} s for the workers to apply the events…`);
  const applied = await appliedFigures(o.stack.databaseUrl, queue.sentAt, wait);
  return results.map((r) => (r.name === 'events' ? { ...r, applied } : r));
}

/** The notes on how the load ended, and the events' "applied" figures unless interrupted. */
async function finishResults(
  o: LoadOptions,
  loaded: { results: OperationResult[]; queue: QueueRun | undefined },
  setup: Setup,
  notes: string[],
): Promise<OperationResult[]> {
  if (loaded.queue?.ranOut === true)
    notes.push(
      `events ran out (${String(setup.paymentIds.length)} payments × 3) before the duration ended; give --payments for more`,
    );
  if (o.signal?.aborted === true) {
    notes.push('interrupted: the load stopped before its duration');
    return loaded.results;
  }
  return loaded.queue ? withApplied(o, loaded.results, loaded.queue, notes) : loaded.results;
}

function totalsOf(results: readonly OperationResult[]): LoadReport['totals'] {
  const requests = results.reduce((n, r) => n + r.requests, 0);
  const seconds = Math.max(...results.map((r) => r.durationSeconds));
  return {
    requests,
    throughputPerSecond: seconds > 0 ? requests / seconds : 0,
    errors: results.reduce((n, r) => n + r.errors + r.timeouts, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const { stack, profile } = o;
  const parts = shares(profile);
  const eventsShare = parts.find(([op]) => op === 'events')?.[1] ?? 0;
  checkTargets(stack, eventsShare);
  const startedAt = new Date();
  const setup = await setUp(
    o,
    eventsShare,
    parts.some(([op]) => op === 'get' || op === 'list'),
  );
  const sqs = stack.sqs
    ? createSqsClient({ region: stack.sqs.region, endpoint: stack.sqs.endpoint })
    : undefined;
  const loadStart = Date.now();
  const ticker = setInterval(() => {
    o.onTick?.(Math.min(profile.durationSeconds, (Date.now() - loadStart) / 1000), profile.durationSeconds);
  }, 1000);
  try {
    const loaded = await loadAll(o, setup, sqs);
    clearInterval(ticker);
    const notes: string[] = [];
    const results = await finishResults(o, loaded, setup, notes);
    return {
      tool: 'payflow loadtest',
      version: 1,
      runId: setup.runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      target: { api: stack.apiUrl, queue: stack.sqs?.eventsQueueUrl ?? null },
      profile,
      setup: { payments: setup.paymentIds.length, seconds: setup.seconds, merchantId: setup.merchantId },
      operations: results,
      totals: totalsOf(results),
      notes,
    };
  } finally {
    clearInterval(ticker);
    sqs?.destroy();
  }
}
