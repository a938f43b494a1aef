import { describe, expect, it } from 'vitest';
import { healthScore, type ScoreFacts } from './health-score.ts';

const healthy: ScoreFacts = {
  dependencies: [
    { name: 'postgres', reachable: true },
    { name: 'redis', reachable: true },
  ],
  workers: { live: 2, stale: 0 },
  deadLetters: 0,
  backlog: { visible: 0, drainPerSecond: 0 },
  alerts: { critical: 0, high: 0 },
  controller: undefined,
};

const input = (f: ScoreFacts, name: string) => healthScore(f).inputs.find((i) => i.name === name);

describe('health score', () => {
  it('when everything is fine, then the score is 100 and an input that does not apply has weight 0', () => {
    const s = healthScore(healthy);
    expect(s.value).toBe(100);
    expect(input(healthy, 'controller')).toMatchObject({ weight: 0 });
    expect(s.explanation).toContain('÷ 100 × 100 = 100');
  });

  it('when no worker is live, then the workers input is 0 and the score drops by its weight share', () => {
    const f = { ...healthy, workers: { live: 0, stale: 1 } };
    expect(input(f, 'workers')?.value).toBe(0);
    expect(healthScore(f).value).toBe(75);
  });

  it('when the backlog takes twice the target to drain, then the backlog input is one half', () => {
    const f = { ...healthy, backlog: { visible: 1200, drainPerSecond: 10 } };
    expect(input(f, 'backlog')?.value).toBe(0.5);
    expect(input({ ...healthy, backlog: { visible: 5, drainPerSecond: 0 } }, 'backlog')?.value).toBe(0);
    expect(input({ ...healthy, backlog: { visible: 5, drainPerSecond: 100 } }, 'backlog')?.value).toBe(1);
  });

  it('when messages are dead-lettered, then the input falls with their logarithm down to 0 at 999', () => {
    expect(input({ ...healthy, deadLetters: 9 }, 'dead_letters')?.value).toBeCloseTo(2 / 3, 2);
    expect(input({ ...healthy, deadLetters: 999 }, 'dead_letters')?.value).toBe(0);
    expect(input({ ...healthy, deadLetters: undefined }, 'dead_letters')?.weight).toBe(0);
  });

  it('when alerts are open, then critical ones weigh twice the high ones', () => {
    expect(input({ ...healthy, alerts: { critical: 2, high: 1 } }, 'alerts')?.value).toBe(0.5);
    expect(input({ ...healthy, alerts: { critical: 9, high: 0 } }, 'alerts')?.value).toBe(0);
  });

  it('when a dependency does not answer, then it is named and counted out', () => {
    const f = {
      ...healthy,
      dependencies: [...healthy.dependencies, { name: 'events-queue', reachable: false }],
    };
    expect(input(f, 'dependencies')).toMatchObject({ value: 0.67 });
    expect(input(f, 'dependencies')?.why).toContain('not: events-queue');
  });

  it('when a controller runs without a leader, then its input is one half', () => {
    expect(input({ ...healthy, controller: { live: 1, leader: false } }, 'controller')).toMatchObject({
      weight: 10,
      value: 0.5,
    });
  });
});
