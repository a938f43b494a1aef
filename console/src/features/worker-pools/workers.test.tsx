import { describe, expect, it } from 'vitest';
import { eventsQueue, workersFromHealth } from './workers';

describe('workersFromHealth', () => {
  it('when the report lists components with worker instances, then hostnames and throughput are read', () => {
    const view = workersFromHealth({
      components: [
        { name: 'api', kind: 'service', status: 'up', instances: [{ instance_id: 'api-1' }] },
        {
          name: 'worker',
          kind: 'service',
          status: 'degraded',
          message: '1 of 2 workers stopped beating',
          instances: [
            {
              instance_id: 'w-1',
              hostname: 'node-a',
              version: '0.2.0',
              pid: 7,
              started_at: '2026-01-01T00:00:00Z',
              last_seen_at: '2026-01-01T00:01:00Z',
              status: 'up',
              details: {
                events_per_second: 2.5,
                events_last_minute: 150,
                in_flight: 3,
                oldest_message_age_seconds: null,
              },
            },
            { instance_id: 'w-2', status: 'down', details: {} },
          ],
        },
      ],
      checks: { workers: { status: 'up', live: 1, instances: [] } },
    });
    expect(view.status).toBe('degraded');
    expect(view.message).toBe('1 of 2 workers stopped beating');
    expect(view.live).toBe(1);
    expect(view.instances.map((i) => i.id)).toEqual(['w-1', 'w-2']);
    expect(view.instances[0]).toMatchObject({
      hostname: 'node-a',
      version: '0.2.0',
      eventsPerSecond: 2.5,
      eventsLastMinute: 150,
      inFlight: 3,
      oldestMessageAgeSeconds: null,
    });
  });

  it('when the report is the first shape (components.workers), then id, version and heartbeat are kept', () => {
    const view = workersFromHealth({
      components: {
        workers: {
          status: 'up',
          live: 1,
          instances: [{ instance_id: 'w-9', version: '0.1.0', last_seen_at: '2026-01-01T00:00:00Z' }],
        },
      },
    });
    expect(view).toEqual({
      status: 'up',
      live: 1,
      message: undefined,
      instances: [
        expect.objectContaining({
          id: 'w-9',
          version: '0.1.0',
          lastSeenAt: '2026-01-01T00:00:00Z',
          hostname: undefined,
        }),
      ],
    });
  });

  it('when the report has no workers at all, then the list is empty', () => {
    expect(workersFromHealth({ status: 'healthy' })).toEqual({ instances: [], live: 0 });
    expect(workersFromHealth(null)).toEqual({ instances: [] });
  });
});

describe('eventsQueue', () => {
  it('when queue stats arrive, then the events queue and its dead letters are read', () => {
    expect(
      eventsQueue({
        queues: [
          {
            name: 'payflow-payment-events',
            visible: 4,
            in_flight: 2,
            delayed: 1,
            dlq_depth: 0,
            oldest_age_seconds: 1.5,
          },
        ],
      }),
    ).toEqual({
      name: 'payflow-payment-events',
      visible: 4,
      inFlight: 2,
      delayed: 1,
      dlqDepth: 0,
      oldestAgeSeconds: 1.5,
    });
    expect(eventsQueue({ queues: [] })).toBeUndefined();
  });
});
