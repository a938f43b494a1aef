import { workerPoolSpecSchema, type WorkerPoolSpecInput } from '@payflow/api/crd';
import { describe, expect, it } from 'vitest';
import { decide, newPoolMemory, type ScaleInput } from './scaling.ts';
import type { QueueDepth } from './sqs-metrics.ts';

function spec(over: Partial<WorkerPoolSpecInput> = {}) {
  return workerPoolSpecSchema.parse({
    queue: { name: 'q' },
    minReplicas: 1,
    maxReplicas: 20,
    targetBacklogPerReplica: 5,
    pollingIntervalSeconds: 5,
    scaleDownStabilizationSeconds: 60,
    tolerancePercent: 10,
    cooldownSeconds: 300,
    ...over,
  });
}

const depth = (visible: number, inFlight = 0, delayed = 0): QueueDepth => ({ visible, inFlight, delayed });

function input(
  s: ReturnType<typeof spec>,
  now: number,
  d: QueueDepth | undefined,
  current: number,
): ScaleInput {
  return { spec: s, now, depth: d, current, ready: current };
}

describe('WorkerPool scaling decision', () => {
  it('when the backlog grows, then replicas follow backlog / target at once, clamped to max', () => {
    const mem = newPoolMemory();
    const s = spec();
    expect(decide(mem, input(s, 0, depth(50), 1)).desired).toBe(10);
    expect(decide(mem, input(s, 5000, depth(500), 10)).desired).toBe(20);
  });

  it('when in-flight and delayed messages are counted or not, then the backlog says so', () => {
    const d = depth(10, 20, 30);
    expect(decide(newPoolMemory(), input(spec(), 0, d, 1)).backlog).toBe(30);
    expect(decide(newPoolMemory(), input(spec({ countInFlight: false }), 0, d, 1)).backlog).toBe(10);
    expect(decide(newPoolMemory(), input(spec({ countDelayed: true }), 0, d, 1)).backlog).toBe(60);
  });

  it('when the backlog falls, then scale-down waits for the highest recommendation of the window', () => {
    const mem = newPoolMemory();
    const s = spec({ scaleDownStabilizationSeconds: 60 });
    expect(decide(mem, input(s, 0, depth(50), 1)).desired).toBe(10);
    const held = decide(mem, input(s, 10_000, depth(0), 10));
    expect(held.desired).toBe(10);
    expect(held.reason).toMatch(/stabilized/);
    expect(decide(mem, input(s, 59_000, depth(0), 10)).desired).toBe(10);
    expect(decide(mem, input(s, 61_000, depth(0), 10)).desired).toBe(1);
  });

  it('when the change is within the tolerance, then the current count is kept', () => {
    const mem = newPoolMemory();
    const s = spec({ tolerancePercent: 10, scaleDownStabilizationSeconds: 0 });
    // 52 / 5 → 11 against 10 running: 10 % change, within tolerance.
    const d = decide(mem, input(s, 0, depth(52), 10));
    expect(d.desired).toBe(10);
    expect(d.reason).toMatch(/within 10%/);
    expect(decide(mem, input(s, 5000, depth(60), 10)).desired).toBe(12);
  });

  it('when the backlog is not above the activation threshold, then the pool is inactive at minReplicas', () => {
    const s = spec({
      activationBacklog: 10,
      minReplicas: 0,
      cooldownSeconds: 0,
      scaleDownStabilizationSeconds: 0,
    });
    const d = decide(newPoolMemory(), input(s, 0, depth(10), 0));
    expect(d).toMatchObject({ active: false, desired: 0 });
    expect(decide(newPoolMemory(), input(s, 0, depth(11), 0))).toMatchObject({ active: true, desired: 3 });
  });

  it('when the queue empties with minReplicas 0, then one replica is kept until the cooldown passes', () => {
    const mem = newPoolMemory();
    const s = spec({ minReplicas: 0, cooldownSeconds: 30, scaleDownStabilizationSeconds: 0 });
    expect(decide(mem, input(s, 0, depth(5), 0)).desired).toBe(1);
    expect(decide(mem, input(s, 10_000, depth(0), 1)).desired).toBe(1);
    expect(decide(mem, input(s, 31_000, depth(0), 1)).desired).toBe(0);
  });

  it('when reads fail, then the count is kept until the failure threshold and the fallback applies after', () => {
    const mem = newPoolMemory();
    const s = spec({ fallback: { failureThreshold: 2, replicas: 4 } });
    expect(decide(mem, input(s, 0, undefined, 7))).toMatchObject({ desired: 7, fallback: false });
    expect(decide(mem, input(s, 5000, undefined, 7))).toMatchObject({ desired: 4, fallback: true });
    expect(decide(mem, input(s, 10_000, depth(50), 4))).toMatchObject({ desired: 10, fallback: false });
    expect(mem.failures).toBe(0);
  });

  it('when spec.replicas is set through the scale subresource, then it wins, clamped to [min, max]', () => {
    const d = decide(newPoolMemory(), input(spec({ replicas: 50 }), 0, depth(0), 1));
    expect(d.desired).toBe(20);
    expect(d.reason).toMatch(/scale subresource/);
  });

  it('when a steady load keeps the backlog flat, then the arrival rate keeps the replicas the drain needs', () => {
    const mem = newPoolMemory();
    const s = spec({
      targetBacklogPerReplica: 100,
      scaleDownStabilizationSeconds: 0,
      tolerancePercent: 0,
      concurrencyPerReplica: 10,
    });
    // 4 ready workers drain 200 messages in 5 s while nothing arrives: 10 msg/s per replica.
    decide(mem, input(s, 0, depth(400, 40), 4));
    decide(mem, input(s, 5000, depth(200, 40), 4));
    // Then the backlog stays flat with all 4 workers busy (40 in flight at concurrency 10):
    // 40 msg/s arrive, which needs 4 replicas although the backlog alone (240 / 100) asks for 3.
    decide(mem, input(s, 10_000, depth(200, 40), 4));
    decide(mem, input(s, 15_000, depth(200, 40), 4));
    const next = decide(mem, input(s, 20_000, depth(200, 40), 4));
    expect(next.drainRate).toBeCloseTo(40);
    expect(next.arrivalRate).toBeGreaterThan(20);
    expect(next.desired).toBe(4);
    expect(next.reason).toMatch(/^arrival/);
  });

  it('when the backlog is flat but the workers are idle, then no arrival is assumed', () => {
    const mem = newPoolMemory();
    const s = spec({ targetBacklogPerReplica: 100, scaleDownStabilizationSeconds: 0, tolerancePercent: 0 });
    decide(mem, input(s, 0, depth(400), 4));
    decide(mem, input(s, 5000, depth(200), 4));
    decide(mem, input(s, 10_000, depth(200), 4));
    const next = decide(mem, input(s, 15_000, depth(200), 4));
    expect(next.drainRate).toBe(0);
    expect(next.desired).toBe(2);
  });
});
