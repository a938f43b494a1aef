// The parking lot: what happens to parked events (migration 0014) besides being released by the
// event that makes them applicable, which apply.ts does in that event's transaction. Every
// PARK_SWEEP_INTERVAL_MS, in every worker process (the transactions lock what they touch, so
// several sweepers only wait for one another):
//   1. parked events whose payment moved without a worker event (an API command), or came to
//      exist, are decided again (and applied when they now can, in occurred_at order); so are
//      those first parked more than PARK_HORIZON_SECONDS ago, which are rejected when they
//      still cannot apply, with a reason naming what they waited for;
//   2. rejected parked events (past the horizon, or made impossible by another event) are sent
//      to the DLQ with their body and reason, then deleted (a crash in between sends one again:
//      the DLQ gets it at least once, nothing is lost);
//   3. the parked count and the oldest parked age are sampled for /metrics.
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@payflow/api/observability';
import type pg from 'pg';
import { connect, settleParked, type ApplyContext } from './apply.ts';
import type { WorkerMetrics } from './metrics.ts';

export interface ParkingLotOptions {
  readonly pool: pg.Pool;
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  readonly apply: ApplyContext;
  readonly horizonSeconds: number;
  readonly intervalMs: number;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
}

export interface ParkedStats {
  readonly parked: number;
  /** Seconds since the oldest parked event was first parked; null when none is parked. */
  readonly oldestAgeSeconds: number | null;
  /** Rejected, not yet sent to the DLQ. */
  readonly dead: number;
}

export interface SweepResult {
  readonly decided: number;
  readonly deadLettered: number;
  readonly stats: ParkedStats;
}

/** Payments decided again per transaction, and at most per sweep. */
const CHUNK = 100;
const PER_SWEEP = 1000;

const DUE_SQL = `
  select payment_id, now() - make_interval(secs => $1) as before from (
    select pe.payment_id from parked_events pe
      join payments p on p.id = pe.payment_id and p.created_at = pe.payment_created_at
     where pe.status = 'parked' and p.version is distinct from pe.seen_version
    union
    select payment_id from parked_events
     where status = 'parked' and parked_at < now() - make_interval(secs => $1)
  ) due limit $2`;

export async function parkedStats(db: pg.Pool | pg.ClientBase): Promise<ParkedStats> {
  const { rows } = await db.query<{ parked: number; dead: number; oldest: number | null }>(
    `select count(*) filter (where status = 'parked')::int as parked,
            count(*) filter (where status = 'dead')::int as dead,
            extract(epoch from now() - min(parked_at) filter (where status = 'parked'))::float8 as oldest
       from parked_events`,
  );
  const r = rows[0];
  return {
    parked: r?.parked ?? 0,
    dead: r?.dead ?? 0,
    oldestAgeSeconds: r?.oldest === null || r?.oldest === undefined ? null : Math.round(r.oldest * 10) / 10,
  };
}

export class ParkingLot {
  private readonly o: ParkingLotOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(o: ParkingLotOptions) {
    this.o = o;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .catch((err: unknown) => {
          this.o.logger.warn({ err: (err as Error).message }, 'parking lot sweep failed');
        })
        .finally(() => {
          this.schedule(this.o.intervalMs);
        });
    }, ms);
  }

  /** One sweep: decide what is due, dead-letter what was rejected, sample the gauges. */
  async sweep(): Promise<SweepResult> {
    const decided = await this.decideDue();
    const deadLettered = await this.deadLetter();
    const stats = await parkedStats(this.o.pool);
    this.o.metrics.parked.set(stats.parked);
    this.o.metrics.parkedOldestSeconds.set(stats.oldestAgeSeconds ?? 0);
    this.o.metrics.parkedDead.set(stats.dead);
    return { decided, deadLettered, stats };
  }

  private async decideDue(): Promise<number> {
    const { rows } = await this.o.pool.query<{ payment_id: string; before: Date }>(DUE_SQL, [
      this.o.horizonSeconds,
      PER_SWEEP,
    ]);
    const before = rows[0]?.before;
    if (!before) return 0;
    const ids = rows.map((r) => r.payment_id);
    for (let i = 0; i < ids.length; i += CHUNK) {
      await settleParked(this.o.apply, ids.slice(i, i + CHUNK), {
        before,
        horizonSeconds: this.o.horizonSeconds,
      });
    }
    return ids.length;
  }

  /** Sends rejected parked events to the DLQ, ten at a time, each batch in its own transaction. */
  private async deadLetter(): Promise<number> {
    let sent = 0;
    for (let round = 0; round < PER_SWEEP / 10; round++) {
      const n = await this.deadLetterSome();
      sent += n;
      if (n === 0) break;
    }
    return sent;
  }

  private async deadLetterSome(): Promise<number> {
    const client = await connect(this.o.pool);
    let broken: Error | undefined;
    try {
      await client.query('begin');
      const { rows } = await client.query<{
        event_id: string;
        body: string;
        message_id: string | null;
        dead_reason: string;
      }>(
        `select event_id, body, message_id, dead_reason from parked_events
          where status = 'dead' order by event_id limit 10 for update skip locked`,
      );
      if (rows.length === 0) {
        await client.query('commit');
        return 0;
      }
      const out = await this.o.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.o.dlqUrl,
          Entries: rows.map((r, i) => ({
            Id: String(i),
            MessageBody: r.body,
            MessageAttributes: {
              reason: { DataType: 'String', StringValue: r.dead_reason.slice(0, 1024) },
              event_id: { DataType: 'String', StringValue: r.event_id },
              source_message_id: { DataType: 'String', StringValue: r.message_id ?? 'unknown' },
            },
          })),
        }),
      );
      const sent = (out.Successful ?? []).map((e) => rows[Number(e.Id)]?.event_id ?? '');
      await client.query('delete from parked_events where event_id = any($1::text[])', [sent]);
      await client.query('commit');
      this.o.metrics.dlqSent.inc(sent.length);
      this.o.metrics.parkedExpired.inc(sent.length);
      for (const r of rows.filter((x) => sent.includes(x.event_id)))
        this.o.logger.warn({ eventId: r.event_id, reason: r.dead_reason }, 'parked event dead-lettered');
      return sent.length;
    } catch (err) {
      await client.query('rollback').catch(() => {
        broken = err as Error;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
