// One heartbeat writer for every PayFlow process (API, worker, controller): each instance upserts
// its row in service_heartbeats every few seconds (component, instance id, version, host, pid,
// start time, last beat and what it has to say about itself in `details`) and deletes it on a
// graceful stop. The API's health endpoint reads the rows (ops/system.ts).
// Imported by the worker and the controller as `@payflow/api/heartbeat`; no HTTP layer here.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type pg from 'pg';

export type ServiceComponent = 'api' | 'worker' | 'controller' | 'relay';

/** Rows not refreshed for this long are deleted by any process that starts (crashed instances). */
const PRUNE_AFTER = '1 day';

export interface HeartbeatOptions {
  readonly component: ServiceComponent;
  readonly instanceId: string;
  readonly version: string;
  readonly intervalMs: number;
  /** The row's `details`, asked for on every beat; keep it cheap (it may be async, e.g. a probe). */
  readonly details?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Called when a beat cannot be written after one that could (and on the first failure). */
  readonly onError?: (err: unknown) => void;
  /** When the process started (default: now). */
  readonly startedAt?: Date;
}

export interface Heartbeat {
  readonly instanceId: string;
  /** Settles once the first beat was written (or failed). */
  readonly ready: Promise<void>;
  /** Writes one beat now (skipped while another is being written). */
  beat(): Promise<void>;
  /** Stops beating and deletes this instance's row. */
  stop(): Promise<void>;
}

/** The `version` of a package.json (the process's own), or 0.0.0 when it cannot be read. */
export function packageVersion(packageJson: URL): string {
  try {
    const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `<component>-<host>-<pid>-<random>`: unique per process start. */
export function defaultInstanceId(component: ServiceComponent): string {
  return `${component}-${hostname()}-${String(process.pid)}-${randomBytes(3).toString('hex')}`;
}

const UPSERT = `insert into service_heartbeats
    (instance_id, component, version, hostname, pid, interval_ms, started_at, details)
  values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
  on conflict (instance_id) do update set
    last_seen_at = now(), version = excluded.version, hostname = excluded.hostname,
    pid = excluded.pid, interval_ms = excluded.interval_ms, details = excluded.details`;

export function startHeartbeat(pool: pg.Pool, o: HeartbeatOptions): Heartbeat {
  const startedAt = (o.startedAt ?? new Date()).toISOString();
  const host = hostname();
  let writing: Promise<void> | undefined;
  let failing = false;
  let stopped = false;

  const write = async (): Promise<void> => {
    try {
      const details = (await o.details?.()) ?? {};
      if (stopped) return;
      await pool.query(UPSERT, [
        o.instanceId,
        o.component,
        o.version,
        host,
        process.pid,
        Math.round(o.intervalMs),
        startedAt,
        JSON.stringify(details),
      ]);
      failing = false;
    } catch (err) {
      if (!failing) o.onError?.(err);
      failing = true;
    }
  };
  const beat = async (): Promise<void> => {
    if (writing || stopped) return writing;
    writing = write().finally(() => {
      writing = undefined;
    });
    return writing;
  };
  const prune = pool
    .query(`delete from service_heartbeats where last_seen_at < now() - interval '${PRUNE_AFTER}'`)
    .then(
      () => undefined,
      () => undefined,
    );
  const ready = prune.then(beat);
  const timer = setInterval(() => void beat(), o.intervalMs);
  timer.unref();
  return {
    instanceId: o.instanceId,
    ready,
    beat,
    async stop() {
      clearInterval(timer);
      await ready;
      await writing;
      stopped = true;
      await pool
        .query('delete from service_heartbeats where instance_id = $1', [o.instanceId])
        .catch(() => undefined);
    },
  };
}

/**
 * The increase of a cumulative count over about the last `windowMs`, from the samples taken at
 * each beat (nothing on any hot path: the count is a plain integer the caller increments).
 */
export class RecentRate {
  private readonly samples: { at: number; value: number }[];
  private readonly windowMs: number;

  constructor(windowMs = 60_000, initial = 0, at = Date.now()) {
    this.windowMs = windowMs;
    this.samples = [{ at, value: initial }];
  }

  /** Records the count now; the increase since the oldest sample kept, and that per second. */
  sample(value: number, at = Date.now()): { count: number; perSecond: number } {
    this.samples.push({ at, value });
    // Keep one sample at or before the window's start, so that the span covers the window.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - this.windowMs) this.samples.shift();
    const first = this.samples[0] ?? { at, value };
    const count = value - first.value;
    const seconds = (at - first.at) / 1000;
    return { count, perSecond: seconds > 0 ? Math.round((count / seconds) * 100) / 100 : 0 };
  }
}

/** The largest value seen over about the last `windowMs` (null when none was). */
export class RecentMax {
  private readonly samples: { at: number; value: number }[] = [];
  private readonly windowMs: number;

  constructor(windowMs = 60_000) {
    this.windowMs = windowMs;
  }

  add(value: number | undefined, at = Date.now()): number | null {
    if (value !== undefined) this.samples.push({ at, value });
    while ((this.samples[0]?.at ?? at) < at - this.windowMs) this.samples.shift();
    return this.samples.length === 0 ? null : Math.max(...this.samples.map((s) => s.value));
  }
}

/** Requests an HTTP server has answered and is answering: two integers, one listener per request. */
export interface RequestCounts {
  readonly served: number;
  readonly inFlight: number;
}

export function countRequests(server: Server): () => RequestCounts {
  let started = 0;
  let finished = 0;
  const onClose = (): void => {
    finished++;
  };
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    started++;
    res.once('close', onClose);
  });
  return () => ({ served: finished, inFlight: started - finished });
}
