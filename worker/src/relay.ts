// The outbox relay: publishes committed outbox rows to the updates queue in id order, at least
// once, and marks them published. Several relays can run: each batch is claimed with
// `for update skip locked`; to keep per-aggregate order, a batch skips any row whose aggregate
// has an older unpublished row held by another relay.
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type pg from 'pg';
import type { Logger } from '@payflow/api/observability';
import { connect } from './apply.ts';

export interface RelayOptions {
  readonly pool: pg.Pool;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly batchSize: number;
  readonly logger: Logger;
  readonly onPublished?: (n: number) => void;
}

interface OutboxRow {
  id: bigint;
  topic: string;
  aggregate_id: string;
  event_type: string;
  payload: unknown;
}

/** Publishes one batch; returns how many rows were published. */
export async function relayOnce(o: RelayOptions): Promise<number> {
  const client = await connect(o.pool);
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const { rows } = await client.query<OutboxRow>(
      `select id, topic, aggregate_id, event_type, payload from outbox
        where published_at is null order by id limit $1 for update skip locked`,
      [o.batchSize],
    );
    const ready = await inAggregateOrder(client, rows);
    for (let i = 0; i < ready.length; i += 10) await publish(o, ready.slice(i, i + 10));
    if (ready.length > 0) {
      await client.query(
        'update outbox set published_at = now(), attempts = attempts + 1 where id = any($1::bigint[])',
        [ready.map((r) => r.id)],
      );
    }
    await client.query('commit');
    if (ready.length > 0) o.onPublished?.(ready.length);
    return ready.length;
  } catch (err) {
    await client.query('rollback').catch(() => {
      broken = err as Error;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * The claimed rows that may go now: a row waits while an older unpublished row of its
 * aggregate is held by another relay (it is not in this batch). Rows stay in id order.
 */
async function inAggregateOrder(client: pg.ClientBase, rows: OutboxRow[]): Promise<OutboxRow[]> {
  if (rows.length === 0) return rows;
  const ids = rows.map((r) => r.id);
  const { rows: blocked } = await client.query<{ id: bigint }>(
    `select o.id from outbox o
      where o.id = any($1::bigint[])
        and exists (select 1 from outbox e
                     where e.aggregate_id = o.aggregate_id and e.published_at is null
                       and e.id < o.id and not (e.id = any($1::bigint[])))`,
    [ids],
  );
  const wait = new Set(blocked.map((b) => b.id));
  return rows.filter((r) => !wait.has(r.id));
}

async function publish(o: RelayOptions, rows: OutboxRow[]): Promise<void> {
  const out = await o.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: o.queueUrl,
      Entries: rows.map((r) => ({
        Id: r.id.toString(),
        MessageBody: JSON.stringify(r.payload),
        MessageAttributes: {
          topic: { DataType: 'String', StringValue: r.topic },
          event_type: { DataType: 'String', StringValue: r.event_type },
          aggregate_id: { DataType: 'String', StringValue: r.aggregate_id },
          outbox_id: { DataType: 'Number', StringValue: r.id.toString() },
        },
      })),
    }),
  );
  if (out.Failed?.length) throw new Error(`outbox publish failed for ${String(out.Failed.length)} rows`);
}

/** Runs the relay until `signal` aborts: drains while there is work, then sleeps `intervalMs`. */
export async function runRelay(o: RelayOptions & { intervalMs: number; signal: AbortSignal }): Promise<void> {
  while (!o.signal.aborted) {
    let n = 0;
    try {
      n = await relayOnce(o);
    } catch (err) {
      o.logger.warn({ err }, 'outbox relay batch failed; retrying');
    }
    if (n === 0) await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
