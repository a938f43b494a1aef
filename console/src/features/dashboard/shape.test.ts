import { describe, expect, it } from 'vitest';
import type { HealthReport, Overview } from './data';
import {
  currencyRows,
  inputName,
  parseWindow,
  queueSummaries,
  rateSeries,
  rateSummary,
  scoreTier,
  stateSlices,
  workerSummary,
} from './shape';

const window5m = { from: '2026-12-01T10:00:00Z', to: '2026-12-01T10:15:00Z', bucket_seconds: 300 };

describe('parseWindow', () => {
  it('when the URL holds a known window, then it is used; else the last hour', () => {
    expect(parseWindow('7d')).toBe('7d');
    expect(parseWindow('')).toBe('1h');
    expect(parseWindow('2h')).toBe('1h');
    expect(parseWindow(null)).toBe('1h');
  });
});

describe('rateSeries', () => {
  it('when buckets are five minutes long, then counts become rates per minute split by outcome', () => {
    const points = rateSeries({
      window: window5m,
      series: [
        { ts: '2026-12-01T10:05:00Z', payments: 100, succeeded: 80, failed: 5 },
        { ts: '2026-12-01T10:00:00Z', payments: 50, succeeded: 40, failed: 10 },
      ],
    });
    expect(points.map((p) => p.ts)).toEqual(['2026-12-01T10:00:00Z', '2026-12-01T10:05:00Z']);
    expect(points[0]).toMatchObject({ total: 10, succeeded: 8, failed: 2, other: 0 });
    expect(points[1]).toMatchObject({ total: 20, succeeded: 16, failed: 1, other: 3 });
  });

  it('when the newest bucket is still filling, then its rate is over the seconds it has had, and a bucket of a moment is left out', () => {
    const points = rateSeries({
      window: { from: '2026-12-01T10:00:00Z', to: '2026-12-01T10:02:30Z', bucket_seconds: 60 },
      series: [
        { ts: '2026-12-01T10:01:00Z', payments: 60, succeeded: 60, failed: 0 },
        { ts: '2026-12-01T10:02:00Z', payments: 15, succeeded: 15, failed: 0 },
      ],
    });
    expect(points.map((p) => p.total)).toEqual([60, 30]);
    const young = rateSeries({
      window: { from: '2026-12-01T10:00:00Z', to: '2026-12-01T10:02:02Z', bucket_seconds: 60 },
      series: [{ ts: '2026-12-01T10:02:00Z', payments: 1, succeeded: 1, failed: 0 }],
    });
    expect(young).toEqual([]);
  });

  it('when a bucket reports more outcomes than payments, then "in progress" is not negative', () => {
    const [p] = rateSeries({
      window: { ...window5m, bucket_seconds: 60 },
      series: [{ ts: '2026-12-01T10:00:00Z', payments: 3, succeeded: 3, failed: 1 }],
    });
    expect(p?.other).toBe(0);
  });

  it('when the series is empty, then the summary has no numbers', () => {
    const totals = { payments: 0, succeeded: 0, failed: 0, success_rate: null, by_currency: [] };
    expect(rateSummary([], { window: window5m, totals })).toEqual({
      latest: null,
      average: null,
      peak: null,
    });
  });

  it('when there are points, then now is the newest complete bucket, the average covers the window, and the peak the busiest', () => {
    const overview = {
      window: { ...window5m, to: '2026-12-01T10:12:00Z' },
      totals: { payments: 135, succeeded: 135, failed: 0, success_rate: 1, by_currency: [] },
      series: [
        { ts: '2026-12-01T10:00:00Z', payments: 30, succeeded: 30, failed: 0 },
        { ts: '2026-12-01T10:05:00Z', payments: 90, succeeded: 90, failed: 0 },
        { ts: '2026-12-01T10:10:00Z', payments: 15, succeeded: 15, failed: 0 },
      ],
    };
    // The 10:10 bucket is still filling at 10:12, so "now" is the 10:05 one; 135 payments in 12 minutes.
    const summary = rateSummary(rateSeries(overview), overview);
    expect(summary).toEqual({ latest: 18, average: 11.3, peak: 18 });
  });
});

