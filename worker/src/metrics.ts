import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRegistry, metricName } from '@payflow/api/observability';

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly processed: Counter<'outcome'>;
  readonly processingSeconds: Histogram;
  readonly backlog: Gauge;
  readonly retries: Counter;
  readonly dlqSent: Counter;
  readonly batchSize: Histogram;
  readonly relayed: Counter;
  readonly parked: Gauge;
  readonly parkedOldestSeconds: Gauge;
  readonly parkedDead: Gauge;
  readonly parkedReleased: Counter;
  readonly parkedExpired: Counter;
  readonly oldestAge: Gauge;
  readonly heartbeatAt: Gauge;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = createRegistry('worker');
  const r = [registry];
  return {
    registry,
    processed: new Counter({
      name: metricName('worker_events_processed_total'),
      help: 'Payment events handled, by outcome (applied, duplicate, ignored, parked, rejected, retry).',
      labelNames: ['outcome'],
      registers: r,
    }),
    processingSeconds: new Histogram({
      name: metricName('worker_processing_seconds'),
      help: 'Time from receiving a message to settling it (delete, DLQ or retry).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    }),
    backlog: new Gauge({
      name: metricName('worker_backlog_messages'),
      help: 'Approximate messages waiting on the events queue (visible).',
      registers: r,
    }),
    retries: new Counter({
      name: metricName('worker_retries_total'),
      help: 'Messages left for redelivery with a backoff.',
      registers: r,
    }),
    dlqSent: new Counter({
      name: metricName('worker_dlq_sent_total'),
      help: 'Messages sent to the dead-letter queue by the worker (rejected events).',
      registers: r,
    }),
    batchSize: new Histogram({
      name: metricName('worker_batch_events'),
      help: 'Events applied per Postgres transaction.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: r,
    }),
    relayed: new Counter({
      name: metricName('worker_outbox_published_total'),
      help: 'Outbox rows published to the updates queue.',
      registers: r,
    }),
    parked: new Gauge({
      name: metricName('worker_parked_events'),
      help: 'Events parked in Postgres, waiting for their payment or the state they need (all workers; sampled by the parking lot).',
      registers: r,
    }),
    parkedOldestSeconds: new Gauge({
      name: metricName('worker_parked_oldest_age_seconds'),
      help: 'Seconds since the oldest parked event was first parked (0 when none).',
      registers: r,
    }),
    parkedDead: new Gauge({
      name: metricName('worker_parked_dead_letter_pending'),
      help: 'Parked events rejected (impossible or past the horizon) not yet sent to the DLQ.',
      registers: r,
    }),
    parkedReleased: new Counter({
      name: metricName('worker_parked_released_total'),
      help: 'Parked events applied (or found processed) after their predecessor, by this process.',
      registers: r,
    }),
    parkedExpired: new Counter({
      name: metricName('worker_parked_dead_lettered_total'),
      help: 'Parked events sent to the DLQ by this process (impossible, or past PARK_HORIZON_SECONDS).',
      registers: r,
    }),
    oldestAge: new Gauge({
      name: metricName('worker_oldest_message_age_seconds'),
      help: 'Age at receive (now - SentTimestamp) of the oldest message received in the last minute; 0 when none came.',
      registers: r,
    }),
    heartbeatAt: new Gauge({
      name: metricName('worker_heartbeat_timestamp_seconds'),
      help: "Unix time of this worker's latest heartbeat (its row in service_heartbeats).",
      registers: r,
    }),
  };
}