describe('currencyRows', () => {
  it('when several currencies are paid in, then the busiest comes first with its share and its trend', () => {
    const overview: Pick<Overview, 'totals' | 'series'> = {
      totals: {
        payments: 4,
        succeeded: 4,
        failed: 0,
        success_rate: 1,
        by_currency: [
          { currency: 'EUR', count: 1, amount: '10.00', amount_minor: '1000' },
          { currency: 'USD', count: 3, amount: '9007199254740993.01', amount_minor: '900719925474099301' },
        ],
      },
      series: [
        {
          ts: '2026-12-01T10:00:00Z',
          payments: 4,
          succeeded: 4,
          failed: 0,
          by_currency: { USD: { count: 3, amount_minor: '300', amount: '3.00' } },
        },
      ],
    };
    const rows = currencyRows(overview);
    expect(rows.map((r) => r.currency)).toEqual(['USD', 'EUR']);
    expect(rows[0]?.amount).toBe('9007199254740993.01');
    expect(rows[0]?.share).toBe(0.75);
    expect(rows[0]?.spark.map((s) => s.y)).toEqual([300]);
    expect(rows[1]?.spark.map((s) => s.y)).toEqual([0]);
  });
});

describe('stateSlices', () => {
  it('when states are mixed, then they follow the lifecycle, empty ones are left out, and shares add up', () => {
    const slices = stateSlices([
      { state: 'failed', count: 1 },
      { state: 'settled', count: 2 },
      { state: 'voided', count: 0 },
      { state: 'pending', count: 1 },
    ]);
    expect(slices.map((s) => s.state)).toEqual(['pending', 'settled', 'failed']);
    expect(slices.map((s) => s.share)).toEqual([0.25, 0.5, 0.25]);
  });
});

describe('workerSummary', () => {
  it('when the report lists components, then live workers are the instances still beating', () => {
    const report: HealthReport = {
      status: 'degraded',
      checked_at: '2026-12-01T10:00:00Z',
      components: [
        {
          name: 'worker',
          kind: 'service',
          status: 'degraded',
          throughput: { events_per_second: 12.5 },
          instances: [
            { instance_id: 'w1', status: 'up' },
            { instance_id: 'w2', status: 'up' },
            { instance_id: 'w3', status: 'down' },
          ],
        },
      ],
    };
    expect(workerSummary(report)).toMatchObject({
      live: 2,
      down: 1,
      eventsPerSecond: 12.5,
      status: 'degraded',
    });
  });

  it('when the report has the first map of checks, then its live count is used', () => {
    const report: HealthReport = {
      status: 'healthy',
      checked_at: '2026-12-01T10:00:00Z',
      components: { workers: { status: 'up', live: 3, instances: [{ instance_id: 'w1' }] } },
    };
    expect(workerSummary(report)).toMatchObject({ live: 3, down: 0, status: 'up' });
  });

  it('when no worker component is listed, then the services count is used', () => {
    const report: HealthReport = {
      status: 'healthy',
      checked_at: '2026-12-01T10:00:00Z',
      components: [],
      services: { worker: 4 },
    };
    expect(workerSummary(report).live).toBe(4);
  });
});

describe('health score words', () => {
  it('when the score is 90 or more, then healthy; 70 or more, degraded; below, down', () => {
    expect([100, 90, 89, 70, 69, 0].map(scoreTier)).toEqual([
      'up',
      'up',
      'degraded',
      'degraded',
      'down',
      'down',
    ]);
    expect(inputName('dead_letters')).toBe('Dead letters');
  });
});

describe('queueSummaries', () => {
  it('when a queue has a dead-letter queue, then waiting counts delayed messages and the DLQ depth is kept', () => {
    const [q] = queueSummaries({
      sampled_at: '2026-12-01T10:00:00Z',
      queues: [
        {
          name: 'events',
          url: 'http://sqs/events',
          visible: 5,
          in_flight: 2,
          delayed: 1,
          dlq: { name: 'events-dlq', visible: 3, in_flight: 0, delayed: 0, oldest_age_seconds: 90 },
          dlq_depth: 3,
          oldest_age_seconds: 12,
        },
      ],
    });
    expect(q).toMatchObject({
      waiting: 6,
      inFlight: 2,
      dlq: 3,
      oldestAgeSeconds: 12,
      dlqOldestAgeSeconds: 90,
    });
  });
});
